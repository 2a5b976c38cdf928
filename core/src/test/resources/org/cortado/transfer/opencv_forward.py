"""Runs a Caffe model through OpenCV's dnn module: opencv_forward.py DEPLOY CAFFEMODEL INPUT.npy OUTPUT.npy.

The input is fed as it is (float32 NCHW); the net's last output is saved as float32. Fusion is off so that OpenCV
computes the layers as written, in fp32 on its own CPU backend.
"""
import sys

import cv2
import numpy as np

deploy, weights, inp, out = sys.argv[1:5]
net = cv2.dnn.readNetFromCaffe(deploy, weights)
net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
net.enableFusion(False)
net.setInput(np.load(inp).astype(np.float32))
np.save(out, np.ascontiguousarray(net.forward(), dtype=np.float32))
