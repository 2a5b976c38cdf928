#!/usr/bin/python3
"""Joins LayerProfile's table and opencv_layers.py's by layer name; prints the layers by how far ours trails.

Arguments: OURS.txt OPENCV.txt [ROWS]. Written by bench/layer-gap.sh.
"""
import re
import sys


def main():
    ours_file, cv_file = sys.argv[1:3]
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    cv = {}
    for line in open(cv_file):
        parts = line.split()
        if len(parts) == 2:
            cv[parts[0]] = float(parts[1])
    table = []
    for line in open(ours_file):
        m = re.match(r"(\S+)\s+(\S+)\s+([\d.]+) ms\s+[\d.]+%\s*(.*)", line)
        if m and not line.startswith(("all ", "total ")):
            name, kind, ms, shape = m.group(1), m.group(2), float(m.group(3)), m.group(4)
            peer = cv.get(name)
            table.append((ms - (peer or 0.0), name, kind, ms, peer, shape))
    ours = sum(r[3] for r in table)
    print(f"ours {ours:.2f} ms, OpenCV {cv.get('TOTAL', float('nan')):.2f} ms")
    print(f"{'layer':30s} {'kind':14s} {'ours ms':>8s} {'OpenCV ms':>9s} {'gap ms':>7s}  shape, our rate")
    for gap, name, kind, ms, peer, shape in sorted(table, reverse=True)[:rows]:
        peer_text = f"{peer:9.2f}" if peer is not None else f"{'-':>9s}"
        print(f"{name:30s} {kind:14s} {ms:8.2f} {peer_text} {gap:7.2f}  {shape}")


if __name__ == "__main__":
    main()
