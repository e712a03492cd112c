/* GNU readline inside curses: readline edits the command line (Emacs
 * keys, history, Ctrl-R, completion) but never touches the terminal. Keys
 * come from curses one at a time, readline's display goes through the
 * redisplay callback. Every readline call of the program is in rl_glue.c. */
#ifndef THUNDER_UI_RL_GLUE_H
#define THUNDER_UI_RL_GLUE_H

#include <stdbool.h>

typedef struct rl_glue_ui {
    /* A line was entered (the callee frees it), or NULL at end of input. */
    void (*line)(char *line, void *user);
    /* The line, the cursor or the prompt changed. */
    void (*redisplay)(void *user);
    /* Several completions: list these n strings. */
    void (*matches)(char **matches, int n, void *user);
    /* Completions of line[start, end) (see compl_candidates), or NULL. */
    char **(*complete)(const char *line, int start, int end, void *user);
    void *user;
} rl_glue_ui;

/* history_path may be NULL (no history kept across sessions). */
void rl_glue_init(const rl_glue_ui *ui, const char *prompt, const char *history_path);
/* Saves the history and lets go of readline. */
void rl_glue_close(void);

/* One key from curses: a byte or a KEY_* code. */
void rl_glue_key(int key);

void rl_glue_set_prompt(const char *prompt);
/* Empties the line (Ctrl-C at the prompt). */
void rl_glue_clear_line(void);
/* What to draw: the prompt (readline's, e.g. during Ctrl-R), the line and
 * the cursor's byte offset in it. */
void rl_glue_state(const char **prompt, const char **line, int *point);

void rl_glue_add_history(const char *line);
void rl_glue_set_width(int cols);

#endif
