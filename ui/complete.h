/* Tab completion from the registry and the workspace: variable names,
 * namespaces, the methods of the value before a dot, and the keyword
 * parameters of the function being called. */
#ifndef THUNDER_UI_COMPLETE_H
#define THUNDER_UI_COMPLETE_H

#include "interp.h"

/* The completions of line[start, end) given the text before it: a
 * malloc'd array of malloc'd strings, sorted and without repeats, ending
 * with NULL; NULL when there are none. Reads the workspace: call only
 * while no command runs. */
char **compl_candidates(const interp *in, const char *line, int start, int end);

void compl_free(char **cands);

#endif
