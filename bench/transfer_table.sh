#!/usr/bin/env bash
# The preprocessing table of docs/transfer.md, remeasured: for each image recipe, SqueezeNet v1.0 fire9/concat codes
# (post-ReLU, averaged to 512-D) of ants vs bees through `./cortado transfer`, then our SVM and softmax heads at C = 1
# and with C by 5-fold CV (`./cortado train-head` on the same feature files), and scikit-learn's LinearSVC /
# LogisticRegression at C = 1 (bench/sklearn_heads.py; skipped without python3 + scikit-learn).
#   bench/transfer_table.sh [OUT_DIR]        (about 5 minutes on 2 quiet cores; --oversample is most of it)
# Needs the built launcher (`mvn -B package -DskipTests`) and ../shared beside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${CORTADO_SHARED:-$(cd .. && pwd)/shared}
OUT=${1:-bench/target/transfer-table}
mkdir -p "$OUT"
M=$SHARED/models/squeezenet_v1.0
D=$SHARED/data/hymenoptera
have_sklearn=0
python3 -c 'import sklearn' 2>/dev/null && have_sklearn=1

accuracy() {  # accuracy REPORT -> "0.941" or "0.941 (C)" when the C was chosen
    python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
acc = f"{r['val_accuracy']:.3f}"
print(f"{acc} ({r['c']:.2g})" if sys.argv[2] == "cv" else acc)
PY
}

recipes=(
    "resize 256x256, centre crop 227 (default)|"
    "resize 256x256, 10 crops averaged (--oversample)|--oversample"
    "resize 227x227, no crop (the OpenCV peers')|--resize 227x227 --crop 0"
    "shorter side 256, centre crop 227 (torchvision's)|--resize-shorter 256 --crop 227"
    "shorter side 227, centre crop 227|--resize-shorter 227 --crop 227"
)
echo "date: $(date -Is); load: $(cut -d' ' -f1-3 /proc/loadavg); commit: $(git rev-parse --short HEAD)"
echo
echo "| image preprocessing | SVM C = 1 | SVM CV | softmax C = 1 | softmax CV | scikit-learn SVC / LR, C = 1 |"
echo "| --- | --- | --- | --- | --- | --- |"
for i in "${!recipes[@]}"; do
    name=${recipes[$i]%%|*}
    opts=${recipes[$i]#*|}
    dir=$OUT/recipe$i
    # shellcheck disable=SC2086
    ./cortado transfer --quiet --model "$M/deploy.prototxt" --weights "$M/squeezenet_v1.0.caffemodel" \
        --layer fire9/concat --train "$D/train" --val "$D/val" --head svm --report "$dir/transfer.json" \
        --codes-dir "$dir/codes" $opts >"$dir.log" 2>&1 || { echo "transfer failed for '$name': see $dir.log" >&2; exit 1; }
    row="| $name"
    for head in svm softmax; do
        for c in 1 cv; do
            ./cortado train-head --head "$head" --c "$c" --train "$dir/codes/train.npy" --val "$dir/codes/val.npy" \
                --report "$dir/$head-$c.json" >>"$dir.log" 2>&1
            row="$row | $(accuracy "$dir/$head-$c.json" "$c")"
        done
    done
    if [ $have_sklearn = 1 ]; then
        row="$row | $(python3 bench/sklearn_heads.py "$dir/codes/train.npy" "$dir/codes/val.npy") |"
    else
        row="$row | (no scikit-learn) |"
    fi
    echo "$row"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
