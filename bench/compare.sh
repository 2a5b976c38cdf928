#!/usr/bin/env bash
# The benchmark run: JMH on this engine and OpenCV's dnn module on the same nets, weights, inputs and thread count,
# in one run, then one Markdown table with the ratio per row (bench/RESULTS.md records the runs).
#
#   bench/compare.sh                  the goal rows: peak probe, whole forward passes, model load, ants/bees codes,
#                                     each OpenCV row measured right before and right after ours (about 12 minutes)
#   bench/compare.sh all              the same plus the zoo group, the fine-tuning step and the GEMM and
#                                     convolution families (about 45 minutes more)
#   bench/compare.sh GROUP...         only these peer groups (forward, load, extract, decode, zoo: OpenCV;
#                                     finetune: PyTorch on the CPU, after a check that its step computes ours), each
#                                     with its peer rows before and after, and the peak probe; zoo is ResNet-50,
#                                     GoogLeNet, NIN, SqueezeNet v1.1 and VGG-16 to their last layer at batch 1 and 16
#                                     (ZooBench; ZOO_NETS="resnet50 vgg16" runs some of them)
#   bench/compare.sh REGEX...         only the JMH benchmarks matching REGEX (JMH syntax, e.g. 'GemmBench'
#                                     'ConvBench.forward'), no peer
#
# Environment: CORTADO_SHARED (default ../shared beside the repository), THREADS (default 2: the peers' thread count;
# the engine uses every core), OPENCV_SECONDS (per OpenCV row, default 5), TORCH_SECONDS (per PyTorch row, default
# 10). Output: bench/target/results/<time>/.
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

# Peer groups: group name (OpenCV script group, or finetune: the PyTorch script) : JMH benchmark.
GOAL_GROUPS=(forward:ForwardBench load:LoadBench extract:ExtractBench decode:DecodeBench)
ALL_GROUPS=("${GOAL_GROUPS[@]}" zoo:ZooBench finetune:FinetuneBench)
PEERS=()
case "${1:-goals}" in
    goals) SOLO=(PeakBench); PEERS=("${GOAL_GROUPS[@]}") ;;
    all)   SOLO=(PeakBench GemmBench ConvBench); PEERS=("${ALL_GROUPS[@]}") ;;
    forward|load|extract|decode|zoo|finetune)
           SOLO=(PeakBench)
           for g in "$@"; do
               for known in "${ALL_GROUPS[@]}"; do
                   [ "${known%%:*}" = "$g" ] && PEERS+=("$known")
               done
           done ;;
    *)     SOLO=("$@") ;;
esac

# The zoo group's random-weight caffemodels and inputs, once; ZooAssets' lines tell OpenCV the nets' files and last
# layers. ZOO_NETS picks some of the nets for both engines.
ZOO_JMH=()
if [[ " ${PEERS[*]} " == *" zoo:"* ]]; then
    "${JAVA[@]}" org.cortado.bench.ZooAssets 2>/dev/null > "$OUT/zoo-nets.txt"
    if [ -n "${ZOO_NETS:-}" ]; then
        ZOO_JMH=(-p "net=$(echo $ZOO_NETS | tr ' ' ',')")
    fi
fi

TORCH=
if [[ " ${PEERS[*]} " == *" finetune:"* ]]; then
    if ! "$PY" -c 'import torch' 2>/dev/null; then
        echo "installing Debian's python3-torch" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
    fi
    TORCH="; PyTorch $("$PY" -c 'import torch; print(torch.__version__)')"
fi

{
    echo "date: $(date -Is)"
    echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(java -version 2>&1 | head -1); OpenCV $("$PY" -c 'import cv2; print(cv2.__version__)')$TORCH; peers on $THREADS threads"
    echo "command: bench/compare.sh $*"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/header.txt"

opencv() {  # opencv GROUP TAG
    "$PY" bench/opencv_bench.py --shared "$CORTADO_SHARED" --assets "$ROOT/bench/target/assets" \
        --out "$OUT/opencv-$1-$2.json" --threads "$THREADS" --seconds "${OPENCV_SECONDS:-5}" --only "$1" \
        --zoo-nets "$OUT/zoo-nets.txt" --zoo-only "${ZOO_NETS:-}" 2>&1 \
        | tee -a "$OUT/opencv.log"
}
torch_cpu() {  # torch_cpu TAG
    "$PY" bench/torch_cpu_bench.py --shared "$CORTADO_SHARED" --assets "$ROOT/bench/target/assets" \
        --out "$OUT/torch-finetune-$1.json" --threads "$THREADS" --seconds "${TORCH_SECONDS:-10}" 2>&1 \
        | tee -a "$OUT/torch.log"
}
peer() {  # peer GROUP TAG
    if [ "$1" = finetune ]; then torch_cpu "$2"; else opencv "$1" "$2"; fi
}
# The PyTorch step must compute what ours does: one deterministic SqueezeNet pass (no dropout), loss and every
# gradient compared; a difference stops the run.
finetune_check() {
    "${JAVA[@]}" org.cortado.bench.FinetuneCheck "$OUT/finetune-check" 2>&1 | tee -a "$OUT/torch.log"
    "$PY" bench/torch_cpu_bench.py --shared "$CORTADO_SHARED" --threads "$THREADS" --check "$OUT/finetune-check" 2>&1 \
        | tee -a "$OUT/torch.log" "$OUT/finetune-check.txt"
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
    if [ "${group%%:*}" = finetune ]; then finetune_check; fi
    peer "${group%%:*}" 1-before
    if [ "${group%%:*}" = zoo ]; then
        jmh zoo ZooBench "${ZOO_JMH[@]}"
    else
        jmh "${group%%:*}" "${group##*:}"
    fi
    peer "${group%%:*}" 2-after
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/header.txt"

{
    cat "$OUT/header.txt"
    [ -f "$OUT/finetune-check.txt" ] && cat "$OUT/finetune-check.txt"
    echo
    "${JAVA[@]}" org.cortado.bench.Report "$OUT" 2>/dev/null
} | tee "$OUT/table.md"
echo "results in $OUT"
