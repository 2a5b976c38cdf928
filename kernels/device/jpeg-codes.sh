#!/usr/bin/env bash
# Issue 22, goal 4, cortado's side: a folder of JPEGs to AlexNet fc7 codes with the whole `cortado codes` command on
# the GPU, and what the CPU cores alone can decode. Called by run-on-device.sh (step 3c):
#   bash kernels/device/jpeg-codes.sh DEV JAVA OUT SECONDS
# There is no large JPEG set on the device: the 40 ants/bees files prepare.sh staged in
# DEV/shared/data/hymenoptera/val/{ants,bees} are repeated (hard links, so each file's bytes are read from the page cache like any other warm file) into
# DEV/jpegs-run/N and DEV/jpegs-run/2N, N = JPEG_IMAGES (3,000; 16 in a dry run). The peer reads the same folders.
# Each run appends one JSON line to OUT/e2e.jsonl:
#   jpeg_codes_alexnet_fc7  the codes command's wall time per folder (JVM start, the 244 MB caffemodel's load and
#                           cuDNN's search included; the table also gives the rate between the two sizes, where those
#                           fixed costs cancel): resize 256x256, crop 227, Caffe's mean, batches of 256, one decoding
#                           thread per core (on the GPU the loader decodes and resizes, the GPU crops and subtracts)
#   jpeg_decode_resize      the same loader with no net behind it (org.cortado.bench.JpegDecodeLimit), all cores
# Random weights: org.cortado.bench.Nets writes the AlexNet caffemodel on the device (the carry has no room for it).
# DRYRUN=1 runs the same on the CPU backend with 16 and 32 images, and marks its lines "dryrun".
set -uo pipefail
dev=$1 java=$2 OUT=$3 limit=$4
end=$((SECONDS + limit))
left() { echo $((end - SECONDS)); }
dry=${DRYRUN:-0}
if [ "$dry" = 1 ]; then
    n=${JPEG_IMAGES:-16} device=cpu
else
    n=${JPEG_IMAGES:-3000} device=gpu
fi
threads=$(nproc)
run="$dev/jpegs-run"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
staged="$dev/shared/data/hymenoptera/val"
if [ ! -d "$staged/bees" ]; then
    echo "goal 4 skipped: $staged/{ants,bees} (staged by prepare.sh) missing"
    exit 0
fi
if [ "$limit" -lt 30 ]; then
    echo "goal 4 skipped: ${limit} s left"
    exit 0
fi
rm -rf "$run"
python3 - "$staged" "$run" "$n" <<'PY'
import os, sys
src, run, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(os.path.join(src, c, f) for c in sorted(os.listdir(src)) for f in sorted(os.listdir(os.path.join(src, c))))
for count in (n, 2 * n):
    for i in range(count):
        f = files[i % len(files)]
        cls = os.path.basename(os.path.dirname(f))
        os.makedirs(os.path.join(run, str(count), cls), exist_ok=True)
        os.link(f, os.path.join(run, str(count), cls, f"{i:05d}-{os.path.basename(f)}"))
print(f"goal 4: {len(files)} staged JPEGs repeated into {run}/{n} and {run}/{2 * n} (hard links)")
PY
# libcortado-jpeg.so (libjpeg-turbo through JNI) needs libjpeg.so.62, which the runtime carries in its lib/.
export LD_LIBRARY_PATH="$dev/jre/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
mark() { if [ "$dry" = 1 ]; then sed 's/}$/, "dryrun": true}/'; else cat; fi; }

"$java" -Dcortado.shared="$dev/shared" -Dcortado.bench.assets="$tmp" -cp "$(cat "$dev/bench.cp")" \
    org.cortado.bench.Nets >>"$OUT/bench.log" 2>&1 || { echo "goal 4: the AlexNet weights were not written (bench.log)"; exit 0; }
for count in "$n" $((2 * n)); do
    t0=$EPOCHREALTIME
    if timeout "$(left)" "$java" -Xmx16g --add-modules jdk.incubator.vector -cp "$(cat "$dev/cli.cp")" org.cortado.cli.Main codes \
            --model "$dev/shared/models/caffe/bvlc_alexnet/deploy.prototxt" --weights "$tmp/alexnet_random.caffemodel" \
            --layer fc7 --data "$run/$count" --out "$tmp/codes-$count.npy" --device "$device" --batch 256 \
            --threads "$threads" --resize 256x256 --crop 227 --mean-values 104,117,123 --quiet \
            >>"$OUT/bench.log" 2>&1; then
        t1=$EPOCHREALTIME
        python3 -c 'import json, sys
n, t0, t1, device = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
print(json.dumps({"work": "jpeg_codes_alexnet_fc7", "impl": "cortado", "device": device, "images": n,
                  "s": round(t1 - t0, 3), "img_s": round(n / (t1 - t0), 1)}))' "$count" "$t0" "$t1" "$device" \
            | mark | tee -a "$OUT/e2e.jsonl"
    else
        echo "goal 4: cortado codes on $count images failed or timed out: see bench.log"
    fi
done
timeout "$(left)" "$java" -Xmx8g --add-modules jdk.incubator.vector -cp "$(cat "$dev/bench.cp")" org.cortado.bench.JpegDecodeLimit "$run/$n" \
    "$threads" 256 2 2>>"$OUT/bench.log" | mark | tee -a "$OUT/e2e.jsonl" \
    || echo "goal 4: the decode limit failed or timed out: see bench.log"
