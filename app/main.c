/* The thunder executable: options, then batch mode or the workbench. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "repl.h"
#include "thunder.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: thunder [options] [SCRIPT | -c CODE | -]\n"
            "\n"
            "Thunder's API for images and time series, in a terminal.\n"
            "With no script, opens the interactive workbench.\n"
            "\n"
            "  -c CODE         run CODE and exit\n"
            "  -               read the script from standard input\n"
            "  --timing        print each statement's wall time on stderr\n"
            "  --memory SIZE   memory budget for arrays (e.g. 8G; default 90%% of RAM)\n"
            "  --threads N     worker threads (default: all cores)\n"
            "  --help          show this help\n"
            "  --version       show the version\n");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("thunder %s\n", PACKAGE_VERSION);
            return 0;
        }
    }
    return repl_run();
}
