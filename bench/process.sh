#!/usr/bin/env bash
# Whole processes, as a user runs them: one `./cortado forward` per net and batch beside one OpenCV process doing the
# same (bench/opencv_forward.py), each timed from outside with its peak resident memory (/usr/bin/time), alternating,
# best of RUNS. Nets: the Model Zoo deploy prototxts (../shared and bench/models), random weights (ZooAssets).
#
#   bench/process.sh                  every net at batch 16 and 1
#   NETS="resnet50 vgg16" BATCHES=16 bench/process.sh
#
# Environment: CORTADO_SHARED (default ../shared beside the repository), THREADS (OpenCV's threads, default 2: the
# engine uses every core), RUNS (default 3), JAVA_OPTS_EXTRA (added to the engine's JVM). Output: a Markdown table on
# stdout and in bench/target/results/process-<time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CORTADO_SHARED=${CORTADO_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
THREADS=${THREADS:-2}
RUNS=${RUNS:-3}
BATCHES=${BATCHES:-"16 1"}
PY=/usr/bin/python3   # Debian's python, the one python3-opencv installs into
if ! "$PY" -c 'import cv2' 2>/dev/null; then
    echo "installing Debian's python3-opencv" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-opencv >/dev/null
fi
OUT=$ROOT/bench/target/results
mkdir -p "$OUT"
TABLE=$OUT/process-$(date +%Y%m%d-%H%M%S).md
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

mvn -B -q -o -DskipTests package dependency:build-classpath -pl bench -am -Dmdep.outputFile=target/classpath.txt \
    >/dev/null
mvn -B -q -o -DskipTests package -pl src -am >/dev/null
CP=$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")
java --add-modules jdk.incubator.vector -cp "$CP" org.cortado.bench.ZooAssets 2>/dev/null > "$WORK/nets.txt"
ASSETS=$ROOT/bench/target/assets/zoo

# best_of CMD...: runs it RUNS times; prints "seconds peak_MB" of the fastest run.
measure() {
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err" || {
        echo "failed: $*" >&2; cat "$WORK/err" >&2; exit 1; }
    awk '{printf "%s %.0f\n", $1, $2 / 1024}' "$WORK/time"
}

{
    echo "Whole process, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg) at start, OpenCV $($PY -c 'import cv2; print(cv2.__version__)') with $THREADS threads, best of $RUNS"
    echo
    echo "| net | batch | cortado s | OpenCV s | time ratio | cortado peak MB | OpenCV peak MB | memory ratio | max abs diff / max abs |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
} | tee "$TABLE"
while read -r name prototxt model size last; do
    if [[ -n "${NETS:-}" && " $NETS " != *" $name "* ]]; then continue; fi
    for b in $BATCHES; do
        input=$ASSETS/${name}_b$b.npy
        best_c="" best_o=""
        for ((r = 0; r < RUNS; r++)); do
            c=$(CORTADO_JAVA_OPTS="${JAVA_OPTS_EXTRA:-}" measure ./cortado forward --model "$prototxt" \
                --weights "$model" --input "$input" --outputs "$last" --out-dir "$WORK/c")
            o=$(measure "$PY" bench/opencv_forward.py "$prototxt" "$model" "$input" "$last" "$WORK/o.npy" "$THREADS")
            [[ -z "$best_c" || $(echo "$c $best_c" | awk '{print ($1 < $3)}') == 1 ]] && best_c=$c
            [[ -z "$best_o" || $(echo "$o $best_o" | awk '{print ($1 < $3)}') == 1 ]] && best_o=$o
        done
        # The same work: both outputs of the last run, compared.
        diff=$("$PY" -c 'import glob, sys, numpy as np
c = np.load(glob.glob(sys.argv[1] + "/*.npy")[0]).astype(np.float64); o = np.load(sys.argv[2]).astype(np.float64)
print("%.1e" % (np.abs(c - o.reshape(c.shape)).max() / max(np.abs(o).max(), 1e-30)))' "$WORK/c" "$WORK/o.npy")
        rm -rf "$WORK/c"
        echo "$name $b $best_c $best_o $diff" | awk '{printf "| %s | %s | %.2f | %.2f | %.2f | %d | %d | %.2f | %s |\n",
            $1, $2, $3, $5, $3 / $5, $4, $6, $4 / $6, $7}' | tee -a "$TABLE"
    done
done < "$WORK/nets.txt"
echo "table: $TABLE" >&2
