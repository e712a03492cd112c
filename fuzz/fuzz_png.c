/* PNG files through frompng. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_init();
    td_err err;
    td_images *im = io_images_frompng(fz_file("in.png", data, size), NULL, &err);
    if (!im) {
        fz_check_err(&err);
        return 0;
    }
    fz_check_data(im);
    data_release(im);
    return 0;
}
