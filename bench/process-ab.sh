#!/usr/bin/env bash
# A/B of whole `forward` processes, as bench/process.sh runs them, between checkouts, JVM options or JDKs, with the
# configurations alternating within each round (on a shared machine the load drifts; alternating spreads it evenly).
# Each run: wall seconds, peak resident KB, user and system CPU seconds (/usr/bin/time), the load average, and
# `forward --verbose`'s split (JVM start to the command, loading, the pass). After each net and batch the last round's
# outputs are compared bit for bit with the first configuration's. Then a Markdown table: best and median wall time,
# median CPU seconds, median peak memory per configuration.
#
#   CONFIGS='before=/path/to/old/checkout|;after=.|;jdk25=.||PATH=/usr/lib/jvm/temurin-25-jdk-amd64/bin:/usr/bin:/bin'
#   CONFIGS="$CONFIGS;opencv=opencv|" NETS="squeezenet_v1.1 alexnet" BATCHES="16 1" RUNS=3 bench/process-ab.sh
#
# A configuration is LABEL=CHECKOUT|CORTADO_JAVA_OPTS|ENV (ENV: assignments for `env`, e.g. a PATH with another
# java), or LABEL=opencv| for bench/opencv_forward.py (2 threads). Each checkout must be built (its ./cortado). Nets
# and inputs: bench/process.sh's (ZooAssets, in this checkout's bench/target/assets/zoo). Output: the lines and the
# table on stdout and in bench/target/results/process-ab-<time>.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CORTADO_SHARED=${CORTADO_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
RUNS=${RUNS:-3}
BATCHES=${BATCHES:-"16 1"}
mkdir -p bench/target/results
OUT=bench/target/results/process-ab-$(date +%Y%m%d-%H%M%S).txt
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mvn -B -q -o -DskipTests package dependency:build-classpath -pl bench -am -Dmdep.outputFile=target/classpath.txt \
    >/dev/null || exit 1
java --add-modules jdk.incubator.vector -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
    org.cortado.bench.ZooAssets 2>/dev/null > "$WORK/nets.txt" || exit 1
IFS=';' read -ra CFG <<< "$CONFIGS"
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$RUNS, CONFIGS=$CONFIGS" | tee "$OUT"
while read -r name proto model size last; do
    [[ -n "${NETS:-}" && " $NETS " != *" $name "* ]] && continue
    for b in $BATCHES; do
        input=$ROOT/bench/target/assets/zoo/${name}_b$b.npy
        for ((r = 0; r < RUNS; r++)); do
            for c in "${CFG[@]}"; do
                label=${c%%=*} rest=${c#*=}
                dir=${rest%%|*} rest=${rest#*|}
                opts=${rest%%|*} cenv=""
                [[ $rest == *"|"* ]] && cenv=${rest#*|}
                rm -rf "$WORK/out-$label"
                if [[ $dir == opencv ]]; then
                    /usr/bin/time -f "%e %M %U %S" -o "$WORK/time" /usr/bin/python3 bench/opencv_forward.py "$proto" \
                        "$model" "$input" "$last" "$WORK/opencv.npy" 2 >/dev/null 2>"$WORK/err"
                else
                    # shellcheck disable=SC2086
                    (cd "$dir" && /usr/bin/time -f "%e %M %U %S" -o "$WORK/time" env CORTADO_JAVA_OPTS="$opts" $cenv \
                        ./cortado forward --verbose --model "$proto" --weights "$model" --input "$input" \
                        --outputs "$last" --out-dir "$WORK/out-$label" >/dev/null 2>"$WORK/err")
                fi || { echo "failed: $name $b $label" >&2; cat "$WORK/err" >&2; exit 1; }
                split=$(sed -n 's/^time: \(.*\) from the JVM.s start to the command, \(.*\) reading the input and loading the net, \(.*\) in the forward pass/\1 start, \2 load, \3 pass/p' "$WORK/err")
                echo "$name $b $label $(tr '\n' ' ' < "$WORK/time")load $(cut -d' ' -f1 /proc/loadavg) | $split" | tee -a "$OUT"
            done
        done
        first=${CFG[0]%%=*}
        for c in "${CFG[@]:1}"; do
            label=${c%%=*}
            [[ ${c#*=} == opencv* ]] && continue
            if cmp -s "$WORK/out-$first/$last.npy" "$WORK/out-$label/$last.npy"; then
                echo "$name $b $label: output bit for bit as $first's" | tee -a "$OUT"
            else
                echo "$name $b $label: output DIFFERS from $first's" | tee -a "$OUT"
            fi
        done
    done
done < "$WORK/nets.txt"
python3 - "$OUT" <<'PY' | tee -a "$OUT"
import collections, re, statistics, sys
runs, keys, labels = collections.defaultdict(list), [], []
for line in open(sys.argv[1]):
    m = re.match(r'(\S+) (\d+) (\S+) ([\d.]+) (\d+) ([\d.]+) ([\d.]+) load', line)
    if not m:
        continue
    key, label = (m.group(1), m.group(2)), m.group(3)
    keys += [key] if key not in keys else []
    labels += [label] if label not in labels else []
    runs[key + (label,)].append((float(m.group(4)), float(m.group(6)) + float(m.group(7)), int(m.group(5)) / 1024))
def cells(key, f):
    return [f(runs[key + (l,)]) if runs[key + (l,)] else '' for l in labels]
print('\n| net | batch | ' + ' | '.join(f'{l}: wall s, best (median)' for l in labels) + ' | '
      + ' | '.join(f'{l}: CPU s, median' for l in labels) + ' | ' + ' | '.join(f'{l}: peak MB' for l in labels) + ' |')
print('|' + ' --- |' * (2 + 3 * len(labels)))
for key in keys:
    wall = cells(key, lambda r: f'{min(x[0] for x in r):.2f} ({statistics.median(x[0] for x in r):.2f})')
    cpu = cells(key, lambda r: f'{statistics.median(x[1] for x in r):.2f}')
    mem = cells(key, lambda r: f'{statistics.median(x[2] for x in r):.0f}')
    print(f'| {key[0]} | {key[1]} | ' + ' | '.join(wall + cpu + mem) + ' |')
PY
echo "results: $OUT" >&2
