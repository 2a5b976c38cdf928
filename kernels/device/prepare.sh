#!/usr/bin/env bash
# Prepares the device run, on the build machine (here: JDK, Maven, nvcc, gcc). From the repository root:
#   bash kernels/device/prepare.sh
# Builds the reactor (PTX, soname bridges, jars, test classes), then stages into .device/ (git-ignored; name it in the
# device tool's `carry`):
#   .device/jre.tar.xz   a jlink runtime (the GPU machine has no Java), xz-compressed to fit the 64 MiB carry
#   .device/lib/         every jar and class folder the GPU tests and the benchmarks need
#   .device/tests.cp, .device/bench.cp   their class paths, relative to the repository root
#   .device/shared/      the few shared files the checks read (the reference models, their weights and input, the
#                        AlexNet and GoogLeNet definitions, four ants/bees images; ../shared does not travel)
# Nothing is built on the GPU machine: kernels/device/run-on-device.sh only runs what is staged here.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
dev=.device
shared=${CORTADO_SHARED:-$root/../shared}
# Modules the runtime needs: JCuda/JMH/JUnit use java.logging, java.management and jdk.unsupported; JUnit's XML
# reports java.xml.
modules=java.base,java.logging,java.management,java.xml,jdk.unsupported

echo "[prepare] building (mvn package, tests compiled, not run)"
# build-classpath in the same invocation as package, so that reactor modules resolve to this build's output and not
# to whatever snapshot a local repository may hold.
mvn -B -q -o -pl kernels,bench -am package dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
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
# The extraction parity test (NetParityContract.extractedCodesMatchTheCpu) reads the first four ants images.
ants=data/hymenoptera/val/ants
if [ -d "$shared/$ants" ]; then
    mkdir -p "$dev/shared/$ants"
    # sed, not head: head exits after four lines, and sort, killed by SIGPIPE, fails the script under pipefail.
    find "$shared/$ants" -maxdepth 1 -type f | sort | sed -n 1,4p | xargs -I{} cp {} "$dev/shared/$ants/"
else
    echo "[prepare] warning: $shared/$ants missing; the extraction parity test will skip"
fi
cp kernels/device/table.py bench/python/peer.py "$dev/"

echo "[prepare] jlink runtime ($modules)"
jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 --output "$dev/jre"
"$dev/jre/bin/java" -version 2>&1 | sed -n 1p
tar -cJf "$dev/jre.tar.xz" -C "$dev" jre
rm -rf "$dev/jre"
du -sh "$dev" "$dev/jre.tar.xz" "$dev/lib"
size=$(du -sm "$dev" | cut -f1)
tree=$(git ls-files -z | xargs -0 du -cm 2>/dev/null | tail -1 | cut -f1)
echo "[prepare] .device is ${size} MiB, the tracked tree about ${tree} MiB; the device tool carries at most 64 MiB"
if [ $((size + tree)) -gt 62 ]; then
    echo "[prepare] too large for one device call" >&2
    exit 1
fi
echo "[prepare] done: run   bash kernels/device/run-on-device.sh   on the device with carry [\".device\"]"
