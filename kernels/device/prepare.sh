#!/usr/bin/env bash
# Prepares the device run, on the build machine (here: JDK, Maven, nvcc, gcc). From the repository root:
#   bash kernels/device/prepare.sh
# Builds the reactor (PTX, soname bridges, jars, test classes), then stages into .device/ (git-ignored; name it in the
# device tool's `carry`):
#   .device/jre.tar.xz   a jlink runtime (the GPU machine has no Java), xz-compressed to fit the 64 MiB carry
#   .device/lib.tar.xz   every jar and class folder the GPU tests and the benchmarks need (unpacked to .device/lib/)
#   .device/tests.cp, .device/bench.cp, .device/cli.cp   their class paths (cli: the command line, for goal 4's
#                        `cortado codes`), relative to the repository root
#   .device/shared/      the few shared files the checks read (the reference models, their weights and input, the
#                        AlexNet and GoogLeNet definitions; ../shared does not travel). The
#                        other Zoo nets' definitions are bench/models/, which travels with the tree; their weights
#                        are drawn on the device (ZooForwardBench), not carried
#   .device/shared/data/hymenoptera/val/   its first 20 ants and 20 bees files (4.4 MB), which
#                        kernels/device/jpeg-codes.sh repeats into goal 4's folders of a few thousand JPEGs
# Nothing is built on the GPU machine: kernels/device/run-on-device.sh only runs what is staged here.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
dev=.device
shared=${CORTADO_SHARED:-$root/../shared}
# Modules the runtime needs: JCuda/JMH/JUnit use java.logging, java.management and jdk.unsupported; JUnit's XML
# reports java.xml; the image tests decode with ImageIO (java.desktop), which the dry run cannot show: without a GPU
# they skip before loading an image. jdk.incubator.vector: the CPU oracle's matrix kernel, as under Maven (the CPU side of
# the Zoo nets' parity tests, and the dry run's CPU rows).
modules=java.base,java.desktop,java.logging,java.management,java.xml,jdk.incubator.vector,jdk.unsupported

echo "[prepare] building (mvn package, tests compiled, not run)"
# build-classpath in the same invocation as package, so that reactor modules resolve to this build's output and not
# to whatever snapshot a local repository may hold.
mvn -B -q -o -pl kernels,bench,src -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/device-classpath.txt

rm -rf "$dev"
mkdir -p "$dev/lib" "$dev/shared"
# Stages one class path: jars copied by name, reactor class folders copied whole; prints the staged class path.
stage() {
    local cp=$1 out=()
    IFS=: read -ra entries <<<"$cp"
    for e in "${entries[@]}"; do
        [ -e "$e" ] || continue
        if [ -d "$e" ]; then
            local name
            name=$(echo "${e#"$root"/}" | tr '/' '_')
            [ -d "$dev/lib/$name" ] || cp -r "$e" "$dev/lib/$name"
            out+=("$dev/lib/$name")
        else
            [ -f "$dev/lib/$(basename "$e")" ] || cp "$e" "$dev/lib/"
            out+=("$dev/lib/$(basename "$e")")
        fi
    done
    (IFS=:; echo "${out[*]}")
}
kernels_cp="$root/kernels/target/test-classes:$root/kernels/target/classes:$(cat kernels/target/device-classpath.txt)"
bench_cp="$root/bench/target/classes:$root/kernels/target/classes:$(cat bench/target/device-classpath.txt)"
stage "$kernels_cp" >"$dev/tests.cp"
stage "$bench_cp" >"$dev/bench.cp"
cli_cp="$root/src/target/classes:$root/kernels/target/classes:$(cat src/target/device-classpath.txt)"
stage "$cli_cp" >"$dev/cli.cp"

for f in models/caffe/bvlc_alexnet/deploy.prototxt models/caffe/bvlc_googlenet/deploy.prototxt \
         models/squeezenet_v1.0/deploy.prototxt \
         models/squeezenet_v1.0/squeezenet_v1.0.caffemodel models/tiny/caffenet_narrow_deploy.prototxt \
         models/tiny/caffenet_narrow_v1.caffemodel reference/squeezenet_v1.0/cat/input.npy \
         reference/caffenet_narrow/cat/input.npy; do
    if [ -f "$shared/$f" ]; then
        mkdir -p "$dev/shared/$(dirname "$f")"
        cp "$shared/$f" "$dev/shared/$f"
    else
        echo "[prepare] warning: $shared/$f missing; the checks that need it will skip"
    fi
done
# The first 20 files of each class of hymenoptera/val: goal 4's JPEGs (kernels/device/jpeg-codes.sh repeats them into
# folders of a few thousand), and the first four ants are those the extraction parity test
# (NetParityContract.extractedCodesMatchTheCpu) reads. About 4.4 MB: more would not fit the carry.
for class in ants bees; do
    images=data/hymenoptera/val/$class
    if [ -d "$shared/$images" ]; then
        mkdir -p "$dev/shared/$images"
        # sed, not head: head exits early, and sort, killed by SIGPIPE, fails the script under pipefail.
        find "$shared/$images" -maxdepth 1 -type f -name '*.jpg' | sort | sed -n 1,20p \
            | xargs -I{} cp {} "$dev/shared/$images/"
    else
        echo "[prepare] warning: $shared/$images missing; goal 4 and the extraction parity test will skip"
    fi
done
# The peer and the table cannot run here (no PyTorch, no GPU): at least they must compile.
python3 -m py_compile kernels/device/table.py bench/python/peer.py
cp kernels/device/table.py bench/python/peer.py "$dev/"

# The jars travel stored (uncompressed) inside one xz archive: xz packs their class files and native libraries far
# tighter than each jar's own deflate, which keeps the runtime with java.desktop under the carry limit.
python3 - "$dev/lib" <<'PY'
import os, sys, zipfile
for root, _, files in os.walk(sys.argv[1]):
    for name in files:
        if not name.endswith(".jar"):
            continue
        path = os.path.join(root, name)
        with zipfile.ZipFile(path) as src:
            entries = [(info, src.read(info)) for info in src.infolist()]
        with zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_STORED) as out:
            for info, data in entries:
                info.compress_type = zipfile.ZIP_STORED
                out.writestr(info, data)
        os.replace(path + ".tmp", path)
PY
tar -cJf "$dev/lib.tar.xz" -C "$dev" lib
rm -rf "$dev/lib"

echo "[prepare] jlink runtime ($modules)"
jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 --output "$dev/jre"
"$dev/jre/bin/java" -version 2>&1 | grep version
# Debian's JDK decodes JPEG with the system's libjpeg and converts colours with its liblcms2, which the GPU machine
# lacks: they travel inside the runtime's lib/, which those JDK libraries search first (RPATH $ORIGIN).
for jdklib in libjavajpeg.so liblcms.so; do
    ldd "$dev/jre/lib/$jdklib" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' \
        | grep -Ev '/(libc|libm|libdl|libpthread|librt|libgcc_s|libstdc\+\+|ld-linux[^/]*)\.so' \
        | while read -r dep; do
              [ -e "$dev/jre/lib/$(basename "$dep")" ] && continue # the runtime's own (libjava.so)
              cp -L "$dep" "$dev/jre/lib/"
              echo "[prepare] runtime carries $(basename "$dep")"
          done
done
tar -cJf "$dev/jre.tar.xz" -C "$dev" jre
rm -rf "$dev/jre"
du -sh "$dev" "$dev/jre.tar.xz" "$dev/lib.tar.xz"
# In bytes, as the device tool counts them (du's blocks overstate a tree of small files by half).
size=$(du -sb "$dev" | cut -f1)
tree=$(git ls-files -z | xargs -0 stat -c %s | awk '{s += $1} END {print s}')
echo "[prepare] .device is $((size >> 20)) MiB, the tracked tree $((tree >> 20)) MiB; the device tool carries at" \
     "most 64 MiB"
if [ $(((size + tree) >> 20)) -ge 63 ]; then
    echo "[prepare] too large for one device call" >&2
    exit 1
fi
echo "[prepare] done: run   bash kernels/device/run-on-device.sh   on the device with carry [\".device\"]"
