/* Flat binary files with their conf.json, read as Images and as Series.
 * The input is conf.json's text, a NUL byte, then the data; no NUL means
 * no data file beside the conf. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_init();
    fz_clear();
    const uint8_t *nul = memchr(data, 0, size);
    size_t conf_len = nul ? (size_t)(nul - data) : size;
    fz_file("bin/conf.json", data, conf_len);
    if (nul)
        fz_file("bin/data-00000.bin", nul + 1, size - conf_len - 1);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/bin", fz_dir());

    td_err err;
    td_images *im = io_images_frombinary(dir, NULL, 0, NULL, -1, NULL, 'C', 0, &err);
    if (im) {
        fz_check_data(im);
        data_release(im);
    } else {
        fz_check_err(&err);
    }
    /* Fortran order and planes take other paths through the same reader */
    im = io_images_frombinary(dir, NULL, 0, NULL, -1, NULL, 'F', conf_len % 3, &err);
    if (im) {
        fz_check_data(im);
        data_release(im);
    } else {
        fz_check_err(&err);
    }
    td_series *s = io_series_frombinary(dir, "bin", NULL, 0, NULL, -1, (int64_t)(conf_len % 2), &err);
    if (s) {
        fz_check_data(s);
        data_release(s);
    } else {
        fz_check_err(&err);
    }
    return 0;
}
