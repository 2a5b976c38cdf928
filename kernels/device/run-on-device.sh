#!/usr/bin/env bash
# The whole GPU check in one device call, from the repository root, with .device carried (kernels/device/prepare.sh):
#   bash kernels/device/run-on-device.sh            (the device tool's command, timeout_s 600)
# Steps, each logged under $OUT (at most 8 files come back):
#   1. DeviceReport: which libraries serve the GPU backend, which GPU opens. Without a usable GPU the run stops
#      here with that account and exit status 3.
#   2. The GPU tests (tag gpu: every op, whole nets forward, training against the CPU oracle) and the module's other
#      tests (bridges and loading chain), with the JUnit console launcher. The Emulated* and HostCuda* tests are left
#      out: they run the kernels on the CPU, which mvn verify did on the build machine (and HostCuda* would load its
#      stand-in libraries into this JVM's one native stack, in place of the GPU's).
#   3. The benchmarks (JMH: NetForwardBench, NetTrainBench) and, in the same call, the PyTorch peer
#      (bench/python/peer.py).
#   4. The table (kernels/device/table.py): printed last and written to $OUT/table.md.
# Time: the whole script keeps within DEADLINE_S (default 540 s, under the device call's 600 s with room for the
# transfers). Each step runs under the smaller of its own limit (TESTS_TIMEOUT 200 s, BENCH_TIMEOUT 90 s per JMH run,
# PEER_TIMEOUT 120 s) and what is left once the later steps' shares are set aside (the peer and the table keep
# PEER_RESERVE 70 s); a JMH run that would get under 20 s is skipped and says so. So a hang or a slow step costs its
# own rows, never the table, and the call needs no rerun. The JMH runs go in order of the issue's rows: AlexNet
# forward, the training steps, SqueezeNet, then the opt-in modes, graphs, ConvImpl.FASTEST and the im2col convolutions.
# QUICK=1 shortens the benchmarks. DRYRUN=1 (for the build machine, which has no GPU) goes on after step 1 fails:
# the tests run (GPU tests skip), one forward and one training benchmark run small on the CPU backend, the peer is
# skipped without PyTorch; it checks the staging, the runtime's modules, the launchers and the table, not the GPU.
set -uo pipefail
cd "$(dirname "$0")/../.."
dev=.device
OUT=${OUT:-$PWD/out}
mkdir -p "$OUT"
java="$dev/jre/bin/java"
log="$OUT/run.log"
: >"$log"
say() { echo "== $*" | tee -a "$log"; }
deadline=${DEADLINE_S:-540}
# budget OWN RESERVE: the seconds a step may take: its own limit, or less so that RESERVE seconds remain after it.
budget() {
    local left=$((deadline - SECONDS - $2))
    echo $((left < $1 ? left : $1))
}

if [ ! -x "$java" ] && [ -f "$dev/jre.tar.xz" ]; then
    tar -xJf "$dev/jre.tar.xz" -C "$dev"
fi
if [ ! -d "$dev/lib" ] && [ -f "$dev/lib.tar.xz" ]; then
    tar -xJf "$dev/lib.tar.xz" -C "$dev"
fi
if [ ! -x "$java" ] || [ ! -f "$dev/tests.cp" ]; then
    echo "cortado device run: $dev/jre.tar.xz or $dev/tests.cp is missing. Run kernels/device/prepare.sh on the build" \
         "machine and name .device in the device call's carry." | tee -a "$log" >&2
    exit 2
fi

say "1. device report"
timeout 60 "$java" -cp "$(cat "$dev/tests.cp")" org.cortado.gpu.DeviceReport >"$OUT/device-report.txt" 2>&1
rc=$?
cat "$OUT/device-report.txt" | tee -a "$log"
if [ $rc -ne 0 ] && [ "${DRYRUN:-0}" != 1 ]; then
    echo "cortado device run: no usable GPU on this machine (DeviceReport exit status $rc, its account above);" \
         "nothing else was run." | tee -a "$log" >&2
    exit $rc
fi
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1; uname -a; } | tee -a "$log"

peer_reserve=${PEER_RESERVE:-70}
# The tests leave the benchmarks at least 120 s besides the peer's share.
tests_limit=$(budget "${TESTS_TIMEOUT:-200}" $((peer_reserve + 120)))
say "2. tests (GPU ops, nets and training against the CPU oracle; bridges and loading chain), ${tests_limit} s at most"
# From kernels/, as under Maven: the tests read the module's sources (src/main/cuda, src/main/bridge).
root=$PWD
(cd kernels && timeout "$tests_limit" "$root/$java" -Xmx16g -Dcortado.cudnn.trace=true \
    -Dcortado.shared="$root/$dev/shared" -cp "$(sed "s|$dev/|$root/$dev/|g" "$root/$dev/tests.cp")" \
    org.junit.platform.console.ConsoleLauncher execute --select-package org.cortado.gpu \
    --include-tag gpu --include-tag 'none()' --exclude-classname '.*\.(Emulated|HostCuda).*' --details tree \
    --disable-banner \
    --reports-dir "$OUT/junit") >"$OUT/tests.log" 2>&1
tests_rc=$?
[ $tests_rc -eq 124 ] && echo "tests stopped at their time limit: see tests.log for what finished" | tee -a "$log"
tail -25 "$OUT/tests.log" | tee -a "$log"
tar -czf "$OUT/junit-xml.tar.gz" -C "$OUT" junit 2>/dev/null && rm -rf "$OUT/junit"

say "3. benchmarks: cortado (JMH) and PyTorch, same GPU, same call"
if [ "${QUICK:-0}" = 1 ]; then
    jmh_opts=(-f 1 -wi 1 -w 1s -i 1 -r 1s)
    peer_opts=(--quick)
else
    jmh_opts=(-f 1 -wi 2 -w 1s -i 3 -r 1s)
    peer_opts=()
fi
bench() { # bench NAME CLASS PARAMS...: one JMH run, results in jmh-NAME.json, unless too little time is left
    local name=$1 class=$2 limit
    shift 2
    limit=$(budget "${BENCH_TIMEOUT:-90}" "$peer_reserve")
    if [ "$limit" -lt 20 ]; then
        echo "benchmark $name skipped: ${limit} s left before the peer's share" | tee -a "$log"
        return
    fi
    timeout "$limit" "$java" -Xmx16g -Dcortado.shared="$dev/shared" -cp "$(cat "$dev/bench.cp")" \
        org.openjdk.jmh.Main \
        "$class" "${jmh_opts[@]}" -jvmArgsAppend "-Xmx16g -Dcortado.shared=$dev/shared -Dcortado.cudnn.trace=true" \
        -rf json -rff "$OUT/jmh-$name.json" "$@" >>"$OUT/bench.log" 2>&1 \
        || echo "benchmark $name failed or timed out (${limit} s): see bench.log" | tee -a "$log"
}
: >"$OUT/bench.log"
if [ "${DRYRUN:-0}" = 1 ]; then
    jmh_opts=(-f 1 -wi 0 -i 1 -r 1s)
    bench dryrun NetForwardBench -p model=squeezenet -p batch=1 -p device=cpu
    bench dryrun-train NetTrainBench -p model=alexnet -p batch=2 -p device=cpu -p freeze=none,convs
else
bench alexnet NetForwardBench -p model=alexnet -p batch=1,64,256 -p math=FP32
bench train NetTrainBench -p model=alexnet -p batch=256 -p freeze=none,convs -p math=FP32
bench squeezenet NetForwardBench -p model=squeezenet -p batch=256 -p math=FP32
bench modes NetForwardBench -p model=alexnet -p batch=256 -p math=TF32,BF16
bench graph NetForwardBench -p model=alexnet -p batch=1 -p math=FP32,TF32 -p graph=true
# FASTEST: per convolution the faster of cuDNN and im2col + GEMM, timed on first use (the batch-1 latency row).
bench fastest NetForwardBench -p model=alexnet -p batch=1,64,256 -p conv=FASTEST -p math=FP32 -p graph=false,true
bench im2col NetForwardBench -p model=alexnet,squeezenet -p batch=256 -p conv=IM2COL_GEMM
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
grep -E "^Net(Forward|Train)Bench|^Benchmark" "$OUT/bench.log" | tee -a "$log"
peer_limit=$(budget "${PEER_TIMEOUT:-120}" 10)
: >"$OUT/peer.jsonl"
if ! python3 -c "import torch, torchvision" 2>/dev/null; then
    echo "no PyTorch here: peer skipped" | tee -a "$log"
elif [ "$peer_limit" -lt 15 ]; then
    echo "PyTorch peer skipped: ${peer_limit} s left" | tee -a "$log"
else
    PYTHONUNBUFFERED=1 timeout "$peer_limit" python3 "$dev/peer.py" "${peer_opts[@]}" >"$OUT/peer.jsonl" \
        2>>"$OUT/bench.log" || echo "PyTorch peer failed or timed out ($peer_limit s): see bench.log" | tee -a "$log"
fi

say "4. table ($SECONDS s so far)"
python3 "$dev/table.py" "$OUT/jmh.json" "$OUT/peer.jsonl" | tee "$OUT/table.md" | tee -a "$log"
echo "tests: $([ $tests_rc -eq 0 ] && echo passed || echo "FAILED (exit $tests_rc, see tests.log)")" | tee -a "$log"
exit $tests_rc
