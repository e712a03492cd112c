/* The terminal: curses set up and always restored (normal exit, atexit,
 * fatal signals), the signals the main loop waits for, and colours. */
#ifndef THUNDER_UI_TTY_H
#define THUNDER_UI_TTY_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

/* Starts curses on the terminal and installs the signal handlers; the
 * handlers of SIGWINCH, SIGINT and SIGCONT write one byte ('W', 'C', 'R')
 * to the returned descriptor's pipe, which the main loop polls. Returns
 * the read end, or -1 with a message in msg. */
int tty_open(char *msg, size_t msglen);
/* Ends curses and restores the terminal as it was (idempotent). */
void tty_close(void);

/* Wakes the main loop with byte c (async-signal-safe; any thread). */
void tty_wake(char c);

/* The terminal's current size, after a SIGWINCH: resizes curses' screen. */
void tty_resize(void);

/* What the screen can show. */
bool tty_colors(void);       /* any colour (and NO_COLOR unset) */
bool tty_image_colors(void); /* 256 colours with enough pairs for images */

/* Attributes for the parts of the screen. */
typedef enum tty_role {
    ROLE_BORDER,
    ROLE_TITLE,
    ROLE_ERROR,
    ROLE_INPUT,
    ROLE_INFO,
    ROLE_STATUS,
    ROLE_STATUS_BUSY,
    ROLE_STATUS_ERROR,
    ROLE_SELECT,
    ROLE_CURVE,
    ROLE_BAR,
    ROLE_AXIS,
    ROLE_COUNT
} tty_role;
attr_t tty_attr(tty_role role);

/* Images: TTY_LEVELS levels of a colormap (0 gray, 1 viridis). A cell
 * shows two pixels with the upper half block: foreground the top pixel,
 * background the bottom one (bottom -1: the terminal's background). */
#define TTY_LEVELS 24
short tty_image_pair(int cmap, int top, int bottom);

#endif
