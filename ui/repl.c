#include "repl.h"

#include <stdio.h>
#include <stdlib.h>

#include <readline/history.h>
#include <readline/readline.h>

int repl_run(void)
{
    char *line;
    while ((line = readline(">>> ")) != NULL) {
        if (*line)
            add_history(line);
        free(line);
    }
    return 0;
}
