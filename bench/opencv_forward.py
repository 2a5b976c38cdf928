#!/usr/bin/python3
"""One whole OpenCV process as a user runs it: load a Caffe net, run one batch from a .npy, write the named layer.

The peer of one `./cortado forward` process in bench/process.sh (which times both from outside).
Arguments: PROTOTXT CAFFEMODEL INPUT.npy LAYER OUT.npy THREADS
"""
import sys

import cv2
import numpy as np


def main():
    prototxt, caffemodel, inp, layer, out, threads = sys.argv[1:7]
    cv2.setNumThreads(int(threads))
    net = cv2.dnn.readNetFromCaffe(prototxt, caffemodel)
    net.setInput(np.load(inp))
    np.save(out, net.forward(layer))


if __name__ == "__main__":
    main()
