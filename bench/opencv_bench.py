#!/usr/bin/python3
"""OpenCV dnn on the same nets, weights, inputs and thread count as the JMH benchmarks.

Writes JSON {"opencv": version, "threads": N, "rows": {row key: milliseconds}} with the row keys that
org.cortado.bench.Report uses. Run by bench/compare.sh with Debian's python3 (python3-opencv).
"""
import argparse
import glob
import json
import os
import time

import cv2
import numpy as np


def mean_ms(fn, min_seconds, warmup=2, min_calls=3):
    """Mean milliseconds per call over at least min_seconds and min_calls, after warm-up calls (as JMH does)."""
    for _ in range(warmup):
        fn()
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds and calls >= min_calls:
            return 1000.0 * elapsed / calls


# The nets of ZooBench's zoo group (AlexNet and SqueezeNet v1.0 are the forward group's, to their code layers).
ZOO_BENCH_NETS = ("resnet50", "googlenet", "nin", "squeezenet_v1.1", "vgg16")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", required=True)
    ap.add_argument("--assets", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--only", default="forward,load,extract,decode")
    ap.add_argument("--zoo-nets", help="the zoo group's nets: ZooAssets' lines (name prototxt caffemodel size last)")
    ap.add_argument("--zoo-only", default="", help="space-separated names: only these of the zoo group's nets")
    args = ap.parse_args()
    cv2.setNumThreads(args.threads)
    only = set(args.only.split(","))

    alexnet = (os.path.join(args.shared, "models/caffe/bvlc_alexnet/deploy.prototxt"),
               os.path.join(args.assets, "alexnet_random.caffemodel"))
    squeezenet = (os.path.join(args.shared, "models/squeezenet_v1.0/deploy.prototxt"),
                  os.path.join(args.shared, "models/squeezenet_v1.0/squeezenet_v1.0.caffemodel"))
    rows = {}

    if "forward" in only:
        for name, files, code in (("alexnet-fc7", alexnet, "fc7"), ("squeezenet-fire9", squeezenet, "fire9/concat")):
            net = cv2.dnn.readNetFromCaffe(*files)
            net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
            net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
            for batch in (1, 16):
                blob = np.load(os.path.join(args.assets, "input_b%d.npy" % batch)).astype(np.float32)

                def run():
                    net.setInput(blob)
                    return net.forward(code)
                rows["forward/%s/%d" % (name, batch)] = mean_ms(run, args.seconds)
                print("forward %s batch %d: %.2f ms" % (name, batch, rows["forward/%s/%d" % (name, batch)]),
                      flush=True)

    if "zoo" in only:
        # As ZooBench: each Model Zoo net to its last layer, on ZooAssets' random weights and inputs.
        with open(args.zoo_nets) as f:
            zoo = [line.split() for line in f if line.strip()]
        for name, prototxt, caffemodel, _, last in zoo:
            if name not in ZOO_BENCH_NETS or (args.zoo_only and name not in args.zoo_only.split()):
                continue
            net = cv2.dnn.readNetFromCaffe(prototxt, caffemodel)
            net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
            net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
            for batch in (1, 16):
                blob = np.load(os.path.join(args.assets, "zoo", "%s_b%d.npy" % (name, batch))).astype(np.float32)

                def run():
                    net.setInput(blob)
                    return net.forward(last)
                key = "zoo/%s/%d" % (name, batch)
                rows[key] = mean_ms(run, args.seconds)
                print("zoo %s to %s batch %d: %.2f ms" % (name, last, batch, rows[key]), flush=True)

    if "load" in only:
        rows["load/alexnet"] = mean_ms(lambda: cv2.dnn.readNetFromCaffe(*alexnet), args.seconds)
        print("load alexnet: %.2f ms" % rows["load/alexnet"], flush=True)

    if "extract" in only:
        files = sorted(f for f in glob.glob(os.path.join(args.shared, "data/hymenoptera/**/*"), recursive=True)
                       if os.path.isfile(f))
        net = cv2.dnn.readNetFromCaffe(*squeezenet)

        decoded = [0]

        def extract():
            codes = []
            decoded[0] = 0
            for start in range(0, len(files), 16):
                imgs = [cv2.imread(f, cv2.IMREAD_COLOR) for f in files[start:start + 16]]
                imgs = [i for i in imgs if i is not None]  # OpenCV cannot read GIF: skipped, as ours skips failures
                decoded[0] += len(imgs)
                blob = cv2.dnn.blobFromImages(imgs, 1.0, (227, 227), (104, 117, 123), swapRB=False, crop=False)
                net.setInput(blob)
                codes.append(net.forward("fire9/concat").mean(axis=(2, 3)))
            return np.concatenate(codes)
        # As ExtractBench: two warm-up passes, three timed (JMH's single-shot mode).
        ms = mean_ms(extract, 0, warmup=2, min_calls=3)
        rows["extract/hymenoptera"] = ms
        print("extract %d files (%d decoded): %.0f ms" % (len(files), decoded[0], ms), flush=True)

    if "decode" in only:
        # As DecodeBench: one thread, imread alone and followed by the transform of the extract row.
        files = sorted(f for f in glob.glob(os.path.join(args.shared, "data/hymenoptera/**/*"), recursive=True)
                       if os.path.isfile(f))
        cv2.setNumThreads(1)

        def decode():
            return sum(img.size for img in (cv2.imread(f, cv2.IMREAD_COLOR) for f in files) if img is not None)

        def decode_transform():
            total = 0.0
            for f in files:
                img = cv2.imread(f, cv2.IMREAD_COLOR)
                if img is not None:
                    total += cv2.dnn.blobFromImage(img, 1.0, (227, 227), (104, 117, 123), swapRB=False,
                                                   crop=False)[0, 0, 0, 0]
            return total
        rows["decode/hymenoptera"] = mean_ms(decode, 0, warmup=3, min_calls=5)
        rows["decode-transform/hymenoptera"] = mean_ms(decode_transform, 0, warmup=3, min_calls=5)
        print("decode %d files: %.0f ms; with the transform: %.0f ms" % (
            len(files), rows["decode/hymenoptera"], rows["decode-transform/hymenoptera"]), flush=True)
        cv2.setNumThreads(args.threads)

    with open(args.out + ".tmp", "w") as f:
        json.dump({"opencv": cv2.__version__, "threads": args.threads, "rows": rows}, f, indent=1)
    os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
