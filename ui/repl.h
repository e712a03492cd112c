/* The interactive loop on the terminal. */
#ifndef THUNDER_REPL_H
#define THUNDER_REPL_H

/* Reads lines with readline until end of input; returns the exit status. */
int repl_run(void);

#endif
