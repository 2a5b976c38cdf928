#!/usr/bin/env bash
# Whole-process time and peak memory of `cortado forward` on a batch of 16 images for Model Zoo nets with random
# weights, beside one OpenCV dnn process doing the same (2 threads), each measured by /usr/bin/time -v.
#
#   bench/memory.sh [NET...]     nets: resnet50 googlenet nin squeezenet_v1.0 squeezenet_v1.1 vgg16 alexnet (default:
#                                all); BATCH (default 16), RUNS (default 3: the least time and the median peak are
#                                kept, every peak listed), JAR (default
#                                src/target/cortado.jar: another build's jar for an A/B run)
#
# Deploy nets: ../shared/models (AlexNet, GoogLeNet, SqueezeNet v1.0) and bench/models (the others, README there).
# Assets (bench/target/assets): a random-weight caffemodel per net (org.cortado.bench.ZooWeights) and the input .npy.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=${CORTADO_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
ASSETS=$ROOT/bench/target/assets
BATCH=${BATCH:-16}
RUNS=${RUNS:-3}
JAR=${JAR:-$ROOT/src/target/cortado.jar}
PY=/usr/bin/python3
NETS=("$@")
[ ${#NETS[@]} -gt 0 ] || NETS=(resnet50 googlenet nin squeezenet_v1.0 squeezenet_v1.1 vgg16 alexnet)

deploy_of() {
    case "$1" in
        alexnet) echo "$SHARED/models/caffe/bvlc_alexnet/deploy.prototxt" ;;
        googlenet) echo "$SHARED/models/caffe/bvlc_googlenet/deploy.prototxt" ;;
        squeezenet_v1.0) echo "$SHARED/models/squeezenet_v1.0/deploy.prototxt" ;;
        *) echo "$ROOT/bench/models/$1/deploy.prototxt" ;;
    esac
}

[ -f bench/target/classpath.txt ] || mvn -B -q -o -pl bench -am package dependency:build-classpath -DskipTests \
    -Dmdep.outputFile=target/classpath.txt
CP=$ROOT/bench/target/classes:$(cat bench/target/classpath.txt)
mkdir -p "$ASSETS" "$ROOT/bench/target/memory"
OUT=$ROOT/bench/target/memory

# peak_of LOG: "seconds peak_MB" from /usr/bin/time -v's report
peak_of() {
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i] }
                /Maximum resident set size/ { kb = $2 }
                END { printf "%.2f %.0f\n", s, kb / 1024 }' "$1"
}

# summary LINES...: "least_seconds median_peak_MB" over the runs (time and peak both vary with the machine's load)
summary() {
    local runs; runs=$(cat)
    echo "$(awk '{ print $1 }' <<<"$runs" | sort -n | head -1)" \
        "$(awk '{ print $2 }' <<<"$runs" | sort -n | awk '{ p[NR] = $1 } END { print p[int((NR + 1) / 2)] }')"
}

echo "date: $(date -Is)"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(java -version 2>&1 | head -1); OpenCV $("$PY" -c 'import cv2; print(cv2.__version__)')"
echo "jar: $JAR"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| net (batch $BATCH) | cortado time (s), best | cortado peak RSS (MB), median | OpenCV time (s), best | OpenCV peak RSS (MB), median | peaks of every run, cortado / OpenCV |"
echo "| --- | ---: | ---: | ---: | ---: | --- |"
for net in "${NETS[@]}"; do
    deploy=$(deploy_of "$net")
    weights=$ASSETS/${net}_random.caffemodel
    java -cp "$CP" org.cortado.bench.ZooWeights "$deploy" "$weights"
    side=$(java -jar "$JAR" inspect --model "$deploy" | awk '/^ *data|Input/ { print; exit }' | grep -o '[0-9]*)' | head -1 | tr -d ')')
    input=$ASSETS/zoo_input_b${BATCH}_${side}.npy
    [ -f "$input" ] || "$PY" -c "import numpy as np, sys
np.save(sys.argv[1], np.random.default_rng(20240611).uniform(-128, 128, ($BATCH, 3, $side, $side)).astype(np.float32))" "$input"
    last=$(java -jar "$JAR" inspect --model "$deploy" | awk 'NF && $1 != "total" { name = $1 } END { print name }')
    ours=(); theirs=()
    for run in $(seq "$RUNS"); do
        /usr/bin/time -v java --add-modules jdk.incubator.vector -jar "$JAR" forward --model "$deploy" \
            --weights "$weights" --input "$input" --outputs "$last" --out-dir "$OUT/$net" \
            >/dev/null 2>"$OUT/$net-cortado-$run.log"
        ours+=("$(peak_of "$OUT/$net-cortado-$run.log")")
        /usr/bin/time -v "$PY" -c "import cv2, numpy as np, sys
cv2.setNumThreads(2)
net = cv2.dnn.readNetFromCaffe(sys.argv[1], sys.argv[2])
net.setInput(np.load(sys.argv[3]))
net.forward()" "$deploy" "$weights" "$input" >/dev/null 2>"$OUT/$net-opencv-$run.log"
        theirs+=("$(peak_of "$OUT/$net-opencv-$run.log")")
    done
    o=$(printf '%s\n' "${ours[@]}" | summary); t=$(printf '%s\n' "${theirs[@]}" | summary)
    echo "| $net | ${o% *} | ${o#* } | ${t% *} | ${t#* } | $(printf '%s ' "${ours[@]#* }")/ $(printf '%s ' "${theirs[@]#* }")|"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
