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


# name: (data maker, thunder setup, thunder statement, numpy function of the data)
CASES = {
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
            a = make(path)
            tt = time_thunder(args.thunder, args.threads, setup, stmt, path, args.repeat)
            tn = time_numpy(fn, a, args.repeat)
            print("| %s | %.3f | %.3f | %.2f |" % (name, tt, tn, tn / tt))


if __name__ == "__main__":
    main()
