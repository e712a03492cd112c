/* The writers of Images and Series: each is one call into libthunder, which
 * checks the overwrite rules, writes atomically and names the path in its
 * errors. The arguments are (path, prefix, overwrite[, credentials]). */
#include "m_io.h"

typedef int (*writer_fn)(const td_data *d, const char *path, const char *prefix, bool overwrite, td_err *err);

static value *write_with(writer_fn w, call_args *a, td_err *err)
{
    if (w(a->self->u.data, a->v[0]->u.str.s, a->v[1]->u.str.s, a->v[2]->u.b, err) < 0)
        return NULL;
    return val_none();
}

value *m_images_tobinary(call_args *a, td_err *err)
{
    return write_with(io_images_tobinary, a, err);
}

value *m_images_totif(call_args *a, td_err *err)
{
    return write_with(io_images_totif, a, err);
}

value *m_images_topng(call_args *a, td_err *err)
{
    return write_with(io_images_topng, a, err);
}

value *m_series_tobinary(call_args *a, td_err *err)
{
    return write_with(io_series_tobinary, a, err);
}
