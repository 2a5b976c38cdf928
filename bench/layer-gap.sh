#!/usr/bin/env bash
# Where a Zoo net's forward pass trails OpenCV, layer by layer: LayerProfile (one thread, CPU time) beside OpenCV's
# getPerfProfile (one thread), joined by layer name, largest gap first. A guide for optimisation, not a benchmark:
# LayerProfile runs layer by layer (concats copied, BatchNorm/Scale unfolded), and OpenCV fuses some layers into others.
#
#   bench/layer-gap.sh NET [BATCH [REPEATS [ROWS]]]      e.g. bench/layer-gap.sh vgg16 1 4
#
# NET is a ZooAssets name (alexnet googlenet nin resnet50 squeezenet_v1.0 squeezenet_v1.1 vgg16). Environment:
# CORTADO_SHARED (default ../shared beside the repository). Needs a built checkout (mvn -B -q -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CORTADO_SHARED=${CORTADO_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
NET=${1:?usage: bench/layer-gap.sh NET [BATCH [REPEATS [ROWS]]]}
BATCH=${2:-1}
REPEATS=${3:-5}
ROWS=${4:-20}
PY=/usr/bin/python3   # Debian's python, the one python3-opencv installs into
if ! "$PY" -c 'import cv2' 2>/dev/null; then
    echo "installing Debian's python3-opencv" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-opencv >/dev/null
fi
mvn -B -q -o -DskipTests package dependency:build-classpath -pl bench -am -Dmdep.outputFile=target/classpath.txt \
    >/dev/null
CP=$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Writes the random-weight caffemodels and inputs once; prints "name prototxt caffemodel ..." per net.
java --add-modules jdk.incubator.vector -Dcortado.shared="$CORTADO_SHARED" -cp "$CP" org.cortado.bench.ZooAssets \
    2>/dev/null > "$WORK/nets.txt"
ASSETS=$ROOT/bench/target/assets/zoo
PROTOTXT=$(awk -v n="$NET" '$1 == n { print $2 }' "$WORK/nets.txt")
[[ -n "$PROTOTXT" ]] || { echo "layer-gap: unknown net '$NET'" >&2; exit 2; }
echo "$NET batch $BATCH, one thread each, load $(cut -d' ' -f1 /proc/loadavg), $(date -u +%FT%TZ)"
"$PY" bench/opencv_layers.py "$PROTOTXT" "$ASSETS/$NET.caffemodel" "$ASSETS/${NET}_b$BATCH.npy" 1 "$REPEATS" \
    > "$WORK/opencv.txt"
java --add-modules jdk.incubator.vector -Dcortado.shared="$CORTADO_SHARED" -cp "$CP" org.cortado.bench.LayerProfile \
    "$NET" "$BATCH" "$REPEATS" 1 2>/dev/null > "$WORK/ours.txt"
"$PY" bench/layer_gap.py "$WORK/ours.txt" "$WORK/opencv.txt" "$ROWS"
