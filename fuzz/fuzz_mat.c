/* MATLAB .mat files through the correlate signal reader (matio). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_init();
    const char *path = fz_file("in.mat", data, size);
    td_err err;
    nd_array *a = ser_load_signal(path, "s", &err);
    if (!a) {
        fz_check_err(&err);
        return 0;
    }
    fz_check_array(a);
    nd_release(a);
    return 0;
}
