/* The workbench's functions in the language: show, stats, run,
 * save_history, quit (the table reg_ui), and the session script.
 *
 * They work in batch mode too: show and stats print a text summary, run
 * runs a file, quit ends the script. The workbench (ui/) changes what they
 * do through m_ui_set_hooks, so that the language never depends on curses. */
#ifndef THUNDER_M_UI_H
#define THUNDER_M_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "interp.h"
#include "registry.h"
#include "view.h"

typedef struct m_ui_hooks {
    /* show() or stats() computed v: the hook takes it over. */
    void (*view)(view *v, void *user);
    /* run() is about to run this command of its file. */
    void (*echo)(const char *src, size_t len, void *user);
    /* A statement ran and was recorded (the workspace may have changed). */
    void (*recorded)(void *user);
    /* quit() was called: leave once the current command ends. */
    void (*quit)(void *user);
    void *user;
} m_ui_hooks;

/* NULL restores batch behaviour. Hooks run on the thread that runs the
 * interpreter. */
void m_ui_set_hooks(const m_ui_hooks *h);

/* --- the session script ------------------------------------------------------
 * Every statement that ran successfully, in order, so that running the
 * script again reaches the same workspace. Calls of run(), save_history()
 * and quit() are left out: run() records the statements of its file one by
 * one instead. */

/* For run_opts.on_success: records one statement. */
void m_ui_record(const char *stmt, size_t len, void *user);

/* Also appends every recorded statement to path (one write each, so a
 * crash loses nothing). */
int m_ui_session_open(const char *path, td_err *err);
void m_ui_session_close(void);

/* Writes the statements recorded so far to path. */
int m_ui_session_save(const char *path, td_err *err);

/* Runs a script one command at a time (each statement, or lines joined
 * while brackets are open), echoing each through the hooks and recording
 * each that succeeds. An error stops it; its message starts with
 * "FILE:LINE:COL: ". */
int m_ui_run_file(interp *in, const char *path, td_err *err);

extern const reg_table reg_ui;

#endif
