#!/usr/bin/python3
"""Times thunder operations against the equivalent numpy/scipy code on the
same data, in the same run, and prints a table of both times and the ratio
(numpy time / thunder time: above 1 means thunder is faster).

    bench/bench.py [--thunder PATH] [--threads N] [--repeat R] [NAME ...]

Data are generated deterministically with numpy and saved as .npy, which
both sides load, so neither side times its loading. thunder's time is the
statement's wall time reported by `thunder --timing`; numpy's is the best
of R runs in this process. Needs python3-numpy (and python3-scipy for the
filter benchmarks); without them it says so and exits.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
except ImportError:
    print("bench: numpy is not installed (Debian: python3-numpy); nothing to compare against")
    sys.exit(0)


def movie_pixels(path):
    """262144 pixel time series of length 200, like a 512x512 calcium movie."""
    rng = np.random.RandomState(0)
    t = np.arange(200)
    base = 100 + 10 * rng.rand(262144, 1)
    drift = 0.05 * t[None, :]
    spikes = (rng.rand(262144, 200) < 0.01) * 50.0
    kernel = np.exp(-np.arange(20) / 5.0)
    trans = np.apply_along_axis(lambda s: np.convolve(s, kernel)[:200], 1, spikes[:4096])
    trans = np.tile(trans, (64, 1))
    a = (base + drift + trans + rng.randn(262144, 200)).astype(np.float64)
    np.save(path, a)
    return a


def movie_uint16(path):
    """A 200 x 512 x 512 uint16 movie: a fixed background, slow drift and noise."""
    rng = np.random.RandomState(1)
    base = 1000 + 200 * rng.rand(512, 512)
    drift = 5 * np.sin(np.arange(200) / 20.0)[:, None, None]
    a = (base[None] + drift + 30 * rng.randn(200, 512, 512)).astype(np.uint16)
    np.save(path, a)
    return a


_traces = {}


def series_traces(path):
    """100000 pixel time series of 1000 float32 samples, like a cell-resolution
    recording: a baseline per pixel, a slow linear drift, a response to a
    stimulus that is on for 25 of every 125 samples in a third of the pixels,
    and noise. Generated once per run, in blocks, without float64 copies."""
    if "a" not in _traces:
        rng = np.random.RandomState(7)
        n, t = 100000, 1000
        tt = np.arange(t, dtype=np.float32)
        stim = ((tt % 125) < 25).astype(np.float32)
        a = np.empty((n, t), np.float32)
        for b in range(0, n, 10000):
            base = (80 + 40 * rng.rand(10000, 1)).astype(np.float32)
            drift = (0.02 * rng.randn(10000, 1)).astype(np.float32) * tt
            gain = ((rng.rand(10000, 1) < 0.3) * 15 * rng.rand(10000, 1)).astype(np.float32)
            a[b:b + 10000] = base + drift + gain * stim + 2 * rng.randn(10000, t).astype(np.float32)
        _traces["a"] = a
    np.save(path, _traces["a"])
    return _traces["a"]


def np_correlate(a, s):
    ac = a - a.mean(axis=1, keepdims=True)
    sc = s - s.mean()
    return (ac @ sc) / (np.sqrt((ac * ac).sum(axis=1)) * np.sqrt(sc @ sc))


def np_detrend(a):
    x = np.arange(a.shape[1])
    p = np.polyfit(x, a.T, 1)
    return a - np.outer(p[0], x)


def np_fourier(a, freq):
    n = a.shape[1]
    ft = np.fft.fft(a - a.mean(axis=1, keepdims=True), axis=1)[:, :n // 2]
    amp = 2 * np.abs(ft) / n
    co = amp[:, freq] / np.sqrt((amp ** 2).sum(axis=1))
    ph = -np.pi / 2 - np.angle(ft[:, freq])
    ph[ph < 0] += 2 * np.pi
    return np.stack([co, ph], axis=1)


def np_cov(a):
    ac = a - a.mean(axis=0)
    return (ac.T @ ac) * (1.0 / (a.shape[0] - 1))


SIGNAL = np.sin(np.arange(1000) * 0.0628)
SERIES = "data = td.series.fromarray(np.load(PATH))"


try:
    from scipy import ndimage as ndi
except ImportError:
    ndi = None


def scipy_ndimage():
    if ndi is None:
        raise RuntimeError("scipy is not installed (Debian: python3-scipy)")
    return ndi


_calcium = {}


def calcium_footprints(rng, shape, ncells, length):
    """Somata: Gaussian blobs at random places, each with a calcium trace of
    sparse spikes decaying over a few frames, scaled per cell."""
    centres = [rng.randint(12, n - 12, ncells) for n in shape]
    radius = rng.uniform(3, 6, ncells)
    spikes = rng.rand(ncells, length) < 0.02
    kernel = np.exp(-np.arange(30) / 8.0)
    traces = np.array([np.convolve(s, kernel)[:length] for s in spikes]) * rng.uniform(100, 400, (ncells, 1))
    return centres, radius, traces.astype(np.float32)


def calcium_movie(path):
    """A 200 x 512 x 512 uint16 calcium-imaging-like movie: a smooth tissue
    background, 150 cells with spiking traces, and shot noise. Generated once
    per run."""
    if "movie" not in _calcium:
        rng = np.random.RandomState(2)
        t, h, w = 200, 512, 512
        yy, xx = np.mgrid[0:h, 0:w]
        movie = np.empty((t, h, w), np.float32)
        movie[:] = (300 + 80 * np.sin(yy / 70.0) * np.cos(xx / 90.0)).astype(np.float32)
        (cy, cx), radius, traces = calcium_footprints(rng, (h, w), 150, t)
        py, px = np.mgrid[-12:13, -12:13]
        for c in range(len(radius)):
            foot = np.exp(-(py ** 2 + px ** 2) / (2 * radius[c] ** 2)).astype(np.float32)
            movie[:, cy[c] - 12:cy[c] + 13, cx[c] - 12:cx[c] + 13] += traces[c][:, None, None] * foot
        movie += rng.standard_normal((t, h, w)).astype(np.float32) * np.sqrt(movie)
        _calcium["movie"] = np.clip(movie, 0, 65535).astype(np.uint16)
    np.save(path, _calcium["movie"])
    return _calcium["movie"]


def calcium_volume(path):
    """40 uint16 volumes of 256 x 256 x 16: the same kind of tissue in 3-D,
    80 cells spread over the planes."""
    if "volume" not in _calcium:
        rng = np.random.RandomState(3)
        t, h, w, d = 40, 256, 256, 16
        yy, xx, zz = np.mgrid[0:h, 0:w, 0:d]
        vol = np.empty((t, h, w, d), np.float32)
        vol[:] = (300 + 80 * np.sin(yy / 50.0) * np.cos(xx / 60.0) - 2.0 * zz).astype(np.float32)
        (cy, cx), radius, traces = calcium_footprints(rng, (h, w), 80, t)
        cz = rng.randint(2, d - 2, len(radius))
        py, px, pz = np.mgrid[-12:13, -12:13, 0:d]
        for c in range(len(radius)):
            foot = np.exp(-(py ** 2 + px ** 2 + (4.0 * (pz - cz[c])) ** 2) / (2 * radius[c] ** 2))
            vol[:, cy[c] - 12:cy[c] + 13, cx[c] - 12:cx[c] + 13, :] += \
                traces[c][:, None, None, None] * foot.astype(np.float32)
        vol += rng.standard_normal(vol.shape).astype(np.float32) * np.sqrt(vol)
        _calcium["volume"] = np.clip(vol, 0, 65535).astype(np.uint16)
    np.save(path, _calcium["volume"])
    return _calcium["volume"]


def np_localcorr(a, size):
    """Thunder's localcorr without the per-pixel corrcoef calls: blur each image,
    then the Pearson correlation of every pixel's two time courses."""
    b = scipy_ndimage().uniform_filter(a, (1,) + (size,) * (a.ndim - 1))
    x = a.astype(np.float64)
    y = b.astype(np.float64)
    x -= x.mean(axis=0)
    y -= y.mean(axis=0)
    return (x * y).sum(axis=0) / np.sqrt((x * x).sum(axis=0) * (y * y).sum(axis=0))


IMAGES = "data = td.images.fromarray(np.load(PATH))"


try:
    import tifffile
except ImportError:
    tifffile = None


class MissingTool(Exception):
    """A data maker needs a module that is not installed: the case is skipped."""


def loading_movie():
    """The 200 x 512 x 512 uint16 movie the loading benchmarks write to files."""
    rng = np.random.RandomState(2)
    base = (1000 + 200 * rng.rand(512, 512)).astype(np.float32)
    return (base[None] + 30 * rng.randn(200, 512, 512).astype(np.float32)).astype(np.uint16)


def files_maker(write):
    """A data maker for the loading benchmarks: write(folder, movie) puts the
    movie into PATH without .npy as files and returns what numpy loads."""
    def make(path):
        folder = os.path.splitext(path)[0]
        os.mkdir(folder)
        return write(folder, loading_movie())
    return make


def write_tif_multipage(folder, a):
    if tifffile is None:
        raise MissingTool("tifffile is not installed (Debian: python3-tifffile)")
    tifffile.imwrite(os.path.join(folder, "movie.tif"), a, photometric="minisblack")
    return os.path.join(folder, "movie.tif")


def write_tif_files(folder, a):
    if tifffile is None:
        raise MissingTool("tifffile is not installed (Debian: python3-tifffile)")
    names = [os.path.join(folder, "image-%05d.tif" % i) for i in range(len(a))]
    for name, img in zip(names, a):
        tifffile.imwrite(name, img, photometric="minisblack")
    return names


def write_binary(folder, a):
    """Thunder's tobinary layout: raw files, conf.json and SUCCESS."""
    names = [os.path.join(folder, "image-%05d.bin" % i) for i in range(len(a))]
    for name, img in zip(names, a):
        img.tofile(name)
    with open(os.path.join(folder, "conf.json"), "w") as f:
        f.write('{"shape": [512, 512], "dtype": "uint16"}')
    open(os.path.join(folder, "SUCCESS"), "w").close()
    return names


# name: (data maker, thunder setup, thunder statement, numpy function of the data)
CASES = {
    "series_zscore": (
        series_traces, SERIES, "out = data.zscore()",
        lambda a: (a - a.mean(axis=1, keepdims=True)) / a.std(axis=1, keepdims=True),
    ),
    "series_center": (
        series_traces, SERIES, "out = data.center()",
        lambda a: a - a.mean(axis=1, keepdims=True),
    ),
    "series_standardize": (
        series_traces, SERIES, "out = data.standardize()",
        lambda a: a / a.std(axis=1, keepdims=True),
    ),
    "series_correlate": (
        series_traces, SERIES, "out = data.correlate(np.sin(np.arange(1000) * 0.0628))",
        lambda a: np_correlate(a, SIGNAL),
    ),
    "series_stats": (
        series_traces, SERIES, "out = data.series_stats()",
        lambda a: np.stack([np.full(a.shape[0], float(a.shape[1])), a.mean(axis=1), a.std(axis=1),
                            a.max(axis=1), a.min(axis=1)], axis=1),
    ),
    "series_percentile": (
        series_traces, SERIES, "out = data.series_percentile(20)",
        lambda a: np.percentile(a, 20, axis=1),
    ),
    "series_detrend": (series_traces, SERIES, "out = data.detrend()", np_detrend),
    "series_fourier": (series_traces, SERIES, "out = data.fourier(freq=8)", lambda a: np_fourier(a, 8)),
    "series_gramian": (series_traces, SERIES, "out = data.gramian()", lambda a: a.T @ a),
    "series_cov": (series_traces, SERIES, "out = data.cov()", np_cov),
    "series_map_lambda": (
        movie_pixels,
        "data = td.series.fromarray(np.load(PATH))",
        "out = data.map(lambda x: x - x.mean())",
        lambda a: a - a.mean(axis=1, keepdims=True),
    ),
    "images_toseries": (
        movie_uint16,
        "data = td.images.fromarray(np.load(PATH))",
        "out = data.toseries()",
        lambda a: np.ascontiguousarray(a.transpose(1, 2, 0)),
    ),
    "images_map_as_series": (
        movie_uint16,
        "data = td.images.fromarray(np.load(PATH))",
        "out = data.map_as_series(lambda x: x - x.mean())",
        lambda a: a - a.mean(axis=0),
    ),
    "images_gaussian_filter": (
        calcium_movie, IMAGES, "out = data.gaussian_filter(2)",
        lambda a: scipy_ndimage().gaussian_filter(a, (0, 2, 2)),
    ),
    "images_uniform_filter": (
        calcium_movie, IMAGES, "out = data.uniform_filter(3)",
        lambda a: scipy_ndimage().uniform_filter(a, (1, 3, 3)),
    ),
    "images_median_filter_3": (
        calcium_movie, IMAGES, "out = data.median_filter(3)",
        lambda a: scipy_ndimage().median_filter(a, (1, 3, 3)),
    ),
    "images_median_filter_5": (
        calcium_movie, IMAGES, "out = data.median_filter(5)",
        lambda a: scipy_ndimage().median_filter(a, (1, 5, 5)),
    ),
    "images_localcorr": (calcium_movie, IMAGES, "out = data.localcorr(3)", lambda a: np_localcorr(a, 3)),
    "images_max_projection": (calcium_movie, IMAGES, "out = data.max_projection(axis=1)", lambda a: a.max(axis=2)),
    "images_mean": (calcium_movie, IMAGES, "out = data.mean()", lambda a: a.mean(axis=0, keepdims=True)),
    "images_std": (calcium_movie, IMAGES, "out = data.std()", lambda a: a.std(axis=0, keepdims=True)),
    "volume_gaussian_filter": (
        calcium_volume, IMAGES, "out = data.gaussian_filter(2)",
        lambda a: scipy_ndimage().gaussian_filter(a, (0, 2, 2, 2)),
    ),
    "volume_median_filter": (
        calcium_volume, IMAGES, "out = data.median_filter(3)",
        lambda a: scipy_ndimage().median_filter(a, (1, 3, 3, 3)),
    ),
    "volume_max_projection": (calcium_volume, IMAGES, "out = data.max_projection(axis=2)", lambda a: a.max(axis=3)),
    "load_tif_multipage": (
        files_maker(write_tif_multipage),
        "DIR = PATH[:-4]",
        "out = td.images.fromtif(DIR, nplanes=1)",
        lambda f: tifffile.imread(f),
    ),
    "load_tif_files": (
        files_maker(write_tif_files),
        "DIR = PATH[:-4]",
        "out = td.images.fromtif(DIR)",
        lambda names: tifffile.imread(names),
    ),
    "load_binary": (
        files_maker(write_binary),
        "DIR = PATH[:-4]",
        "out = td.images.frombinary(DIR)",
        lambda names: np.stack([np.fromfile(n, dtype=np.uint16).reshape(512, 512) for n in names]),
    ),
}


def time_thunder(thunder, threads, setup, stmt, path, repeat):
    lines = ["import thunder as td", "import numpy as np", 'PATH = "%s"' % path, setup]
    target = len(lines) + 1
    lines += [stmt] * repeat
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        script = f.name
    try:
        r = subprocess.run([thunder, "--timing", "--threads", str(threads), script],
                           capture_output=True, text=True)
    finally:
        os.unlink(script)
    if r.returncode != 0:
        raise RuntimeError("thunder failed: " + r.stderr.strip().splitlines()[-1])
    times = [float(m.group(2)) for m in re.finditer(r"line (\d+): ([0-9.]+) s", r.stderr)
             if int(m.group(1)) >= target]
    return min(times)


def time_numpy(fn, a, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(a)
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--thunder", default=os.path.join(here, "..", "app", "thunder"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    names = args.names or list(CASES)
    print("numpy %s; thunder and numpy on the same data, %d threads for thunder" % (np.__version__, args.threads))
    print("| operation | thunder (s) | numpy (s) | numpy / thunder |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            make, setup, stmt, fn = CASES[name]
            path = os.path.join(tmp, name + ".npy")
            try:
                a = make(path)
            except MissingTool as e:
                print("| %s | skipped: %s | | |" % (name, e))
                continue
            tt = time_thunder(args.thunder, args.threads, setup, stmt, path, args.repeat)
            tn = time_numpy(fn, a, args.repeat)
            print("| %s | %.3f | %.3f | %.2f |" % (name, tt, tn, tn / tt))


if __name__ == "__main__":
    main()
