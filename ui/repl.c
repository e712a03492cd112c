/* A plain readline loop: the interactive mode until the curses workbench
 * takes over. Lines go through interp_run, the same entry point as scripts. */
#include "config.h"

#include "repl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "interp.h"
#include "parse.h"

static void write_out(int stream, const char *text, size_t len, void *user)
{
    (void)user;
    fwrite(text, 1, len, stream == 2 ? stderr : stdout);
    fflush(stream == 2 ? stderr : stdout);
}

int repl_run(void)
{
    interp *in = interp_new();
    if (!in)
        return 1;
    interp_set_output(in, write_out, NULL);
    printf("thunder %s: Thunder's API in a terminal. Ctrl-D leaves.\n", PACKAGE_VERSION);
    char *pending = NULL; /* lines of a statement still open */
    int line_no = 1;
    for (;;) {
        char *line = readline(pending ? "... " : ">>> ");
        if (!line)
            break;
        size_t plen = pending ? strlen(pending) : 0, llen = strlen(line);
        char *src = malloc(plen + llen + 2);
        if (!src) {
            free(line);
            break;
        }
        if (pending)
            memcpy(src, pending, plen);
        memcpy(src + plen, line, llen);
        src[plen + llen] = '\n';
        src[plen + llen + 1] = '\0';
        free(pending);
        pending = NULL;
        if (*line)
            add_history(line);
        free(line);
        if (parse_needs_more(src, plen + llen + 1)) {
            pending = src;
            continue;
        }
        run_opts opts = {.filename = "<input>", .first_line = line_no, .echo = true};
        run_error rerr;
        if (interp_run(in, src, plen + llen + 1, &opts, &rerr) < 0)
            fprintf(stderr, "<input>:%d:%d: error: %s: %s\n", rerr.line, rerr.col, td_errkind_name(rerr.err.kind),
                    rerr.err.msg);
        for (const char *p = src; *p; p++)
            line_no += *p == '\n';
        free(src);
    }
    free(pending);
    interp_free(in);
    return 0;
}
