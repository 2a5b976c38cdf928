"""Runs a Caffe net through OpenCV's dnn module and saves the outputs of the layers asked for, every top of each.

opencv_layers.py DEPLOY CAFFEMODEL INPUT.npy OUT_DIR LAYER...: the input feeds the blob "data"; top k of layer L goes
to OUT_DIR/L.k.npy as float32. Fusion is off so that OpenCV computes each layer as written, in fp32 on its own CPU
backend; each layer has a forward pass of its own, which stops there, since a later layer may compute in place over an
earlier one's output (Power over a Slice's top).
"""
import os
import sys

import cv2
import numpy as np

deploy, weights, inp, out_dir = sys.argv[1:5]
names = sys.argv[5:]
net = cv2.dnn.readNetFromCaffe(deploy, weights)
net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
net.enableFusion(False)
data = np.load(inp).astype(np.float32)
for name in names:
    net.setInput(data, "data")
    for k, top in enumerate(net.forwardAndRetrieve([name])[0]):
        np.save(os.path.join(out_dir, "%s.%d.npy" % (name, k)), np.ascontiguousarray(top, dtype=np.float32))
