/* Text files through Series fromtext, with and without a skipped column. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_init();
    const char *path = fz_file("in.txt", data, size);
    for (int64_t skip = 0; skip < 2; skip++) {
        td_err err;
        td_series *s = io_series_fromtext(path, "txt", skip, 0, NULL, &err);
        if (!s) {
            fz_check_err(&err);
            continue;
        }
        fz_check_data(s);
        data_release(s);
    }
    return 0;
}
