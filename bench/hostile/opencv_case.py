"""Reads a Caffe net with OpenCV (and, given an input shape, runs it on zeros), or a .npy file with NumPy: the peer
column of docs/reliability.md. Usage: opencv_case.py net PROTOTXT [CAFFEMODEL|"" [N,C,H,W]] | opencv_case.py npy FILE
"""
import sys, cv2, numpy as np
kind = sys.argv[1]
if kind == 'net':
    proto, model = sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else None)
    net = cv2.dnn.readNetFromCaffe(proto, model) if model else cv2.dnn.readNetFromCaffe(proto)
    if len(sys.argv) > 4:
        shape = [int(x) for x in sys.argv[4].split(',')]
        net.setInput(np.zeros(shape, np.float32))
        out = net.forward()
        print('forward ok', out.shape)
    else:
        print('read ok, layers', len(net.getLayerNames()))
elif kind == 'npy':
    a = np.load(sys.argv[2]); print('npy ok', a.shape)
