#include "thunder/error.h"

#include <stdio.h>
#include <string.h>

int td_err_vset(td_err *err, td_errkind kind, const char *fmt, va_list ap)
{
    if (err) {
        err->kind = kind;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return -1;
}

int td_err_set(td_err *err, td_errkind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    td_err_vset(err, kind, fmt, ap);
    va_end(ap);
    return -1;
}

void td_err_clear(td_err *err)
{
    if (err) {
        err->kind = TD_OK;
        err->msg[0] = '\0';
    }
}

void td_err_prefix(td_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    char head[TD_ERRMSG_MAX], old[TD_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", head, old);
}

const char *td_errkind_name(td_errkind kind)
{
    switch (kind) {
    case TD_OK: return "OK";
    case TD_EVALUE: return "ValueError";
    case TD_ETYPE: return "TypeError";
    case TD_EINDEX: return "IndexError";
    case TD_EKEY: return "KeyError";
    case TD_EMEMORY: return "MemoryError";
    case TD_EIO: return "OSError";
    case TD_ENOTFOUND: return "FileNotFoundError";
    case TD_EZERODIV: return "ZeroDivisionError";
    case TD_EOVERFLOW: return "OverflowError";
    case TD_ECANCEL: return "KeyboardInterrupt";
    case TD_ENAME: return "NameError";
    case TD_ESYNTAX: return "SyntaxError";
    case TD_ERUNTIME: return "RuntimeError";
    case TD_EATTR: return "AttributeError";
    case TD_EIMPORT: return "ImportError";
    case TD_EMODULE: return "ModuleNotFoundError";
    }
    return "Error";
}
