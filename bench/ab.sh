#!/usr/bin/env bash
# JMH A/B of two commits on the same machine in one run: the whole forward passes (ForwardBench: AlexNet to fc7 and
# SqueezeNet v1.0 to fire9/concat, batch 1 and 16) and the extraction row (ExtractBench: the 398 ants/bees files to
# SqueezeNet codes). Each commit's bench jar is built in its own git worktree under /tmp (offline Maven), then the
# two are run interleaved, A B B A A B ..., so that a drift of the machine's load hits both; the table gives each
# side's mean over the rounds, each round's figure and B/A.
#
#   bench/ab.sh [A [B]]        defaults: A = 716c827 (before the issue-18 redesign), B = HEAD
#
# Environment: ROUNDS (pairs of runs, default 2), WI/W (warm-up iterations/seconds of ForwardBench, default 3/2), I/R
# (measurement iterations/seconds, default 3/2), EWI/EI (ExtractBench's single-shot warm-up and measured passes,
# default 1/2), CORTADO_SHARED (default ../shared beside the repository). Output: bench/target/ab/<time>/ (the JMH
# JSON of every run, the log, table.md).
#
# KEEP_WORKTREES=1 keeps the two worktrees (and their builds) for another run. BENCH replaces the forward rows' JMH
# arguments (default ForwardBench), e.g. BENCH="ZooBench -p net=resnet50,vgg16" (the Zoo nets' assets are written
# once), and EI=0 drops the extraction row.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CORTADO_SHARED=${CORTADO_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
A=$(git rev-parse --short "${1:-716c827}")
B=$(git rev-parse --short "${2:-HEAD}")
ROUNDS=${ROUNDS:-2}
OUT=$ROOT/bench/target/ab/$(date +%Y%m%d-%H%M%S)
ASSETS=/tmp/cortado-ab/assets
mkdir -p "$OUT" "$ASSETS"
# The worktrees are removed at the end (KEEP_WORKTREES=1 keeps them and their builds for another run).
[ "${KEEP_WORKTREES:-0}" = 1 ] || trap 'for c in "$A" "$B"; do git worktree remove --force "/tmp/cortado-ab/$c" 2>/dev/null || true; done' EXIT

# The bench classes and classpath of one commit, built once per commit in /tmp/cortado-ab/<commit>.
build() {  # build COMMIT -> prints the classpath
    local dir=/tmp/cortado-ab/$1
    if [ ! -f "$dir/bench/target/classpath.txt" ]; then
        [ -d "$dir" ] || git worktree add -q --detach "$dir" "$1" >&2
        (cd "$dir" && mvn -B -q -o -pl bench -am package dependency:build-classpath -DskipTests \
            -Dmdep.outputFile=target/classpath.txt >&2)
    fi
    echo "$dir/bench/target/classes:$(cat "$dir/bench/target/classpath.txt")"
}
echo "building $A and $B" >&2
CP_A=$(build "$A")
CP_B=$(build "$B")
java() { command java --add-modules jdk.incubator.vector -Dcortado.bench.assets="$ASSETS" "$@"; }
# The same generated inputs and random AlexNet weights for both sides (B's generator).
[ -f "$ASSETS/alexnet_random.caffemodel" ] || java -cp "$CP_B" org.cortado.bench.Nets 2>/dev/null
[[ "${BENCH:-}" != *ZooBench* ]] || java -cp "$CP_B" org.cortado.bench.ZooAssets >/dev/null 2>&1

{
    echo "date: $(date -Is)"
    echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(command java -version 2>&1 | head -1)"
    echo "command: ROUNDS=$ROUNDS WI=${WI:-3} W=${W:-2} I=${I:-3} R=${R:-2} EWI=${EWI:-1} EI=${EI:-2}${BENCH:+ BENCH=\"$BENCH\"} bench/ab.sh $A $B"
    echo "A = $A ($(git log -1 --format=%s "$A" | cut -c1-80)), B = $B ($(git log -1 --format=%s "$B" | cut -c1-80))"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/header.txt"
cat "$OUT/header.txt" >&2

run() {  # run SIDE ROUND CLASSPATH
    local tag=$1-$2
    echo "== $tag, load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT/log.txt" >&2
    java -cp "$3" org.openjdk.jmh.Main -f 1 -wi "${WI:-3}" -w "${W:-2}s" -i "${I:-3}" -r "${R:-2}s" \
        -rf json -rff "$OUT/forward-$tag.json" ${BENCH:-ForwardBench} >> "$OUT/log.txt" 2>&1
    [ "${EI:-2}" = 0 ] || java -cp "$3" org.openjdk.jmh.Main -f 1 -wi "${EWI:-1}" -i "${EI:-2}" \
        -rf json -rff "$OUT/extract-$tag.json" ExtractBench >> "$OUT/log.txt" 2>&1
}
# Odd rounds run A then B, even rounds B then A (A B B A A B ...): a load that rises or falls through the run then
# weighs on both sides alike, where A B A B would charge each round's drift to B.
for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then
        run A "$r" "$CP_A"; run B "$r" "$CP_B"
    else
        run B "$r" "$CP_B"; run A "$r" "$CP_A"
    fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/header.txt"

# One row per benchmark and parameters: each side's mean over its rounds (ms per call), each round, B/A.
{
    cat "$OUT/header.txt"
    echo
    echo "| row | A ms (rounds) | B ms (rounds) | B/A |"
    echo "| --- | ---: | ---: | ---: |"
    for f in "$OUT"/*-[AB]-*.json; do
        side=$(basename "$f" | sed -E 's/^[a-z]+-([AB])-.*/\1/')
        jq -r --arg side "$side" '.[] | [ (.benchmark | split(".") | .[-2])
            + ([.params // {} | to_entries[] | select(.key != "fusion") | " " + .value] | join("")),
            $side, .primaryMetric.score ] | @tsv' "$f"
    done | awk -F'\t' '
        { n[$1 SUBSEP $2]++; s[$1 SUBSEP $2] += $3; v[$1 SUBSEP $2] = v[$1 SUBSEP $2] (v[$1 SUBSEP $2] == "" ? "" : ", ") sprintf("%.1f", $3); rows[$1] = 1 }
        END {
            for (r in rows) {
                a = s[r SUBSEP "A"] / n[r SUBSEP "A"]; b = s[r SUBSEP "B"] / n[r SUBSEP "B"]
                printf "| %s | %.1f (%s) | %.1f (%s) | %.3f |\n", r, a, v[r SUBSEP "A"], b, v[r SUBSEP "B"], b / a
            }
        }' | sort
} | tee "$OUT/table.md"
echo "results in $OUT" >&2
