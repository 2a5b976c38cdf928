#!/usr/bin/env bash
# The benchmark run: JMH on this engine and OpenCV's dnn module on the same nets, weights, inputs and thread count,
# in one run, then one Markdown table with the ratio per row (bench/RESULTS.md records the runs).
#
#   bench/compare.sh                  the goal rows: peak probe, whole forward passes, model load, ants/bees codes
#   bench/compare.sh all              every JMH benchmark (GEMM and convolution families too; about 25 minutes)
#   bench/compare.sh REGEX...         the JMH benchmarks matching REGEX (JMH syntax, e.g. 'GemmBench' 'ConvBench.forward')
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

case "${1:-goals}" in
    goals) BENCHES=(PeakBench ForwardBench LoadBench ExtractBench); OPENCV_ROWS=forward,load,extract ;;
    all)   BENCHES=(PeakBench GemmBench ConvBench ForwardBench LoadBench ExtractBench); OPENCV_ROWS=forward,load,extract ;;
    *)     BENCHES=("$@"); OPENCV_ROWS=forward,load,extract ;;
esac

{
    echo "date: $(date -Is)"
    echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(java -version 2>&1 | head -1); OpenCV $("$PY" -c 'import cv2; print(cv2.__version__)'), $THREADS threads"
    echo "command: bench/compare.sh $*"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/header.txt"

"${JAVA[@]}" org.openjdk.jmh.Main -rf json -rff "$OUT/jmh.json" "${BENCHES[@]}" 2>&1 | tee "$OUT/jmh.log" \
    | grep -E '^(Benchmark|[A-Z][A-Za-z]+Bench\.)' || true
"$PY" bench/opencv_bench.py --shared "$CORTADO_SHARED" --assets "$ROOT/bench/target/assets" --out "$OUT/opencv.json" \
    --threads "$THREADS" --seconds "${OPENCV_SECONDS:-5}" --only "$OPENCV_ROWS" 2>&1 | tee "$OUT/opencv.log"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/header.txt"

{
    cat "$OUT/header.txt"
    echo
    "${JAVA[@]}" org.cortado.bench.Report "$OUT/jmh.json" "$OUT/opencv.json" 2>/dev/null
} | tee "$OUT/table.md"
echo "results in $OUT"
