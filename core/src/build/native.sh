#!/usr/bin/env bash
# The core module's native build step, run by Maven (exec-maven-plugin, process-resources) as
#   native.sh CLASSES_DIR JAVA_HOME
# It makes, into the jar's resources:
#   org/cortado/image/native/linux-<machine>/libcortado-jpeg.so
#       the JNI JPEG decoder (src/main/c/jpeg_jni.c) over the system's libjpeg-turbo, built with gcc. Skipped, with a
#       message, where the host is not Linux, there is no C compiler, the JDK has no jni.h, or libjpeg-turbo's
#       development files (jpeglib.h with JCS_EXTENSIONS, libjpeg.so) are missing: core then decodes JPEGs with
#       ImageIO, the same pixels, slower. Once those are present, a compile error fails the build.
# The output is kept while newer than its inputs, so repeated builds cost nothing.
set -euo pipefail
classes=$1
java_home=$2
module=$(cd "$(dirname "$0")/../.." && pwd)
src="$module/src/main/c/jpeg_jni.c"
say() { echo "[cortado-core] $*"; }
skip() { say "$*: no native JPEG decoder in this build; JPEGs will be decoded with ImageIO (same pixels, slower)"; exit 0; }

[ "$(uname -s)" = Linux ] || skip "host is $(uname -s), not Linux"
gcc=$(command -v gcc || command -v cc || true)
[ -n "$gcc" ] || skip "no C compiler (gcc, cc) found"
# JAVA_HOME of a JDK 8 layout points at its jre/ folder.
include=""
for d in "$java_home/include" "$java_home/../include"; do
    if [ -f "$d/jni.h" ]; then include=$(cd "$d" && pwd); break; fi
done
[ -n "$include" ] || skip "no jni.h under $java_home/include (a JRE, not a JDK?)"

out="$classes/org/cortado/image/native/linux-$(uname -m)"
lib="$out/libcortado-jpeg.so"
if [ -e "$lib" ] && [ "$lib" -nt "$src" ] && [ "$lib" -nt "$0" ]; then
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The probe: libjpeg-turbo's header (JCS_EXT_BGR: libjpeg 7+ from IJG upsamples differently from OpenCV's builds)
# and a libjpeg to link against.
cat >"$work/probe.c" <<'PROBE'
#include <stdio.h>
#include <jpeglib.h>
#ifndef JCS_EXTENSIONS
#error no JCS_EXTENSIONS
#endif
int main(void) { struct jpeg_decompress_struct c; jpeg_create_decompress(&c); return c.out_color_space == JCS_EXT_BGR; }
PROBE
if ! "$gcc" -o "$work/probe" "$work/probe.c" -ljpeg 2>"$work/probe.log"; then
    skip "libjpeg-turbo's development files not found ($(grep -m1 -o 'error: .*' "$work/probe.log" || echo "see $gcc's output"); Debian/Ubuntu: libjpeg-turbo8-dev or libjpeg62-turbo-dev)"
fi

mkdir -p "$out"
# Hardened as distributions build their libraries, since the decoder reads untrusted files: stack canaries in
# functions with local arrays, glibc's checked variants of string and memory calls whose sizes are known (needs -O1
# or more), and full RELRO (relocations resolved at load, then made read-only). NativeJpegTest checks the result.
hardening="-fstack-protector-strong -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2"
"$gcc" -shared -fPIC -O2 -Wall -Wextra -std=gnu11 -fvisibility=hidden $hardening \
    -I"$include" -I"$include/linux" -o "$lib.tmp" "$src" \
    -Wl,-soname,libcortado-jpeg.so -Wl,-z,noexecstack -Wl,-z,relro,-z,now -Wl,-z,defs -Wl,--as-needed -ljpeg
mv "$lib.tmp" "$lib"
needs=$(objdump -p "$lib" 2>/dev/null | awk '/NEEDED/ && /jpeg/ { print $2 }' || true)
say "native JPEG decoder built: $(basename "$lib") for linux-$(uname -m), linked to ${needs:-libjpeg}"
