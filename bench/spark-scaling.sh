#!/usr/bin/env bash
# Throughput of CNN codes on Spark against the single process: `./cortado-spark codes` on local[1], local[2] and
# local-cluster[2,1,2048] (two executor JVMs), beside `./cortado codes`, each timed from outside (whole process) and,
# for Spark, its own split into start-up (JVM + session) and the codes job. SqueezeNet v1.0 fire9/concat over the
# ants/bees images (train and val: 398 files). Spark's overhead per image = (job time - single-process time) / images.
#
#   bench/spark-scaling.sh            every master, RUNS times each (default 1)
#   MASTERS="local[2]" RUNS=3 bench/spark-scaling.sh
#
# Needs the build (mvn -B -q -DskipTests package) and ../shared. Output: a Markdown table on stdout and in
# bench/target/results/spark-scaling-<time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=${CORTADO_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
RUNS=${RUNS:-1}
MASTERS=${MASTERS:-"local[1] local[2] local-cluster[2,1,2048]"}
MODEL=$SHARED/models/squeezenet_v1.0/deploy.prototxt
WEIGHTS=$SHARED/models/squeezenet_v1.0/squeezenet_v1.0.caffemodel
OUT=$ROOT/bench/target/results
mkdir -p "$OUT"
TABLE=$OUT/spark-scaling-$(date +%Y%m%d-%H%M%S).md
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# One folder of class folders holding both sets' images (links), so that each run reads the same 398 files.
for set in train val; do
  for cls in "$SHARED/data/hymenoptera/$set"/*/; do
    mkdir -p "$WORK/data/$(basename "$cls")"
    for f in "$cls"*; do ln -s "$f" "$WORK/data/$(basename "$cls")/$set-$(basename "$f")"; done
  done
done
N=$(find "$WORK/data" -type l | wc -l)
now() { date +%s.%N; }

{
  echo "| run | images | process wall s | start-up s | codes s | img/s (codes) | overhead ms/img vs single process |"
  echo "|---|---|---|---|---|---|---|"
} | tee "$TABLE"
single_codes=""
for run in $(seq "$RUNS"); do
  t0=$(now)
  ./cortado codes --model "$MODEL" --weights "$WEIGHTS" --layer fire9/concat --data "$WORK/data" \
    --out "$WORK/single.npy" --quiet > "$WORK/single.log" 2>&1
  t1=$(now)
  wall=$(echo "$t1 - $t0" | bc -l)
  single_codes=$wall
  printf '| ./cortado codes (one JVM, %s cores) | %d | %.1f | - | - | %.1f | - |\n' "$(nproc)" "$N" "$wall" \
    "$(echo "$N / $wall" | bc -l)" | tee -a "$TABLE"
  for master in $MASTERS; do
    t0=$(now)
    ./cortado-spark codes --master "$master" --model "$MODEL" --weights "$WEIGHTS" --layer fire9/concat \
      --data "$WORK/data" --out "$WORK/codes.parquet" --quiet > "$WORK/spark.log" 2>"$WORK/spark.err" \
      || { cat "$WORK/spark.err" >&2; exit 1; }
    t1=$(now)
    wall=$(echo "$t1 - $t0" | bc -l)
    line=$(grep '^on ' "$WORK/spark.log")   # on MASTER: start S s, codes C s (R img/s)
    start=$(sed -E 's/.*start ([0-9.]+) s.*/\1/' <<< "$line")
    codes=$(sed -E 's/.*codes ([0-9.]+) s.*/\1/' <<< "$line")
    printf '| ./cortado-spark codes --master %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f |\n' "$master" "$N" "$wall" \
      "$start" "$codes" "$(echo "$N / $codes" | bc -l)" "$(echo "($codes - $single_codes) * 1000 / $N" | bc -l)" \
      | tee -a "$TABLE"
  done
done
echo "machine: $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD)" \
  | tee -a "$TABLE"
