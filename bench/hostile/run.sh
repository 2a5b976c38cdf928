#!/usr/bin/env bash
# The rows of docs/reliability.md, "Model and array files": each hostile file through ./cortado (exit status, lines on
# standard error, peak resident memory, the first line), then through OpenCV's Caffe importer and NumPy.
# Usage: bench/hostile/run.sh [SHARED] (SHARED defaults to ../shared beside the checkout). Needs /usr/bin/time;
# the OpenCV rows need python3-opencv (Debian: apt-get install python3-opencv).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shared="${1:-$root/../shared}"
files="$(mktemp -d)"
trap 'rm -rf "$files"' EXIT
python3 "$root/bench/hostile/make_files.py" "$files"
tiny="$shared/models/tiny"
digits="$shared/data/digits/train"

row() {
  local label=$1; shift
  rm -rf "$files/out"
  /usr/bin/time -f %M -o "$files/peak" "$@" > /dev/null 2> "$files/err"
  local rc=$?
  printf '| %s | %d, %d, %d MB | %s |\n' "$label" "$rc" "$(wc -l < "$files/err")" \
    "$(( $(tail -1 "$files/peak") / 1024 ))" "$(head -1 "$files/err" | cut -c1-200)"
}

c=("$root/cortado")
net=(--model "$tiny/caffenet_narrow_deploy.prototxt" --weights "$tiny/caffenet_narrow_v1.caffemodel")
date; uptime; git -C "$root" log --oneline -1
echo "| command and file | exit, lines, peak | first line |"
row "clean: inspect narrow CaffeNet with weights" "${c[@]}" inspect "${net[@]}"
for f in nested claims past; do
  row "inspect --weights $f.caffemodel" "${c[@]}" inspect --model "$tiny/caffenet_narrow_deploy.prototxt" \
    --weights "$files/$f.caffemodel"
done
for f in deep wide beyond; do row "inspect $f.prototxt" "${c[@]}" inspect --model "$files/$f.prototxt"; done
row "clean: forward narrow CaffeNet" "${c[@]}" forward "${net[@]}" \
  --input "$shared/reference/caffenet_narrow/cat/input.npy" --outputs prob --out-dir "$files/out"
row "forward --input nested.npy" "${c[@]}" forward "${net[@]}" --input "$files/nested.npy" --outputs prob \
  --out-dir "$files/out"
row "forward wide.prototxt" "${c[@]}" forward --model "$files/wide.prototxt" --input "$files/x1.npy" \
  --outputs fc6 --out-dir "$files/out"
row "forward two.prototxt, -Xmx32m" env CORTADO_JAVA_OPTS=-Xmx32m "${c[@]}" forward --model "$files/two.prototxt" \
  --input "$files/x1.npy" --outputs fc7 --out-dir "$files/out"
row "clean: codes narrow CaffeNet fc7 on digits" "${c[@]}" codes "${net[@]}" --layer fc7 --data "$digits" \
  --mean-values 104,117,123 --out "$files/out/c.npy" --quiet
row "codes wide3.prototxt" "${c[@]}" codes --model "$files/wide3.prototxt" \
  --weights "$tiny/caffenet_narrow_v1.caffemodel" --layer fc6 --data "$digits" --out "$files/out/c.npy" --quiet
for f in huge nested; do
  row "codes --mean-file $f.binaryproto" "${c[@]}" codes "${net[@]}" --layer fc7 --data "$digits" \
    --mean-file "$files/$f.binaryproto" --out "$files/out/c.npy" --quiet
done

cv=(/usr/bin/python3 "$root/bench/hostile/opencv_case.py")
if /usr/bin/python3 -c 'import cv2' 2> /dev/null; then
  echo "| OpenCV $(/usr/bin/python3 -c 'import cv2; print(cv2.__version__)') | exit, lines, peak | first line |"
  row "clean: forward narrow CaffeNet" "${cv[@]}" net "$tiny/caffenet_narrow_deploy.prototxt" \
    "$tiny/caffenet_narrow_v1.caffemodel" 1,3,227,227
  for f in nested claims past; do
    row "$f.caffemodel" "${cv[@]}" net "$tiny/caffenet_narrow_deploy.prototxt" "$files/$f.caffemodel"
  done
  row "deep.prototxt" "${cv[@]}" net "$files/deep.prototxt"
  row "wide.prototxt, forward" "${cv[@]}" net "$files/wide.prototxt" "" 1,1,1,1
  row "beyond.prototxt, forward" "${cv[@]}" net "$files/beyond.prototxt" "" 1,3,32,32
  row "nested.npy (NumPy)" "${cv[@]}" npy "$files/nested.npy"
fi
