#!/usr/bin/env bash
# Makes the class-data-sharing archive that ./cortado maps when it exists, from a training run of `cortado forward`
# on a tiny net (cds-net.prototxt, random weights) through the jar just packaged, as the launcher runs it, with the
# `java` the launcher runs: for JDK 24 and later src/target/cortado.aot, the ahead-of-time cache (JEP 483 and 515:
# classes loaded and linked, and method profiles), else src/target/cortado.jsa (a dynamic AppCDS archive,
# -XX:ArchiveClassesAtExit). Run by Maven at `package` (src/pom.xml); TARGET is src/target, JAVA_HOME_FALLBACK
# Maven's JDK (used where no `java` is on the PATH).
#
# Nothing depends on the archive: if this fails, one line says so and the build goes on without one. The JVM checks
# the archive against the jar, its libraries and itself at every start and ignores a stale one, so an archive newer
# than all of them is kept as it is.
set -euo pipefail
target=$1
java=$(command -v java || echo "$2/bin/java")
here=$(cd "$(dirname "$0")" && pwd -P)
# shellcheck source=src/build/jvm-options.sh
source "$here/jvm-options.sh"
major=$(java_major "$java")
jar=$target/cortado.jar
archive=$target/cortado.jsa
if ((${major:-0} >= 24)); then
    archive=$target/cortado.aot
fi
if [[ -f $archive && -z $(find "$jar" "$target/lib" -newer "$archive" -name '*.jar' -print -quit) ]]; then
    exit 0
fi
rm -f "$archive"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A .npy of 2x3x19x19 float32 zeros: the magic, version 1.0, a header padded with spaces to 118 bytes and a newline.
header="{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 19, 19), }"
{
    printf '\x93NUMPY\x01\x00\x76\x00'
    printf '%-117s\n' "$header"
    head -c $((2 * 3 * 19 * 19 * 4)) /dev/zero
} > "$work/input.npy"
# The path the launcher gives: the archive is only used with the jar at the path it was made with.
# train OPTIONS...: the training run with the JVM options given.
train() {
    "$java" --add-modules jdk.incubator.vector "$@" -Dcortado.home="$(cd "$target/../.." && pwd -P)" \
        -jar "$(cd "$target" && pwd -P)/cortado.jar" forward --model "$here/cds-net.prototxt" \
        --input "$work/input.npy" --outputs prob,pool1 --out-dir "$work/out"
}
made=$work/$(basename "$archive")
if ((${major:-0} >= 24)); then
    # JDK 24's two steps (JDK 25 also takes them in one, -XX:AOTCacheOutput): record, then create. The cache is
    # made without the full module graph (--add-modules), which the JVM reports as an error while it goes on.
    train -XX:AOTMode=record -XX:AOTConfiguration="$work/aot.conf" --sun-misc-unsafe-memory-access=allow \
        > "$work/log" 2>&1 \
        && "$java" --add-modules jdk.incubator.vector -XX:AOTMode=create -XX:AOTConfiguration="$work/aot.conf" \
            -XX:AOTCache="$made" -Xlog:aot=off -Xlog:cds=off -cp "$(cd "$target" && pwd -P)/cortado.jar" \
            >> "$work/log" 2>&1
else
    # Interpreted only: a method that the training run's JIT gives up on is archived marked not compilable, and
    # then never compiled in any run that maps the archive (the GEMM tile was, and ran boxed for a whole pass).
    train -Xint -XX:ArchiveClassesAtExit="$made" -Xlog:cds=off -Xlog:cds+dynamic=off > "$work/log" 2>&1
fi
if [[ -s $made ]]; then
    mv "$made" "$archive"
else
    echo "cds.sh: no class-data-sharing archive (./cortado runs without one): $(grep -v '^WARNING: Using incubator' \
        "$work/log" | head -1)" >&2
fi
