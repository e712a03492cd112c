/* Example datasets under the names Thunder's fromexample uses.
 *
 * Thunder downloads its examples from a public bucket. thunder works
 * offline instead: td_example builds small synthetic stand-ins in memory,
 * deterministically (same values on every run and every thread count),
 * and td_example_load reads real copies from a directory when the user
 * has one (the program points it there with THUNDER_EXAMPLES).
 *
 * The synthetic movies imitate calcium imaging: a smooth background, cells
 * whose brightness jumps at random spikes and decays exponentially,
 * photobleaching drift and signal-dependent noise. 'iris' is three
 * Gaussian clusters of four measurements with the classic data set's
 * per-class means and spreads. None of it is real data. */
#ifndef THUNDER_EXAMPLES_H
#define THUNDER_EXAMPLES_H

#include "data.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The dataset names of a kind, as Thunder lists them, NULL-terminated:
 * Images {"mouse", "fish"}, Series {"iris", "mouse", "fish"}. */
const char *const *td_example_names(td_kind kind);

/* The synthetic dataset: Images 'mouse' (20, 64, 64) int16 and 'fish'
 * (20, 2, 76, 87) uint8; Series 'iris' (150, 4) float64, 'mouse'
 * (64, 64, 20) int16 and 'fish' (76, 87, 2, 20) uint8 (the Series movies
 * hold the same values as the Images ones, pixels first). An unknown name
 * is Thunder's ValueError "Option must be one of 'mouse', 'fish', got 'x'". */
td_data *td_example(td_kind kind, const char *name, td_err *err);

/* The real dataset `name` from dir, which is laid out either as Thunder's
 * sample bucket (images/mouse, images/fish, series/NAME, each read as
 * Thunder's fromexample reads them) or as the older copies Thunder's
 * repository kept (mouse/images, fish/images, NAME/series, iris/iris.bin,
 * whose Series files start each record with keys that conf.json's nkeys,
 * keytype and valuetype describe). */
td_data *td_example_load(td_kind kind, const char *name, const char *dir, td_err *err);

#ifdef __cplusplus
}
#endif
#endif
