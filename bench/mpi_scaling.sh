#!/bin/sh
# Scaling of distributed mode on this machine: strong (the same movie on 1
# and 2 ranks) and weak (the movie grows with the ranks), for loading, a
# per-image filter, the transpose to Series, a per-record Series
# operation, and the cut into padded Blocks and back. Each rank runs one
# thread, so the ranks are the only parallelism; one rank with two
# threads is shown for comparison.
#
#     bench/mpi_scaling.sh [THUNDER]     (a thunder built with --with-mpi)
#
# Times are rank 0's wall time per statement (`--timing`), which includes
# waiting for the other ranks and every exchange; best of REPEAT runs.
bin=${1:-./app/thunder}
repeat=${REPEAT:-3}
command -v mpirun >/dev/null || { echo "mpirun is not installed (Debian: openmpi-bin)"; exit 0; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader OMPI_MCA_pml=ob1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# n frames of 512 x 512 uint16 as a Thunder binary directory
movie() {
    "$bin" -c "import thunder as td
td.images.fromrandom(shape=($1, 512, 512), seed=0).dottimes(100).plus(1000).astype('uint16').tobinary('$tmp/m$1')"
}

cat >"$tmp/script.py" <<'PY'
import thunder as td
data = td.images.frombinary(MOVIE)
g = data.gaussian_filter(2)
s = data.toseries()
z = s.astype('float32').zscore()
b = data.toblocks((64, 64), padding=4)
back = b.toimages()
PY

# prints "load gaussian toseries zscore toblocks toimages" seconds for: NP THREADS FRAMES
run() {
    sed "s|MOVIE|'$tmp/m$3'|" "$tmp/script.py" >"$tmp/s.py"
    best=""
    i=0
    while [ $i -lt "$repeat" ]; do
        t=$(mpirun -q -np "$1" --bind-to none --oversubscribe "$bin" --threads "$2" --timing "$tmp/s.py" 2>&1 >/dev/null |
            sed -n 's/^line \([0-9]*\): \([0-9.]*\) s$/\1 \2/p' | awk '$1 >= 2 && $1 <= 7 { printf "%s ", $2 }')
        best=$(printf '%s\n%s\n' "$best" "$t" | awk 'NF == 6 {
            for (k = 1; k <= 6; k++) if (!(k in m) || $k < m[k]) m[k] = $k }
            END { for (k = 1; k <= 6; k++) printf "%s ", m[k] }')
        i=$((i + 1))
    done
    echo "$best"
}

movie 100 && movie 200 || exit 1
echo "| run | ranks | threads per rank | frames | load (s) | gaussian_filter(2) (s) | toseries (s) | zscore (s) | toblocks (s) | Blocks.toimages (s) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for cfg in "strong 1 2 200" "strong 1 1 200" "strong 2 1 200" "weak 1 1 100" "weak 2 1 200"; do
    set -- $cfg
    r=$(run "$2" "$3" "$4")
    echo "| $1 | $2 | $3 | $4 | $(echo "$r" | awk '{ printf "%s | %s | %s | %s | %s | %s", $1, $2, $3, $4, $5, $6 }') |"
done
