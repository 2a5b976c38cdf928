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
#   3. The benchmarks, each group of rows followed by its PyTorch peer (bench/python/peer.py) in the same call, in
#      the order of issue 22's goals: (a) AlexNet forward at batch 1/64/256, the training steps, SqueezeNet v1.0, the
#      TF32/BF16 modes, BF16/FP16 storage end to end (goal 2), graphs, ConvImpl.FASTEST (JMH: NetForwardBench,
#      NetTrainBench); (b) the Zoo's other nets
#      (ResNet-50, VGG-16, GoogLeNet, SqueezeNet v1.1) to their code layers at batch 256, fp32 and BF16
#      (ZooForwardBench, QUICK-like settings); (c) a folder of JPEGs to AlexNet fc7 codes: the whole `cortado codes`
#      command on the ants/bees files repeated to JPEG_IMAGES (3,000) and twice that, and the loader's decode +
#      resize limit on all cores, against PyTorch's DataLoader (kernels/device/jpeg-codes.sh); (d) the im2col
#      convolutions (the alternative path).
#   4. The table (kernels/device/table.py): printed last and written to $OUT/table.md.
# Time: the whole script keeps within DEADLINE_S (default 540 s, under the device call's 600 s with room for the
# transfers). Each step runs under the smaller of its own limit (TESTS_TIMEOUT 200 s, BENCH_TIMEOUT 90 s per JMH run,
# PEER_TIMEOUT 120 s per peer group, JPEG_TIMEOUT 120 s) and what is left once the later groups' shares are set aside
# (PEER_RESERVE 70 s, ZOO_RESERVE 150 s, JPEG_RESERVE 60 s, 15 s for the table); a JMH run that would get under 20 s
# is skipped and says so. So a hang or a slow step costs its own rows, never a later goal's share or the table, and
# the call needs no rerun.
# QUICK=1 shortens the benchmarks. DRYRUN=1 (for the build machine, which has no GPU) goes on after step 1 fails:
# the tests run (GPU tests skip), every group runs small on the CPU backend (SqueezeNet and AlexNet training, the
# four Zoo nets at batch 1, the codes command and the decode limit on 16 and 32 JPEGs), the peer is skipped without
# PyTorch; it checks the staging, the runtime's modules, the launchers and the table, not the GPU, and the table
# marks those rows "dry run, CPU backend".
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
rm "$OUT/device-report.txt" # kept in run.log: at most 8 files come back
if [ $rc -ne 0 ] && [ "${DRYRUN:-0}" != 1 ]; then
    echo "cortado device run: no usable GPU on this machine (DeviceReport exit status $rc, its account above);" \
         "nothing else was run." | tee -a "$log" >&2
    exit $rc
fi
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1; uname -a; } | tee -a "$log"

peer_share=${PEER_RESERVE:-70}
zoo_share=${ZOO_RESERVE:-150}
jpeg_share=${JPEG_RESERVE:-60}
# The tests leave AlexNet's rows at least 120 s besides the later groups' shares.
tests_limit=$(budget "${TESTS_TIMEOUT:-200}" $((peer_share + zoo_share + jpeg_share + 120)))
say "2. tests (GPU ops, nets and training against the CPU oracle; bridges and loading chain), ${tests_limit} s at most"
# From kernels/, as under Maven: the tests read the module's sources (src/main/cuda, src/main/bridge).
root=$PWD
(cd kernels && timeout "$tests_limit" "$root/$java" -Xmx16g --add-modules jdk.incubator.vector \
    -Dcortado.cudnn.trace=true \
    -Dcortado.shared="$root/$dev/shared" -cp "$(sed "s|$dev/|$root/$dev/|g" "$root/$dev/tests.cp")" \
    org.junit.platform.console.ConsoleLauncher execute --select-package org.cortado.gpu \
    --include-tag gpu --include-tag 'none()' --exclude-classname '.*\.(Emulated|HostCuda).*' --details tree \
    --disable-banner \
    --reports-dir "$OUT/junit") >"$OUT/tests.log" 2>&1
tests_rc=$?
[ $tests_rc -eq 124 ] && echo "tests stopped at their time limit: see tests.log for what finished" | tee -a "$log"
tail -25 "$OUT/tests.log" | tee -a "$log"
tar -czf "$OUT/junit-xml.tar.gz" -C "$OUT" junit 2>/dev/null && rm -rf "$OUT/junit"

# The rows go in the order of issue 22's goals, so that a cut loses the least: AlexNet and the training steps
# (issue 5's table; goals 1 and 2: batch 1, the opt-in modes), the Zoo's other nets (goal 3), a folder of JPEGs to
# codes (goal 4), and last the im2col convolutions (the alternative path, no goal). Each group's PyTorch peer runs
# right after cortado's rows of that group. Until a group starts, the later groups' shares are kept back (reserve).
say "3. benchmarks: cortado (JMH) and PyTorch, same GPU, same call"
if [ "${QUICK:-0}" = 1 ]; then
    jmh_opts=(-f 1 -wi 1 -w 1s -i 1 -r 1s)
    peer_opts=(--quick)
else
    jmh_opts=(-f 1 -wi 2 -w 1s -i 3 -r 1s)
    peer_opts=()
fi
# The big nets take QUICK-like settings: one warm-up and two measured seconds (VGG-16 runs ~0.1-0.2 s a batch).
zoo_opts=(-f 1 -wi 1 -w 1s -i 2 -r 1s)
reserve=$peer_share
opts=()
bench() { # bench NAME CLASS PARAMS...: one JMH run, results in jmh-NAME.json, unless too little time is left
    local name=$1 class=$2 limit
    shift 2
    limit=$(budget "${BENCH_TIMEOUT:-90}" "$reserve")
    if [ "$limit" -lt 20 ]; then
        echo "benchmark $name skipped: ${limit} s left before the later steps' share" | tee -a "$log"
        return
    fi
    local settings=("${jmh_opts[@]}")
    [ ${#opts[@]} -gt 0 ] && settings=("${opts[@]}")
    timeout "$limit" "$java" -Xmx16g -Dcortado.shared="$dev/shared" ${lock[@]+"${lock[@]}"} \
        -cp "$(cat "$dev/bench.cp")" org.openjdk.jmh.Main \
        "$class" "${settings[@]}" \
        -jvmArgsAppend "-Xmx16g --add-modules jdk.incubator.vector -Dcortado.shared=$dev/shared -Dcortado.cudnn.trace=true" \
        -rf json -rff "$OUT/jmh-$name.json" "$@" >>"$OUT/bench.log" 2>&1 \
        || echo "benchmark $name failed or timed out (${limit} s): see bench.log" | tee -a "$log"
}
has_torch=0
python3 -c "import torch, torchvision" 2>/dev/null && has_torch=1
peer() { # peer GROUP [ARGS...]: the PyTorch peer's works of GROUP, appended to peer.jsonl
    local group=$1 limit
    shift
    limit=$(budget "${PEER_TIMEOUT:-120}" "$reserve")
    if [ "$has_torch" != 1 ]; then
        echo "no PyTorch here: peer ($group) skipped" | tee -a "$log"
    elif [ "$limit" -lt 15 ]; then
        echo "PyTorch peer ($group) skipped: ${limit} s left" | tee -a "$log"
    else
        PYTHONUNBUFFERED=1 timeout "$limit" python3 "$dev/peer.py" ${peer_opts[@]+"${peer_opts[@]}"} \
            --group "$group" "$@" >>"$OUT/peer.jsonl" 2>>"$OUT/bench.log" \
            || echo "PyTorch peer ($group) failed or timed out ($limit s): see bench.log" | tee -a "$log"
    fi
}
: >"$OUT/bench.log"
: >"$OUT/peer.jsonl"
: >"$OUT/e2e.jsonl"
dry=${DRYRUN:-0}
lock=()
# The build machine is shared: another JMH run there holds /tmp/jmh.lock, and the dry run's rows time nothing anyway.
[ "$dry" = 1 ] && lock=(-Djmh.ignoreLock=true)

say "3a. AlexNet forward and training, batch 1, opt-in modes (issue 5; issue 22 goals 1, 2)"
reserve=$((peer_share + zoo_share + jpeg_share))
if [ "$dry" = 1 ]; then
    jmh_opts=(-f 1 -wi 0 -i 1 -r 1s)
    zoo_opts=("${jmh_opts[@]}")
    bench dryrun NetForwardBench -p model=squeezenet -p batch=1 -p device=cpu
    bench dryrun-train NetTrainBench -p model=alexnet -p batch=2 -p device=cpu -p freeze=none,convs
else
    bench alexnet NetForwardBench -p model=alexnet -p batch=1,64,256 -p math=FP32
    bench train NetTrainBench -p model=alexnet -p batch=256 -p freeze=none,convs -p math=FP32
    bench squeezenet NetForwardBench -p model=squeezenet -p batch=256 -p math=FP32
    bench modes NetForwardBench -p model=alexnet -p batch=256 -p math=TF32,BF16
    # Goal 2: activations and weights stored in 16 bits end to end (--precision bf16|fp16).
    bench precision NetForwardBench -p model=alexnet -p batch=256 -p math=FP32 -p precision=BF16,FP16
    bench graph NetForwardBench -p model=alexnet -p batch=1 -p math=FP32,TF32 -p graph=true
    # FASTEST: per convolution the faster of cuDNN and im2col + GEMM, timed on first use (the batch-1 latency row).
    bench fastest NetForwardBench -p model=alexnet -p batch=1,64,256 -p conv=FASTEST -p math=FP32 -p graph=false,true
fi
reserve=$((zoo_share + jpeg_share))
peer alexnet

say "3b. the Zoo's other nets to their code layers, batch 256, fp32 and BF16 (goal 3)"
reserve=$((peer_share + jpeg_share))
opts=("${zoo_opts[@]}")
for net in resnet50 vgg16 googlenet squeezenet_v1.1; do
    if [ "$dry" = 1 ]; then
        bench "dryrun-zoo-$net" ZooForwardBench -p net="$net" -p batch=1 -p device=cpu
    else
        bench "zoo-$net" ZooForwardBench -p net="$net" -p batch=256 -p math=FP32,BF16
    fi
done
opts=()
grep -ho "\[zoo\].*" "$OUT/bench.log" | sort -u | tee -a "$log"
reserve=$jpeg_share
peer zoo

say "3c. a folder of JPEGs to codes: the whole codes command beside PyTorch's DataLoader (goal 4)"
reserve=45 # the jpeg peer's share and the table's
bash kernels/device/jpeg-codes.sh "$dev" "$java" "$OUT" "$(budget "${JPEG_TIMEOUT:-120}" "$reserve")" \
    2>&1 | tee -a "$log"
jpeg_dirs=()
for d in "$dev"/jpegs-run/*/; do
    [ -d "$d" ] && jpeg_dirs+=(--jpeg-dir "$d")
done
reserve=15
if [ ${#jpeg_dirs[@]} -gt 0 ]; then
    peer jpeg "${jpeg_dirs[@]}" --workers "$(nproc)"
fi
rm -rf "$dev/jpegs-run" # links only, but a dry run's would travel with the next carry

say "3d. the engine's im2col convolutions (the alternative path, no goal)"
if [ "$dry" != 1 ]; then
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
grep -E "^(Net(Forward|Train)|ZooForward)Bench|^Benchmark" "$OUT/bench.log" | tee -a "$log"

say "4. table ($SECONDS s so far)"
python3 "$dev/table.py" "$OUT/jmh.json" "$OUT/peer.jsonl" "$OUT/e2e.jsonl" | tee "$OUT/table.md" | tee -a "$log"
echo "tests: $([ $tests_rc -eq 0 ] && echo passed || echo "FAILED (exit $tests_rc, see tests.log)")" | tee -a "$log"
exit $tests_rc
