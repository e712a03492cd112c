/* The language: the input is a script, parsed and run by a fresh
 * interpreter. Each input runs inside the scratch directory with writes
 * confined to it (reg_confine_writes), so np.save, tobinary, totif, topng
 * and save_history can only create files there, and overwrite can only
 * replace what an input made there. A timer cancels a run after a second,
 * as Ctrl-C would, which bounds `while True: pass`. */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "fuzz.h"
#include "interp.h"
#include "m_ui.h"
#include "registry.h"

static int home = -1; /* the directory to come back to */

static void discard(int stream, const char *text, size_t len, void *user)
{
    (void)stream;
    (void)user;
    /* read it all, so a bad buffer in the printer shows */
    for (size_t i = 0; i < len; i++)
        fz_sink ^= (unsigned char)text[i];
}

static void no_quit(void *user)
{
    (void)user; /* batch quit() would exit(0), ending the fuzzer */
}

static void on_alarm(int sig)
{
    (void)sig;
    td_cancel();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init();
    reg_confine_writes(true);
    static const m_ui_hooks hooks = {.quit = no_quit};
    m_ui_set_hooks(&hooks);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    home = open(".", O_RDONLY | O_DIRECTORY);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (home < 0)
        LLVMFuzzerInitialize(NULL, NULL);
    FZ_ASSERT(chdir(fz_dir()) == 0);
    td_cancel_clear();
    struct itimerval t = {.it_value = {.tv_sec = 1}};
    setitimer(ITIMER_REAL, &t, NULL);

    interp *in = interp_new();
    FZ_ASSERT(in != NULL);
    interp_set_output(in, discard, NULL);
    run_opts opts = {.filename = "<fuzz>", .first_line = 1, .echo = true};
    run_error rerr;
    if (interp_run(in, (const char *)data, size, &opts, &rerr) < 0)
        fz_check_err(&rerr.err);
    interp_free(in);

    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    td_cancel_clear();
    io_sources_clear();
    FZ_ASSERT(fchdir(home) == 0);
    fz_clear();
    return 0;
}
