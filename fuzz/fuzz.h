/* What the fuzz targets share: libFuzzer's entry points, a scratch
 * directory of their own for the files a reader needs, and the checks
 * every input must pass whatever it holds.
 *
 * Each target builds twice: with libFuzzer (configure --enable-fuzzing)
 * and with fuzz/replay.c, a plain main that runs given files once, which
 * `make check` uses to replay the corpus and every crash ever found. */
#ifndef THUNDER_FUZZ_H
#define THUNDER_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "thunder.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The memory budget of every target: large enough for any seed, small
 * enough that a file claiming gigabytes meets it long before the fuzzer's
 * RSS limit. */
#define FZ_BUDGET ((size_t)256 << 20)

/* Sets the budget and one thread (reproducible runs), makes the scratch
 * directory (removed at exit). Idempotent. */
void fz_init(void);
/* The scratch directory, an absolute path. */
const char *fz_dir(void);
/* Writes data to NAME in the scratch directory (subdirectories are made
 * as needed) and returns its path in a static buffer. Aborts on failure:
 * the harness, not the input, is broken then. */
const char *fz_file(const char *name, const void *data, size_t len);
/* Empties the scratch directory. */
void fz_clear(void);

/* A failed call must say what failed: a kind and a message. */
void fz_check_err(const td_err *err);
/* Reads every element of a (so that ASan and valgrind see a bad buffer)
 * and checks the array's own invariants. */
void fz_check_array(const nd_array *a);
void fz_check_data(const td_data *d);
/* Where checks leave what they read, so that the reads are kept. */
extern volatile unsigned char fz_sink;

#define FZ_ASSERT(cond)                                                                                      \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            fz_fail(__FILE__, __LINE__, #cond);                                                              \
    } while (0)
_Noreturn void fz_fail(const char *file, int line, const char *what);

#endif
