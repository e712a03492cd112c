/* The workbench: what `thunder` opens on a terminal. */
#ifndef THUNDER_UI_TUI_H
#define THUNDER_UI_TUI_H

/* Runs the workbench until the user leaves; startup (may be NULL) is a
 * script run first, command by command, as run() would. Returns the exit
 * status. */
int ui_run(const char *startup);

#endif
