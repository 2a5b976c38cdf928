#!/usr/bin/python3
"""OpenCV's time per layer for one net and batch (cv2.dnn's getPerfProfile), the peer of LayerProfile.

Arguments: PROTOTXT CAFFEMODEL INPUT.npy THREADS REPEATS. Prints "layer milliseconds" per layer (the mean of REPEATS
passes after two unmeasured ones; layers OpenCV fused into another read 0 or are absent) and a TOTAL line.
"""
import sys

import cv2
import numpy as np


def main():
    prototxt, caffemodel, inp, threads, repeats = sys.argv[1:6]
    repeats = int(repeats)
    cv2.setNumThreads(int(threads))
    net = cv2.dnn.readNetFromCaffe(prototxt, caffemodel)
    x = np.load(inp)
    total = None
    for r in range(repeats + 2):
        net.setInput(x)
        net.forward()
        _, per_layer = net.getPerfProfile()
        per_layer = np.array(per_layer, dtype=np.float64).ravel()
        if r >= 2:
            total = per_layer if total is None else total + per_layer
    ms = total / repeats / (cv2.getTickFrequency() / 1000.0)
    for name, t in zip(net.getLayerNames(), ms):
        print(f"{name} {t:.3f}")
    print(f"TOTAL {ms.sum():.3f}")


if __name__ == "__main__":
    main()
