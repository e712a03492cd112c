/* Terminal set-up and restoration, signals, colours. */
#define _GNU_SOURCE
#include "config.h"

#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <term.h>

#include "thunder.h"

static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t curses_active;
static struct termios saved_tios;
static bool have_tios;
/* What a fatal signal writes to leave the alternate screen with a cursor:
 * computed beforehand, since a signal handler may only write. */
static char restore_seq[256];
static size_t restore_len;

static bool colors_on, image_colors_on;
static attr_t role_attr[ROLE_COUNT];

/* --- signals --------------------------------------------------------------------- */

void tty_wake(char c)
{
    int e = errno;
    if (wake_pipe[1] >= 0) {
        ssize_t r = write(wake_pipe[1], &c, 1);
        (void)r; /* a full pipe already holds a wake-up */
    }
    errno = e;
}

static void on_winch(int sig)
{
    (void)sig;
    tty_wake('W');
}

static void on_int(int sig)
{
    (void)sig;
    /* the keyboard's Ctrl-C arrives as a key (raw mode); this is kill -INT */
    td_cancel();
    tty_wake('C');
}

static void on_cont(int sig)
{
    (void)sig;
    tty_wake('R');
}

/* Async-signal-safe: put the terminal back, then die of the same signal. */
static void on_fatal(int sig)
{
    if (curses_active) {
        ssize_t r = write(STDOUT_FILENO, restore_seq, restore_len);
        (void)r;
        if (have_tios)
            tcsetattr(STDIN_FILENO, TCSANOW, &saved_tios);
        curses_active = 0;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void set_handler(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void add_cap(const char *name)
{
    char *s = tigetstr(name);
    if (!s || s == (char *)-1)
        return;
    size_t n = strlen(s);
    if (restore_len + n < sizeof restore_seq) {
        memcpy(restore_seq + restore_len, s, n);
        restore_len += n;
    }
}

static void at_exit(void)
{
    tty_close();
}

/* --- colours ---------------------------------------------------------------------- */

/* viridis at eleven evenly spaced points */
static const unsigned char viridis_rgb[11][3] = {
    {68, 1, 84},    {72, 36, 117},  {65, 68, 135},  {53, 95, 141},  {42, 120, 142}, {33, 145, 140},
    {34, 168, 132}, {68, 191, 112}, {122, 209, 81}, {189, 223, 38}, {253, 231, 37},
};

static int cube_level(int v)
{
    static const int levels[6] = {0, 95, 135, 175, 215, 255};
    int best = 0;
    for (int i = 1; i < 6; i++)
        if (abs(levels[i] - v) < abs(levels[best] - v))
            best = i;
    return best;
}

/* The xterm-256 colour nearest to (r, g, b): the 6x6x6 cube or the gray ramp. */
static short xterm_nearest(int r, int g, int b)
{
    static const int levels[6] = {0, 95, 135, 175, 215, 255};
    int cr = cube_level(r), cg = cube_level(g), cb = cube_level(b);
    int dr = levels[cr] - r, dg = levels[cg] - g, db = levels[cb] - b;
    long best_d = (long)dr * dr + (long)dg * dg + (long)db * db;
    short best = (short)(16 + 36 * cr + 6 * cg + cb);
    for (int i = 0; i < 24; i++) {
        int v = 8 + 10 * i;
        long d = (long)(v - r) * (v - r) + (long)(v - g) * (v - g) + (long)(v - b) * (v - b);
        if (d < best_d) {
            best_d = d;
            best = (short)(232 + i);
        }
    }
    return best;
}

static short cmap_color(int cmap, int level)
{
    if (cmap == 0)
        return (short)(232 + level);
    double t = (double)level / (TTY_LEVELS - 1) * 10.0;
    int k = (int)t;
    if (k >= 10)
        k = 9;
    double f = t - k;
    int rgb[3];
    for (int c = 0; c < 3; c++)
        rgb[c] = (int)(viridis_rgb[k][c] + f * (viridis_rgb[k + 1][c] - viridis_rgb[k][c]) + 0.5);
    return xterm_nearest(rgb[0], rgb[1], rgb[2]);
}

#define IMAGE_PAIR_BASE      32
#define IMAGE_PAIRS_PER_CMAP (TTY_LEVELS * (TTY_LEVELS + 1))

short tty_image_pair(int cmap, int top, int bottom)
{
    if (!image_colors_on)
        return -1;
    return (short)(IMAGE_PAIR_BASE + cmap * IMAGE_PAIRS_PER_CMAP + top * (TTY_LEVELS + 1) + bottom + 1);
}

static void init_colors(void)
{
    const char *no_color = getenv("NO_COLOR");
    for (int r = 0; r < ROLE_COUNT; r++)
        role_attr[r] = A_NORMAL;
    /* without colour, emphasis alone tells the parts apart */
    role_attr[ROLE_TITLE] = A_BOLD;
    role_attr[ROLE_ERROR] = A_BOLD;
    role_attr[ROLE_INPUT] = A_BOLD;
    role_attr[ROLE_STATUS] = A_REVERSE;
    role_attr[ROLE_STATUS_BUSY] = A_REVERSE | A_BOLD;
    role_attr[ROLE_STATUS_ERROR] = A_REVERSE | A_BOLD;
    role_attr[ROLE_SELECT] = A_REVERSE;
    role_attr[ROLE_BAR] = A_REVERSE;
    if ((no_color && *no_color) || !has_colors() || start_color() == ERR)
        return;
    colors_on = true;
    use_default_colors();
    static const struct {
        tty_role role;
        short fg, bg;
        attr_t extra;
    } roles[] = {
        {ROLE_BORDER, COLOR_BLUE, -1, 0},
        {ROLE_TITLE, COLOR_CYAN, -1, A_BOLD},
        {ROLE_ERROR, COLOR_RED, -1, A_BOLD},
        {ROLE_INPUT, COLOR_YELLOW, -1, A_BOLD},
        {ROLE_INFO, COLOR_CYAN, -1, 0},
        {ROLE_STATUS, COLOR_BLACK, COLOR_CYAN, 0},
        {ROLE_STATUS_BUSY, COLOR_BLACK, COLOR_YELLOW, 0},
        {ROLE_STATUS_ERROR, COLOR_WHITE, COLOR_RED, A_BOLD},
        {ROLE_SELECT, COLOR_BLACK, COLOR_CYAN, 0},
        {ROLE_CURVE, COLOR_GREEN, -1, A_BOLD},
        {ROLE_BAR, COLOR_BLACK, COLOR_GREEN, 0},
        {ROLE_AXIS, COLOR_CYAN, -1, 0},
    };
    for (size_t i = 0; i < sizeof roles / sizeof *roles; i++) {
        short pair = (short)(i + 1);
        if (init_pair(pair, roles[i].fg, roles[i].bg) == OK)
            role_attr[roles[i].role] = COLOR_PAIR(pair) | roles[i].extra;
    }
    if (COLORS < 256 || COLOR_PAIRS <= IMAGE_PAIR_BASE + 2 * IMAGE_PAIRS_PER_CMAP)
        return;
    image_colors_on = true;
    for (int c = 0; c < 2; c++)
        for (int t = 0; t < TTY_LEVELS; t++)
            for (int b = -1; b < TTY_LEVELS; b++)
                init_pair(tty_image_pair(c, t, b), cmap_color(c, t), b < 0 ? -1 : cmap_color(c, b));
}

bool tty_colors(void)
{
    return colors_on;
}

bool tty_image_colors(void)
{
    return image_colors_on;
}

attr_t tty_attr(tty_role role)
{
    return role_attr[role];
}

/* --- open and close ------------------------------------------------------------------ */

int tty_open(char *msg, size_t msglen)
{
    if (pipe2(wake_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
        snprintf(msg, msglen, "pipe: %s", strerror(errno));
        return -1;
    }
    have_tios = tcgetattr(STDIN_FILENO, &saved_tios) == 0;
    /* ours before initscr, so curses installs none of its own */
    set_handler(SIGWINCH, on_winch, SA_RESTART);
    set_handler(SIGINT, on_int, SA_RESTART);
    set_handler(SIGCONT, on_cont, SA_RESTART);
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
        set_handler(fatal[i], on_fatal, SA_RESETHAND | SA_NODEFER);
    atexit(at_exit);

    if (!newterm(NULL, stdout, stdin)) {
        snprintf(msg, msglen, "can't use the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
        return -1;
    }
    curses_active = 1;
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    restore_len = 0;
    add_cap("sgr0");
    add_cap("cnorm");
    add_cap("rmkx");
    add_cap("rmcup");
    init_colors();
    return wake_pipe[0];
}

void tty_close(void)
{
    if (!curses_active)
        return;
    curses_active = 0;
    endwin();
    if (have_tios)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tios);
}

void tty_resize(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
}
