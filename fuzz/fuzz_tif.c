/* TIFF files through fromtif: one file, then the same file cut into
 * groups of planes (nplanes from the input's last byte). */
#include "fuzz.h"

static void read_one(const char *path, int64_t nplanes, bool discard)
{
    td_err err;
    td_images *im = io_images_fromtif(path, NULL, nplanes, discard, &err);
    if (!im) {
        fz_check_err(&err);
        return;
    }
    fz_check_data(im);
    data_release(im);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_init();
    const char *path = fz_file("in.tif", data, size);
    read_one(path, 0, false);
    if (size > 0 && data[size - 1] % 4 != 0)
        read_one(path, data[size - 1] % 4, data[size - 1] & 0x80);
    return 0;
}
