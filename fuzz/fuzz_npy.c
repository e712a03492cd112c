/* .npy files: the in-memory parser and the file reader must agree, and
 * whatever they accept must survive a save and a second parse unchanged. */
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_init();
    td_err e1, e2;
    nd_array *a = npy_parse(data, size, "fuzz.npy", &e1);
    nd_array *b = npy_load(fz_file("in.npy", data, size), &e2);
    FZ_ASSERT((a == NULL) == (b == NULL));
    if (!a) {
        fz_check_err(&e1);
        fz_check_err(&e2);
        FZ_ASSERT(e1.kind == e2.kind);
        return 0;
    }
    fz_check_array(a);
    fz_check_array(b);
    FZ_ASSERT(a->dtype == b->dtype && a->size == b->size);
    size_t bytes = (size_t)a->size * td_dtype_size(a->dtype);
    FZ_ASSERT(memcmp(a->data, b->data, bytes) == 0);

    const char *out = fz_file("out.npy", "", 0);
    if (npy_save(out, a, &e1) == 0) {
        nd_array *c = npy_load(out, &e2);
        FZ_ASSERT(c != NULL);
        FZ_ASSERT(c->dtype == a->dtype && c->ndim == a->ndim);
        FZ_ASSERT(memcmp(c->shape, a->shape, sizeof(int64_t) * (size_t)a->ndim) == 0);
        FZ_ASSERT(memcmp(c->data, a->data, bytes) == 0);
        nd_release(c);
    } else {
        fz_check_err(&e1);
    }
    nd_release(a);
    nd_release(b);
    return 0;
}
