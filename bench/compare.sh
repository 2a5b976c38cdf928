#!/usr/bin/env bash
# The benchmark run: JMH on this engine and OpenCV's dnn module on the same nets, weights, inputs and thread count,
# in one run, then one Markdown table with the ratio per row (bench/RESULTS.md records the runs).
#
#   bench/compare.sh                  the goal rows: peak probe, whole forward passes, model load, ants/bees codes,
#                                     each OpenCV row measured right before and right after ours (about 12 minutes)
#   bench/compare.sh all              the same plus the GEMM and convolution families (about 25 minutes more)
#   bench/compare.sh GROUP...         only these peer groups (forward, load, extract, decode), each with its OpenCV
#                                     rows before and after, and the peak probe
#   bench/compare.sh REGEX...         only the JMH benchmarks matching REGEX (JMH syntax, e.g. 'GemmBench'
#                                     'ConvBench.forward'), no peer
#
# Environment: CORTADO_SHARED (default ../shared beside the repository), THREADS (default 2: OpenCV's thread count;
# the engine uses every core), OPENCV_SECONDS (per OpenCV row, default 5). Output: bench/target/results/<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CORTADO_SHARED=${CORTADO_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
THREADS=${THREADS:-2}
OUT=$ROOT/bench/target/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
PY=/usr/bin/python3   # Debian's python, the one python3-opencv installs into

if ! "$PY" -c 'import cv2' 2>/dev/null; then
    echo "installing Debian's python3-opencv" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-opencv >/dev/null
fi

mvn -B -q -o -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/classpath.txt \
    || mvn -B -q -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/classpath.txt
CP=$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")
JAVA=(java --add-modules jdk.incubator.vector -cp "$CP")

"${JAVA[@]}" org.cortado.bench.Nets 2>/dev/null   # random-weight AlexNet caffemodel and input batches, once

# Peer groups: OpenCV script group name : JMH benchmark.
ALL_GROUPS=(forward:ForwardBench load:LoadBench extract:ExtractBench decode:DecodeBench)
PEERS=()
case "${1:-goals}" in
    goals) SOLO=(PeakBench); PEERS=("${ALL_GROUPS[@]}") ;;
    all)   SOLO=(PeakBench GemmBench ConvBench); PEERS=("${ALL_GROUPS[@]}") ;;
    forward|load|extract|decode)
           SOLO=(PeakBench)
           for g in "$@"; do
               for known in "${ALL_GROUPS[@]}"; do
                   [ "${known%%:*}" = "$g" ] && PEERS+=("$known")
               done
           done ;;
    *)     SOLO=("$@") ;;
esac

{
    echo "date: $(date -Is)"
    echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(java -version 2>&1 | head -1); OpenCV $("$PY" -c 'import cv2; print(cv2.__version__)'), $THREADS threads"
    echo "command: bench/compare.sh $*"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/header.txt"

opencv() {  # opencv GROUP TAG
    "$PY" bench/opencv_bench.py --shared "$CORTADO_SHARED" --assets "$ROOT/bench/target/assets" \
        --out "$OUT/opencv-$1-$2.json" --threads "$THREADS" --seconds "${OPENCV_SECONDS:-5}" --only "$1" 2>&1 \
        | tee -a "$OUT/opencv.log"
}
jmh() {  # jmh NAME BENCHMARK...
    local name=$1; shift
    "${JAVA[@]}" org.openjdk.jmh.Main -rf json -rff "$OUT/jmh-$name.json" "$@" 2>&1 | tee -a "$OUT/jmh.log" \
        | grep -E '^(Benchmark|[A-Z][A-Za-z]+Bench\.)' || true
}

[ ${#SOLO[@]} -gt 0 ] && jmh solo "${SOLO[@]}"
# Each peer row is measured before and after ours, so that a change of load during the run shows (and the mean of
# the two is compared).
for group in "${PEERS[@]}"; do
    opencv "${group%%:*}" 1-before
    jmh "${group%%:*}" "${group##*:}"
    opencv "${group%%:*}" 2-after
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/header.txt"

{
    cat "$OUT/header.txt"
    echo
    "${JAVA[@]}" org.cortado.bench.Report "$OUT" 2>/dev/null
} | tee "$OUT/table.md"
echo "results in $OUT"
