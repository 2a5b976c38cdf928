#!/usr/bin/python3
"""The PyTorch peer of FinetuneBench: one fine-tuning step on the CPU, same nets, batch, labels and thread count.

A step is zero_grad + forward + loss + backward + optimizer step (SGD, momentum 0.9, weight decay 5e-4; the new
classifier at 10x the rate, its bias at 20x without decay, as cortado's recipe). Works, the row keys of
org.cortado.bench.Report:
  finetune/squeezenet-all/16     SqueezeNet v1.0 with the caffemodel's weights (read through OpenCV), conv_final
                                 replaced by a 2-way layer, every layer learning
  finetune/squeezenet-frozen/16  the same, requires_grad False through fire8 (PyTorch's autograd then skips the
                                 frozen part of backward, as cortado prunes it)
  finetune/alexnet-all/16        Caffe's AlexNet (bench/python/peer.py) with dropout, fc8 replaced, random weights
  finetune/alexnet-frozen/16     the same, every convolution frozen
Writes JSON {"peer": "PyTorch <version>", "threads": N, "rows": {row key: milliseconds}}.

--check DIR: instead of timing, loads what org.cortado.bench.FinetuneCheck wrote (the loss and every gradient of one
deterministic pass of the SqueezeNet net, and the new classifier's weights), runs the same pass and compares.
Run by bench/compare.sh with Debian's python3 (python3-torch, python3-opencv).
"""
import argparse
import json
import os
import sys

import cv2
import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
from opencv_bench import mean_ms  # noqa: E402  (the same timing loop as the OpenCV rows)
from peer import CaffeAlexNet  # noqa: E402

# Relative L2 difference allowed between cortado's and PyTorch's gradient of one blob, and the relative difference
# of the losses. Float32 itself is the limit: against the same pass in float64, conv1's weight gradient (a sum over
# 16 x 111 x 111 positions) is 6e-4 off in both engines (the other blobs 1e-7 to 1e-4), and the two differ by 5.5e-4.
GRADIENT_TOLERANCE = 2e-3
LOSS_TOLERANCE = 1e-5
BASE_LR = 1e-5
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4
HEAD_LR_MULT = 10.0
FIRES = [("fire2", 96, 16, 64), ("fire3", 128, 16, 64), ("fire4", 128, 32, 128), ("pool4",),
         ("fire5", 256, 32, 128), ("fire6", 256, 48, 192), ("fire7", 384, 48, 192), ("fire8", 384, 64, 256),
         ("pool8",), ("fire9", 512, 64, 256)]


class CaffeSqueezeNet(nn.Module):
    """squeezenet_v1.0/deploy.prototxt with conv_final replaced by a `classes`-way layer; modules keyed by the
    Caffe layer names ('/' written '~'), so that weights are copied by name."""

    def __init__(self, classes=2, dropout=True):
        super().__init__()
        self.convs = nn.ModuleDict()
        self.order = []  # Caffe layer names with parameters, in net order

        def conv(name, cin, cout, k, **kw):
            self.convs[name.replace("/", "~")] = nn.Conv2d(cin, cout, k, **kw)
            self.order.append(name)
        conv("conv1", 3, 96, 7, stride=2)
        for f in FIRES:
            if len(f) == 4:
                name, cin, squeeze, expand = f
                conv(name + "/conv1x1_1", cin, squeeze, 1)
                conv(name + "/conv1x1_2", squeeze, expand, 1)
                conv(name + "/conv3x3_2", squeeze, expand, 3, padding=1)
        conv("conv_final_ft", 512, classes, 1, padding=1)
        self.dropout = nn.Dropout(0.5) if dropout else nn.Identity()
        self.pool = nn.MaxPool2d(3, 2, ceil_mode=True)  # Caffe rounds pooled sizes up

    def c(self, name):
        return self.convs[name.replace("/", "~")]

    def forward(self, x):
        relu = torch.relu
        x = self.pool(relu(self.c("conv1")(x)))
        for f in FIRES:
            if len(f) == 1:
                x = self.pool(x)
                continue
            s = relu(self.c(f[0] + "/conv1x1_1")(x))
            x = torch.cat([relu(self.c(f[0] + "/conv1x1_2")(s)), relu(self.c(f[0] + "/conv3x3_2")(s))], 1)
        x = relu(self.c("conv_final_ft")(self.dropout(x)))
        return x.mean((2, 3))  # global AVE pooling

    def load_caffe(self, deploy, caffemodel):
        net = cv2.dnn.readNetFromCaffe(deploy, caffemodel)
        with torch.no_grad():
            for name in self.order:
                if name == "conv_final_ft":
                    continue
                m = self.c(name)
                lid = net.getLayerId(name)
                m.weight.copy_(torch.from_numpy(net.getParam(lid, 0).reshape(m.weight.shape)))
                m.bias.copy_(torch.from_numpy(net.getParam(lid, 1).reshape(m.bias.shape)))

    def freeze_through(self, layer):
        for name in self.order[:self.order.index(layer) + 1]:
            for p in self.c(name).parameters():
                p.requires_grad_(False)


def alexnet(classes=2):
    """bench/python/peer.py's Caffe AlexNet (with the deploy net's dropout after relu6 and relu7), fc8 replaced."""
    model = CaffeAlexNet()
    if not any(isinstance(m, nn.Dropout) for m in model.codes):
        raise SystemExit("bench/python/peer.py's AlexNet has no dropout in its codes: the step would differ from ours")
    model.fc8 = nn.Linear(4096, classes)
    return model


def optimizer(params_named, head_prefix):
    """SGD as cortado's Solver with the recipe's multipliers (only parameters that learn)."""
    body, head_w, head_b = [], [], []
    for name, p in params_named:
        if not p.requires_grad:
            continue
        if name.startswith(head_prefix):
            (head_b if name.endswith("bias") else head_w).append(p)
        else:
            body.append(p)
    groups = [{"params": body}] if body else []
    groups += [{"params": head_w, "lr": BASE_LR * HEAD_LR_MULT},
               {"params": head_b, "lr": BASE_LR * 2 * HEAD_LR_MULT, "weight_decay": 0.0}]
    return torch.optim.SGD(groups, lr=BASE_LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)


def squeezenet_files(shared):
    d = os.path.join(shared, "models/squeezenet_v1.0")
    return os.path.join(d, "deploy.prototxt"), os.path.join(d, "squeezenet_v1.0.caffemodel")


def labels(batch):
    return torch.arange(batch) % 2


def train_step(model, opt, x, y):
    loss_fn = nn.CrossEntropyLoss()  # mean over the batch: SoftmaxWithLoss's VALID normalisation

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def work(name, frozen, shared, x):
    if name == "squeezenet":
        model = CaffeSqueezeNet()
        model.load_caffe(*squeezenet_files(shared))
        if frozen:
            model.freeze_through("fire8/conv3x3_2")
        opt = optimizer(model.named_parameters(), "convs.conv_final_ft")
    else:
        model = alexnet()
        if frozen:
            for p in model.features.parameters():
                p.requires_grad_(False)
        opt = optimizer(model.named_parameters(), "fc8")
    model.train()
    return train_step(model, opt, x, labels(x.shape[0]))


def check(args):
    """Compares one deterministic pass with cortado's (FinetuneCheck); returns the exit status."""
    with open(os.path.join(args.check, "check.json")) as f:
        ours = json.load(f)
    model = CaffeSqueezeNet(dropout=False)
    model.load_caffe(*squeezenet_files(args.shared))
    head = model.c(ours["classifier"])
    with torch.no_grad():
        for p, file in zip((head.weight, head.bias), ours["head"]):
            p.copy_(torch.from_numpy(np.load(os.path.join(args.check, file))).reshape(p.shape))
    x = torch.from_numpy(np.load(ours["input"]).astype(np.float32))
    y = torch.tensor(ours["labels"]).long()
    if not torch.equal(y, labels(x.shape[0])):
        print("check: labels differ from the benchmark's: %s" % ours["labels"])
        return 1
    model.train()
    loss = nn.CrossEntropyLoss()(model(x), y)
    loss.backward()
    loss_diff = abs(loss.item() - ours["loss"]) / abs(ours["loss"])
    worst, worst_name, failed = 0.0, "", []
    for g in ours["gradients"]:
        p = model.c(g["layer"]).weight if g["index"] == 0 else model.c(g["layer"]).bias
        theirs = p.grad.numpy().reshape(-1).astype(np.float64)
        mine = np.load(os.path.join(args.check, g["file"])).reshape(-1).astype(np.float64)
        rel = np.linalg.norm(mine - theirs) / max(np.linalg.norm(theirs), 1e-30)
        if rel > worst:
            worst, worst_name = rel, "%s[%d]" % (g["layer"], g["index"])
        if not rel <= GRADIENT_TOLERANCE:
            failed.append("%s[%d] %.3g" % (g["layer"], g["index"], rel))
    ok = loss_diff <= LOSS_TOLERANCE and not failed
    print("check (SqueezeNet fine-tuning pass, batch %d, all layers learning, no dropout): loss cortado %.7f, "
          "PyTorch %.7f (relative difference %.2g, tolerance %g); %d gradient blobs, worst relative L2 difference "
          "%.2g (%s, tolerance %g): %s" % (x.shape[0], ours["loss"], loss.item(), loss_diff, LOSS_TOLERANCE,
                                          len(ours["gradients"]), worst, worst_name, GRADIENT_TOLERANCE,
                                          "same step" if ok else "DIFFERENT: " + ", ".join(failed)), flush=True)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", required=True)
    ap.add_argument("--assets", help="bench/target/assets (the input batch)")
    ap.add_argument("--out", help="JSON rows file")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--check", metavar="DIR", help="compare with FinetuneCheck's pass instead of timing")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.check:
        return check(args)
    if not args.assets or not args.out:
        ap.error("--assets and --out are needed for timing")
    x = torch.from_numpy(np.load(os.path.join(args.assets, "input_b%d.npy" % args.batch)).astype(np.float32))
    rows = {}
    for name in ("squeezenet", "alexnet"):
        for mode in ("all", "frozen"):
            step = work(name, mode == "frozen", args.shared, x)
            key = "finetune/%s-%s/%d" % (name, mode, args.batch)
            rows[key] = mean_ms(step, args.seconds)
            print("torch fine-tuning step %s %s batch %d: %.1f ms (%.1f img/s)" % (
                name, mode, args.batch, rows[key], args.batch * 1000.0 / rows[key]), flush=True)
    with open(args.out + ".tmp", "w") as f:
        json.dump({"peer": "PyTorch " + torch.__version__, "threads": args.threads, "rows": rows}, f, indent=1)
    os.replace(args.out + ".tmp", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
