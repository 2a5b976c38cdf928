#!/usr/bin/env bash
# The whole GPU check in one device call, from the repository root, with .device carried (kernels/device/prepare.sh):
#   bash kernels/device/run-on-device.sh            (the device tool's command, timeout_s 600)
# Steps, each logged under $OUT (at most 8 files come back):
#   1. DeviceReport: which libraries serve the GPU backend, which GPU opens. Without a usable GPU the run stops
#      here with that account and exit status 3.
#   2. The GPU tests (tag gpu: every op and whole nets against the CPU oracle) and the module's other tests
#      (bridges and loading chain), with the JUnit console launcher.
#   3. The benchmarks (JMH, NetForwardBench) and, in the same call, the PyTorch peer (bench/python/peer.py).
#   4. The table (kernels/device/table.py): printed last and written to $OUT/table.md.
# Each step has its own time limit (TESTS_TIMEOUT 180 s, BENCH_TIMEOUT 100 s per JMH run, PEER_TIMEOUT 150 s), so a
# hang in one leaves the others' results; what finished is in $OUT either way. QUICK=1 shortens the benchmarks.
# DRYRUN=1 (for the build machine, which has no GPU) goes on after step 1 fails: the tests run (GPU tests skip), one
# small benchmark runs on the CPU backend, the peer is skipped without PyTorch; it checks the staging, the runtime's
# modules and the launchers, not the GPU.
set -uo pipefail
cd "$(dirname "$0")/../.."
dev=.device
OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
java="$dev/jre/bin/java"
log="$OUT/run.log"
: >"$log"
say() { echo "== $*" | tee -a "$log"; }

if [ ! -x "$java" ] && [ -f "$dev/jre.tar.xz" ]; then
    tar -xJf "$dev/jre.tar.xz" -C "$dev"
fi
if [ ! -x "$java" ] || [ ! -f "$dev/tests.cp" ]; then
    echo "cortado device run: $dev/jre.tar.xz or $dev/tests.cp is missing. Run kernels/device/prepare.sh on the build" \
         "machine and name .device in the device call's carry." | tee -a "$log" >&2
    exit 2
fi

say "1. device report"
"$java" -cp "$(cat "$dev/tests.cp")" org.cortado.gpu.DeviceReport >"$OUT/device-report.txt" 2>&1
rc=$?
cat "$OUT/device-report.txt" | tee -a "$log"
if [ $rc -ne 0 ] && [ "${DRYRUN:-0}" != 1 ]; then
    echo "cortado device run: no usable GPU on this machine (DeviceReport exit status $rc, its account above);" \
         "nothing else was run." | tee -a "$log" >&2
    exit $rc
fi
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1; uname -a; } | tee -a "$log"

say "2. tests (GPU ops and nets against the CPU oracle; bridges and loading chain)"
# From kernels/, as under Maven: the tests read the module's sources (src/main/cuda, src/main/bridge).
root=$PWD
(cd kernels && timeout "${TESTS_TIMEOUT:-180}" "$root/$java" -Xmx16g -Dcortado.shared="$root/$dev/shared" \
    -cp "$(sed "s|$dev/|$root/$dev/|g" "$root/$dev/tests.cp")" org.junit.platform.console.ConsoleLauncher execute --select-package org.cortado.gpu \
    --include-tag gpu --include-tag 'none()' --details tree --disable-banner \
    --reports-dir "$OUT/junit") >"$OUT/tests.log" 2>&1
tests_rc=$?
tail -25 "$OUT/tests.log" | tee -a "$log"
tar -czf "$OUT/junit-xml.tar.gz" -C "$OUT" junit 2>/dev/null && rm -rf "$OUT/junit"

say "3. benchmarks: cortado (JMH) and PyTorch, same GPU, same call"
if [ "${QUICK:-0}" = 1 ]; then
    jmh_opts=(-f 1 -wi 1 -w 1s -i 2 -r 1s)
    peer_opts=(--quick)
else
    jmh_opts=(-f 1 -wi 2 -w 1s -i 5 -r 1s)
    peer_opts=()
fi
bench() { # bench PARAMS...: one JMH run of NetForwardBench, results appended to jmh-*.json
    local name=$1; shift
    timeout "${BENCH_TIMEOUT:-100}" "$java" -Xmx16g -Dcortado.shared="$dev/shared" -cp "$(cat "$dev/bench.cp")" \
        org.openjdk.jmh.Main \
        NetForwardBench "${jmh_opts[@]}" -jvmArgsAppend "-Xmx16g -Dcortado.shared=$dev/shared" \
        -rf json -rff "$OUT/jmh-$name.json" "$@" >>"$OUT/bench.log" 2>&1 \
        || echo "benchmark $name failed: see bench.log" | tee -a "$log"
}
: >"$OUT/bench.log"
if [ "${DRYRUN:-0}" = 1 ]; then
    jmh_opts=(-f 1 -wi 0 -i 1 -r 1s)
    bench dryrun -p model=squeezenet -p batch=1 -p device=cpu
else
bench alexnet -p model=alexnet -p batch=1,64,256 -p math=FP32
bench graph -p model=alexnet -p batch=1 -p math=FP32,TF32 -p graph=true
bench modes -p model=alexnet -p batch=256 -p math=TF32,BF16
bench squeezenet -p model=squeezenet -p batch=256 -p math=FP32
bench im2col -p model=alexnet,squeezenet -p batch=256 -p conv=IM2COL_GEMM
fi
python3 - "$OUT" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
rows = []
for f in sorted(glob.glob(os.path.join(out, "jmh-*.json"))):
    try:
        rows += json.load(open(f))
    except ValueError:
        pass
    os.remove(f)
json.dump(rows, open(os.path.join(out, "jmh.json"), "w"), indent=1)
PY
grep -E "^NetForwardBench|^Benchmark" "$OUT/bench.log" | tee -a "$log"
if ! python3 -c "import torch, torchvision" 2>/dev/null; then
    echo "no PyTorch here: peer skipped" | tee -a "$log"
    : >"$OUT/peer.jsonl"
else PYTHONUNBUFFERED=1 timeout "${PEER_TIMEOUT:-150}" python3 "$dev/peer.py" "${peer_opts[@]}" >"$OUT/peer.jsonl" 2>>"$OUT/bench.log" \
    || echo "PyTorch peer failed: see bench.log" | tee -a "$log"
fi

say "4. table"
python3 "$dev/table.py" "$OUT/jmh.json" "$OUT/peer.jsonl" | tee "$OUT/table.md" | tee -a "$log"
echo "tests: $([ $tests_rc -eq 0 ] && echo passed || echo "FAILED (exit $tests_rc, see tests.log)")" | tee -a "$log"
exit $tests_rc
