#!/usr/bin/env bash
# The kernels module's native build step, run by Maven (exec-maven-plugin, process-resources) as
#   native.sh CLASSES_DIR JCUDA_VERSION JCUDNN_VERSION JCUDNN_NATIVES_DIR
# It makes, into the jar's resources:
#   org/cortado/gpu/ptx/<name>.ptx       each src/main/cuda/<name>.cu through nvcc -ptx (compute_75: JIT-compiled by
#                                        the driver for any newer GPU); skipped, with a message, where nvcc is absent:
#                                        the kernels are then compiled from the embedded .cu by NVRTC at run time
#   org/cortado/gpu/native/linux-x86_64/<soname>
#                                        the soname bridges of src/main/bridge/bridges.conf, built with gcc; skipped,
#                                        with a message, where gcc is absent or the host is not x86-64
#   lib/libJCudnn-<JCUDA_VERSION>-linux-x86_64.so
#                                        JCudnn's native under the name JCudnn's Java code asks for when JCuda of
#                                        another version is on the class path (see kernels/README.md)
# Outputs newer than their inputs are kept, so repeated builds cost nothing.
set -euo pipefail
classes=$1
jcuda=$2
jcudnn=$3
jcudnn_natives=$4
module=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "[cortado-kernels] $*"; }
newer() { # newer OUT IN...: OUT exists and is newer than every IN
    local out=$1; shift
    [ -e "$out" ] || return 1
    for f in "$@"; do [ "$out" -nt "$f" ] || return 1; done
}

# ---- PTX ---------------------------------------------------------------------------------------------------------
nvcc=$(command -v nvcc || true)
if [ -z "$nvcc" ]; then
    for c in /usr/local/cuda/bin/nvcc /usr/local/cuda-*/bin/nvcc /opt/cuda/bin/nvcc; do
        if [ -x "$c" ]; then nvcc=$c; break; fi
    done
fi
if [ -n "$nvcc" ]; then
    mkdir -p "$classes/org/cortado/gpu/ptx"
    built=0
    for cu in "$module"/src/main/cuda/*.cu; do
        name=$(basename "$cu" .cu)
        ptx="$classes/org/cortado/gpu/ptx/$name.ptx"
        if ! newer "$ptx" "$cu" "$0"; then
            "$nvcc" -ptx -arch=compute_75 -lineinfo -o "$ptx.tmp" "$cu"
            mv "$ptx.tmp" "$ptx"
            built=$((built + 1))
        fi
    done
    say "PTX: $built of $(ls "$module"/src/main/cuda/*.cu | wc -l) kernel files compiled by $nvcc ($("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'))"
else
    say "nvcc not found (PATH, /usr/local/cuda/bin, /usr/local/cuda-*/bin, /opt/cuda/bin): this jar carries no PTX;" \
        "the GPU backend will compile the embedded .cu sources with NVRTC at run time"
fi

# ---- soname bridges ----------------------------------------------------------------------------------------------
gcc=$(command -v gcc || command -v cc || true)
if [ "$(uname -m)" != x86_64 ]; then
    say "host is $(uname -m), not x86-64: no soname bridges built (the JCuda natives are x86-64 only)"
elif [ -z "$gcc" ]; then
    say "no C compiler (gcc, cc) found: no soname bridges built; the GPU backend will then need CUDA 12 / cuDNN 8" \
        "libraries under their own sonames"
else
    out="$classes/org/cortado/gpu/native/linux-x86_64"
    mkdir -p "$out"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    grep -v '^#' "$module/src/main/bridge/bridges.conf" | while read -r soname targets status natives; do
        [ -n "$soname" ] || continue
        list="$module/src/main/bridge/$soname.symbols"
        if newer "$out/$soname" "$list" "$module/src/main/bridge/bridge.c" "$module/src/main/bridge/bridges.conf" "$0"; then
            continue
        fi
        mkdir -p "$work/$soname"
        grep -v '^#' "$list" | awk 'NF { printf "BRIDGE_SYMBOL(%d, %s)\n", n++, $1 }' >"$work/$soname/symbols.inc"
        { echo "$soname {"; echo "  global:"; grep -v '^#' "$list" | awk 'NF { print "    " $1 ";" }';
          echo "  local: *;"; echo "};"; } >"$work/$soname/version.map"
        quoted=$(echo "$targets" | sed 's/[^,]*/"&"/g')
        # Hardened as the JPEG decoder of core is (see core/src/build/native.sh); BridgeSymbolsTest checks it.
        "$gcc" -shared -fPIC -O2 -Wall -Wextra -std=gnu11 -fstack-protector-strong -U_FORTIFY_SOURCE \
            -D_FORTIFY_SOURCE=2 -o "$out/$soname.tmp" \
            -Wl,-soname,"$soname" -Wl,--version-script="$work/$soname/version.map" -Wl,-z,noexecstack \
            -Wl,-z,relro,-z,now \
            -DBRIDGE_SONAME="\"$soname\"" -DBRIDGE_TARGETS="$quoted" -DBRIDGE_MISSING_STATUS="$status" \
            -I"$work/$soname" "$module/src/main/bridge/bridge.c" -ldl
        mv "$out/$soname.tmp" "$out/$soname"
        say "bridge $soname -> ${targets//,/ or }: $(grep -vc '^#' "$list") symbols"
    done
fi

# ---- JCudnn under the native name its Java code asks for ---------------------------------------------------------
# JCudnn.initialize() loads "JCudnn-" + JCuda's version; with JCuda 12.0.0 and JCudnn 11.7.0 that native does not
# exist, so the 11.7.0 native is offered under that name, where JCuda's LibUtils looks for it (/lib in the class path).
if [ "$jcuda" != "$jcudnn" ]; then
    src="$jcudnn_natives/lib/libJCudnn-$jcudnn-linux-x86_64.so"
    dst="$classes/lib/libJCudnn-$jcuda-linux-x86_64.so"
    [ -f "$src" ] || { echo "[cortado-kernels] JCudnn native $src missing (maven-dependency-plugin unpack)" >&2; exit 1; }
    mkdir -p "$classes/lib"
    if ! newer "$dst" "$src"; then
        cp "$src" "$dst.tmp" && mv "$dst.tmp" "$dst"
        say "JCudnn $jcudnn native offered as $(basename "$dst") for JCuda $jcuda"
    fi
fi
