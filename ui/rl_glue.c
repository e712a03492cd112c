/* Readline through its callback interface, fed by curses. */
#include "config.h"

#include "rl_glue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <readline/history.h>
#include <readline/readline.h>

#define HISTORY_MAX 2000

static rl_glue_ui ui;
static char cur_prompt[64];
static char *hist_path;
static FILE *null_out;

/* Bytes for readline to read, one rl_callback_read_char at a time. */
static unsigned char pending[64];
static int npending, pending_pos;

static int glue_getc(FILE *f)
{
    (void)f;
    if (pending_pos < npending)
        return pending[pending_pos++];
    /* readline asked for more than the key gave: a harmless byte (C-@, set-mark) */
    return 0;
}

static int glue_input_available(void)
{
    return pending_pos < npending;
}

static void glue_redisplay(void)
{
    if (ui.redisplay)
        ui.redisplay(ui.user);
}

static void glue_line(char *line)
{
    if (ui.line)
        ui.line(line, ui.user);
    else
        free(line);
}

static void glue_display_matches(char **matches, int n, int max_length)
{
    (void)max_length;
    if (ui.matches)
        ui.matches(matches + 1, n, ui.user);
    glue_redisplay();
}

/* Candidates handed to readline's generator one by one. */
static char **cands;
static int cand_next;

static char *glue_generator(const char *text, int state)
{
    (void)text;
    if (state == 0)
        cand_next = 0;
    if (!cands || !cands[cand_next])
        return NULL;
    return strdup(cands[cand_next++]);
}

static char **glue_complete(const char *text, int start, int end)
{
    /* inside a string: file names, readline's own completion */
    if (rl_completion_quote_character)
        return NULL;
    rl_attempted_completion_over = 1;
    rl_completion_append_character = '\0';
    if (!ui.complete)
        return NULL;
    cands = ui.complete(rl_line_buffer, start, end, ui.user);
    char **m = cands ? rl_completion_matches(text, glue_generator) : NULL;
    for (int i = 0; cands && cands[i]; i++)
        free(cands[i]);
    free(cands);
    cands = NULL;
    return m;
}

void rl_glue_init(const rl_glue_ui *u, const char *prompt, const char *history_path)
{
    ui = *u;
    /* readline must not write to the terminal curses owns */
    null_out = fopen("/dev/null", "w");
    rl_outstream = null_out;
    rl_instream = stdin;
    rl_readline_name = "thunder";
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_change_environment = 0;
    rl_prep_term_function = NULL;
    rl_deprep_term_function = NULL;
    rl_getc_function = glue_getc;
    rl_input_available_hook = glue_input_available;
    rl_redisplay_function = glue_redisplay;
    rl_attempted_completion_function = glue_complete;
    rl_completion_display_matches_hook = glue_display_matches;
    rl_completer_word_break_characters = " \t\n\"'`@$><=;|&{(,)}[]+-*/%^~!:.";
    rl_completer_quote_characters = "\"'";
    rl_initialize();
    rl_variable_bind("bell-style", "none");
    rl_variable_bind("show-all-if-ambiguous", "on");
    rl_variable_bind("echo-control-characters", "off");
    rl_variable_bind("enable-bracketed-paste", "off");
    rl_variable_bind("horizontal-scroll-mode", "on");
    /* the sequences rl_glue_key makes of curses' keys */
    rl_bind_keyseq("\033[A", rl_get_previous_history);
    rl_bind_keyseq("\033[B", rl_get_next_history);
    rl_bind_keyseq("\033[C", rl_forward_char);
    rl_bind_keyseq("\033[D", rl_backward_char);
    rl_bind_keyseq("\033[H", rl_beg_of_line);
    rl_bind_keyseq("\033[F", rl_end_of_line);
    rl_bind_keyseq("\033[3~", rl_delete);
    rl_bind_keyseq("\033[1;5C", rl_forward_word);
    rl_bind_keyseq("\033[1;5D", rl_backward_word);

    using_history();
    stifle_history(HISTORY_MAX);
    if (history_path) {
        hist_path = strdup(history_path);
        /* append_history needs the file to exist */
        FILE *f = fopen(history_path, "a");
        if (f)
            fclose(f);
        read_history(hist_path);
    }
    snprintf(cur_prompt, sizeof cur_prompt, "%s", prompt);
    rl_callback_handler_install(cur_prompt, glue_line);
}

void rl_glue_close(void)
{
    rl_callback_handler_remove();
    if (hist_path) {
        history_truncate_file(hist_path, HISTORY_MAX);
        free(hist_path);
        hist_path = NULL;
    }
    if (null_out) {
        rl_outstream = NULL;
        fclose(null_out);
        null_out = NULL;
    }
}

static void feed(const char *bytes, int n)
{
    if (n > (int)sizeof pending)
        n = (int)sizeof pending;
    memcpy(pending, bytes, (size_t)n);
    npending = n;
    pending_pos = 0;
    /* each call reads at least one byte; the rest of a sequence stays
     * visible to readline's key-sequence timeout through the hook */
    for (int guard = 0; pending_pos < npending && guard < 4 * n + 4; guard++)
        rl_callback_read_char();
    npending = pending_pos = 0;
}

void rl_glue_key(int key)
{
    const char *seq = NULL;
    switch (key) {
    case KEY_UP: seq = "\033[A"; break;
    case KEY_DOWN: seq = "\033[B"; break;
    case KEY_RIGHT: seq = "\033[C"; break;
    case KEY_LEFT: seq = "\033[D"; break;
    case KEY_HOME: seq = "\033[H"; break;
    case KEY_END: seq = "\033[F"; break;
    case KEY_DC: seq = "\033[3~"; break;
    case KEY_BACKSPACE: seq = "\177"; break;
    case KEY_ENTER: seq = "\r"; break;
    default:
        if (key >= 0 && key < 256) {
            char c = (char)key;
            feed(&c, 1);
            return;
        }
        /* Ctrl-arrows come as extended keys known by name */
        const char *name = keyname(key);
        if (name && !strcmp(name, "kRIT5"))
            seq = "\033[1;5C";
        else if (name && !strcmp(name, "kLFT5"))
            seq = "\033[1;5D";
        break;
    }
    if (seq)
        feed(seq, (int)strlen(seq));
}

void rl_glue_set_prompt(const char *prompt)
{
    snprintf(cur_prompt, sizeof cur_prompt, "%s", prompt);
    rl_set_prompt(cur_prompt);
    glue_redisplay();
}

void rl_glue_clear_line(void)
{
    /* leave Ctrl-R searches and half-typed key sequences too */
    rl_callback_sigcleanup();
    rl_replace_line("", 0);
    rl_point = rl_end = 0;
    rl_free_line_state();
    rl_reset_line_state();
    rl_callback_handler_install(cur_prompt, glue_line);
    glue_redisplay();
}

void rl_glue_state(const char **prompt, const char **line, int *point)
{
    *prompt = rl_display_prompt ? rl_display_prompt : (rl_prompt ? rl_prompt : "");
    *line = rl_line_buffer ? rl_line_buffer : "";
    *point = rl_point;
}

void rl_glue_add_history(const char *line)
{
    add_history(line);
    if (hist_path)
        append_history(1, hist_path);
}

void rl_glue_set_width(int cols)
{
    rl_set_screen_size(1, cols);
}
