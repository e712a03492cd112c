/* The thunder executable: options, then batch mode (a script, -c CODE or
 * standard input) or the interactive workbench. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "dist.h"
#include "interp.h"
#include "m_ui.h"
#include "reference.h"
#include "strbuf.h"
#include "thunder.h"
#include "tui.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: thunder [options] [SCRIPT | -c CODE | -]\n"
                 "\n"
                 "Thunder's API for images and time series, in a terminal.\n"
                 "With no script, opens the interactive workbench (or, when standard input\n"
                 "is not a terminal, runs it as a script).\n"
                 "\n"
                 "  -c CODE         run CODE and exit\n"
                 "  -               read the script from standard input\n"
                 "  -i SCRIPT       open the workbench after running SCRIPT in it\n"
                 "  --replay FILE   re-run a recorded session (FILE as printed when the\n"
                 "                  workbench closes): in the workbench on a terminal,\n"
                 "                  else as a script\n"
                 "  --timing        print each statement's wall time on stderr\n"
                 "  --memory SIZE   memory budget for arrays (e.g. 8G; default 90%% of RAM)\n"
                 "  --threads N     worker threads (default: all cores)\n"
                 "  --help          show this help\n"
                 "  --version       show the version\n"
                 "  --reference     print the command reference (Markdown) from the registry\n"
                 "\n"
                 "In scripts, as in the workbench, an expression on its own line prints its\n"
                 "value. An error stops the script with FILE:LINE:COL: error: KIND: MESSAGE\n"
                 "on stderr and exit status 1.\n");
}

static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "thunder: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'thunder --help' for more information.\n");
    return 2;
}

static void batch_output(int stream, const char *text, size_t len, void *user)
{
    (void)user;
    if (stream == 2) {
        /* keep stdout and stderr in order when they share a terminal or file */
        fflush(stdout);
        fwrite(text, 1, len, stderr);
    } else {
        fwrite(text, 1, len, stdout);
    }
}

/* Ranks other than 0 run the same statements silently: rank 0 speaks for all. */
static void quiet_output(int stream, const char *text, size_t len, void *user)
{
    (void)user;
    dist_output(stream, text, len);
}

static volatile sig_atomic_t interrupts;

static void on_sigint(int sig)
{
    (void)sig;
    /* the first Ctrl-C stops the running operation; a second one gives up waiting */
    if (interrupts++)
        _exit(130);
    td_cancel();
}

/* Reads a whole stream; NULL with errno on failure. */
static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    for (;;) {
        if (n == cap) {
            if (cap > ((size_t)1 << 30)) {
                free(buf);
                errno = EFBIG;
                return NULL;
            }
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                return NULL;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                int e = errno;
                free(buf);
                errno = e ? e : EIO;
                return NULL;
            }
            break;
        }
    }
    *len = n;
    return buf;
}

static int run_batch(const char *src, size_t len, const char *filename, bool timing)
{
    interp *in = interp_new();
    if (!in) {
        fprintf(stderr, "thunder: out of memory\n");
        return 1;
    }
    interp_set_output(in, dist_rank() == 0 ? batch_output : quiet_output, NULL);
    /* recorded, so that save_history() works in scripts too */
    run_opts opts = {
        .filename = filename, .first_line = 1, .echo = true, .timing = timing, .on_success = m_ui_record};
    run_error rerr;
    int rc = interp_run(in, src, len, &opts, &rerr);
    int status = 0;
    if (rc < 0) {
        fflush(stdout);
        if (dist_rank() == 0)
            fprintf(stderr, "%s:%d:%d: error: %s: %s\n", filename, rerr.line, rerr.col,
                    td_errkind_name(rerr.err.kind), rerr.err.msg);
        status = (rerr.err.kind == TD_ECANCEL || td_cancelled()) ? 130 : 1;
    } else if (td_cancelled()) {
        /* Ctrl-C came during the last statement, which finished anyway:
         * still an interrupted run, as Python reports it */
        fflush(stdout);
        if (dist_rank() == 0)
            fprintf(stderr, "%s: error: KeyboardInterrupt: interrupted\n", filename);
        status = 130;
    }
    interp_free(in);
    if (dist_rank() != 0)
        return status;
    if (fflush(stdout) != 0 && errno != EPIPE) {
        fprintf(stderr, "thunder: error writing the output: %s\n", strerror(errno));
        if (status == 0)
            status = 1;
    }
    return status;
}

/* Ranks other than 0 under mpirun while rank 0 runs the workbench: run
 * each piece of code rank 0 sends (dist_send_code) until it says stop. */
static int follow(void)
{
    interp *in = interp_new();
    if (!in)
        return 1;
    interp_set_output(in, quiet_output, NULL);
    for (;;) {
        char *src;
        long len;
        dist_bcast_text(&src, &len);
        if (len < 0)
            break;
        run_error rerr;
        run_opts o = {.filename = "<input>", .first_line = 1, .echo = true, .on_success = m_ui_record};
        if (len > 0 && src[0] == 'F')
            m_ui_run_file(in, src + 1, &rerr.err);
        else if (len > 0)
            interp_run(in, src + 1, (size_t)len - 1, &o, &rerr);
        free(src);
    }
    interp_free(in);
    return 0;
}

/* The script's text (a file or standard input), or NULL after saying why. */
static char *read_script(const char *script, bool from_stdin, size_t *len)
{
    FILE *f = from_stdin ? stdin : fopen(script, "rb");
    if (!f) {
        fprintf(stderr, "thunder: can't open file '%s': %s\n", script, strerror(errno));
        return NULL;
    }
    char *src = slurp(f, len);
    int e = errno;
    if (!from_stdin)
        fclose(f);
    if (!src)
        fprintf(stderr, "thunder: can't read '%s': %s\n", from_stdin ? "<stdin>" : script, strerror(e));
    return src;
}

static void on_sigint(int sig);

/* Under mpirun: rank 0 reads the script (or runs the workbench) and every
 * rank runs the same statements. */
static pid_t tty_owner = -1;

/* Under mpirun no rank's standard input is the terminal (mpirun forwards
 * its own to rank 0 through a pipe). Started with `mpirun --stdin none`
 * from a terminal, rank 0 has /dev/null there and the terminal as its
 * controlling one: it takes the terminal for the workbench. */
static bool take_terminal(void)
{
    struct stat in, null;
    if (fstat(STDIN_FILENO, &in) < 0 || stat("/dev/null", &null) < 0 || !S_ISCHR(in.st_mode) ||
        in.st_rdev != null.st_rdev)
        return false;
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    /* mpirun's process group has the terminal: take it over (a background
     * group that touched it would be stopped), and give it back at exit */
    signal(SIGTTOU, SIG_IGN);
    tty_owner = tcgetpgrp(fd);
    bool ok = isatty(fd) && tcsetpgrp(fd, getpgrp()) == 0 && dup2(fd, STDIN_FILENO) >= 0 &&
              dup2(fd, STDOUT_FILENO) >= 0;
    close(fd);
    return ok;
}

static void give_back_terminal(void)
{
    if (tty_owner > 0)
        tcsetpgrp(STDIN_FILENO, tty_owner);
}

static int run_distributed(bool terminal, const char *startup, const char *script, const char *code,
                           bool from_stdin, bool timing)
{
    bool interactive = startup || (!script && !code && !from_stdin);
    if (dist_rank() == 0 && !terminal && interactive)
        terminal = take_terminal();
    long tui = terminal && interactive;
    char *none = NULL;
    dist_bcast_long(&tui);
    if (tui) {
        if (dist_rank() != 0)
            return follow();
        int status = ui_run(startup);
        give_back_terminal();
        long stop = -1;
        dist_bcast_text(&none, &stop);
        return status;
    }
    if (startup)
        script = startup;
    char *src = NULL;
    long len = -1;
    const char *name = code ? "<string>" : from_stdin || !script ? "<stdin>" : script;
    if (dist_rank() == 0) {
        size_t n = 0;
        if (code) {
            n = strlen(code);
            src = malloc(n + 1);
            if (src)
                memcpy(src, code, n + 1);
        } else {
            src = read_script(script, from_stdin || !script, &n);
        }
        len = src ? (long)n : -1;
    }
    dist_bcast_text(&src, &len);
    if (len < 0)
        return 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    int status = run_batch(src, (size_t)len, name, timing);
    free(src);
    return status;
}

static int run(int argc, char **argv);

int main(int argc, char **argv)
{
    td_err err;
    if (dist_init(&argc, &argv, &err) < 0) {
        fprintf(stderr, "thunder: %s\n", err.msg);
        return 1;
    }
    if (dist_rank() != 0) {
        /* rank 0 speaks for all: usage, errors and output come once */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            return 1;
    }
#ifndef HAVE_MPI
    /* started by mpirun without MPI support: one rank does the work */
    const char *size = getenv("OMPI_COMM_WORLD_SIZE"), *rank = getenv("OMPI_COMM_WORLD_RANK");
    if (size && atoi(size) > 1) {
        if (rank && atoi(rank) != 0)
            return 0;
        fprintf(stderr, "thunder: this thunder was built without MPI (configure --with-mpi): "
                        "running on one process\n");
    }
#endif
    int status = run(argc, argv);
    status = dist_exit_status(status);
    dist_finalize();
    return status;
}

static int run(int argc, char **argv)
{
    bool timing = false;
    const char *script = NULL, *code = NULL, *startup = NULL;
    bool from_stdin = false;
    int i;
    /* THUNDER_HUGEPAGES=0 turns off huge-page advice where it stalls (see docs/performance.md). */
    const char *huge = getenv("THUNDER_HUGEPAGES");
    if (huge && (!strcmp(huge, "0") || !strcmp(huge, "off") || !strcmp(huge, "no")))
        td_mem_set_hugepages(false);
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(arg, "--version")) {
            printf("thunder %s\n", PACKAGE_VERSION);
            return 0;
        }
        if (!strcmp(arg, "--reference")) {
            strbuf sb = SB_INIT;
            reference_markdown(&sb);
            fputs(sb_str(&sb), stdout);
            sb_free(&sb);
            return 0;
        }
        if (!strcmp(arg, "--timing")) {
            timing = true;
        } else if (!strcmp(arg, "--memory") || !strncmp(arg, "--memory=", 9)) {
            const char *v = arg[8] == '=' ? arg + 9 : (i + 1 < argc ? argv[++i] : NULL);
            size_t bytes;
            td_err err;
            if (!v)
                return bad_usage("option '%s' needs a size", "--memory");
            if (td_mem_parse_size(v, &bytes, &err) < 0)
                return bad_usage("--memory: %s", err.msg);
            td_mem_set_budget(bytes);
        } else if (!strcmp(arg, "--threads") || !strncmp(arg, "--threads=", 10)) {
            const char *v = arg[9] == '=' ? arg + 10 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v)
                return bad_usage("option '%s' needs a number", "--threads");
            char *end;
            errno = 0;
            long n = strtol(v, &end, 10);
            if (errno || end == v || *end || n < 1 || n > 4096)
                return bad_usage("--threads: '%s' is not a number of threads (1 to 4096)", v);
            td_par_set_threads((int)n);
        } else if (!strcmp(arg, "-c")) {
            if (i + 1 >= argc)
                return bad_usage("option '%s' needs the code to run", "-c");
            code = argv[++i];
            break;
        } else if (!strcmp(arg, "-i") || !strcmp(arg, "--replay")) {
            if (i + 1 >= argc)
                return bad_usage("option '%s' needs a file", arg);
            startup = argv[++i];
            break;
        } else if (!strcmp(arg, "-")) {
            from_stdin = true;
            break;
        } else if (arg[0] == '-' && arg[1]) {
            return bad_usage("unknown option '%s'", arg);
        } else {
            script = arg;
            break;
        }
    }

    /* A closed pipe ends the program quietly, as for any filter. */
    signal(SIGPIPE, SIG_DFL);
    /* Over a file-size limit (ulimit -f), a write fails with EFBIG and the
     * writer cleans up, instead of the process dying with its output half
     * written. */
    signal(SIGXFSZ, SIG_IGN);

    bool terminal = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (dist_on())
        return run_distributed(terminal, startup, script, code, from_stdin, timing);
    if (startup) {
        if (terminal)
            return ui_run(startup);
        script = startup; /* no terminal: the same commands as a script */
    } else if (!script && !code && !from_stdin) {
        if (terminal)
            return ui_run(NULL);
        from_stdin = true;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);

    if (code)
        return run_batch(code, strlen(code), "<string>", timing);

    size_t len;
    char *src = read_script(script, from_stdin, &len);
    if (!src)
        return 2;
    int status = run_batch(src, len, from_stdin ? "<stdin>" : script, timing);
    free(src);
    return status;
}
