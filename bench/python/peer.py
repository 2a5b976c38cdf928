#!/usr/bin/env python3
"""The PyTorch peer of cortado's GPU benchmarks: the same work on the same GPU in the same device call.

Works (as in issue 5's performance table), each with random weights:
  alexnet_fc7     Caffe's bvlc_alexnet (grouped convolutions, LRN, ceil-mode pooling) to the ReLU'd fc7 codes
  squeezenet_fire9  SqueezeNet v1.0 (torchvision's definition, which is Caffe's) to the fire9 concat codes
  alexnet_train_all     one SGD-with-momentum step (forward to fc8 with dropout, softmax loss, backward, update), all
                        layers (cortado: NetTrainBench freeze=none)
  alexnet_train_frozen  the same with every convolution frozen (requires_grad False), as a fine-tuning of fc6..fc8
                        (cortado: freeze=convs, lr_mult 0 through pool5)
  alexnet_fc7_torchvision  peer only: torchvision's AlexNet (no LRN, no groups) to relu7, for scale
Modes: fp32 (TF32 off in cuBLAS and cuDNN), tf32, bf16 (autocast). cudnn.benchmark is on, as cortado finds the fastest
cuDNN algorithm per shape. Timing: CUDA events around a block of iterations after a warm-up; the median of several
blocks. Prints one JSON object per line: work, batch, mode, ms (per batch), img_s.
"""
import argparse
import json
import statistics
import sys

import torch
import torch.nn as nn


class CaffeAlexNet(nn.Module):
    """bvlc_alexnet/deploy.prototxt layer for layer."""

    def __init__(self):
        super().__init__()
        lrn = lambda: nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
        pool = lambda: nn.MaxPool2d(3, 2, ceil_mode=True)
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(inplace=True), lrn(), pool(),
            nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(inplace=True), lrn(), pool(),
            nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(inplace=True), pool())
        # Dropout as in the prototxt (drop6, drop7): the identity in eval mode (the forward works), active in training.
        self.codes = nn.Sequential(nn.Flatten(), nn.Linear(9216, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
                                   nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5))
        self.fc8 = nn.Linear(4096, 1000)

    def forward(self, x, logits=False):
        y = self.codes(self.features(x))
        return self.fc8(y) if logits else y


def squeezenet_fire9():
    import torchvision
    return torchvision.models.squeezenet1_0(weights=None).features


def torchvision_alexnet_fc7():
    """torchvision's AlexNet to its relu7 (64-192-384-256-256 channels, no LRN, no groups, 224x224 input): not the
    work cortado runs, a peer-only row that shows how much of PyTorch's time on Caffe's AlexNet is that definition."""
    import torchvision
    m = torchvision.models.alexnet(weights=None)
    return nn.Sequential(m.features, m.avgpool, nn.Flatten(), *list(m.classifier.children())[:6])


def set_mode(mode):
    tf32 = mode == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True


def time_ms(step, warmup, iters, blocks):
    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(blocks):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(iters):
            step()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / iters)
    return statistics.median(times)


def forward_work(model, batch, mode, size=227):
    x = torch.randn(batch, 3, size, size, device="cuda") * 50
    model = model.cuda().eval()

    @torch.no_grad()
    def step():
        if mode == "bf16":
            with torch.autocast("cuda", dtype=torch.bfloat16):
                return model(x)
        return model(x)
    return step


def train_work(batch, frozen):
    model = CaffeAlexNet().cuda().train()
    if frozen:
        for p in model.features.parameters():
            p.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, 3, 227, 227, device="cuda") * 50
    y = torch.randint(0, 1000, (batch,), device="cuda")

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x, logits=True), y).backward()
        opt.step()
    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    args = ap.parse_args()
    warmup, iters, blocks = (2, 3, 2) if args.quick else (10, 20, 5)
    torch.manual_seed(0)
    peer = f"pytorch {torch.__version__}, cudnn {torch.backends.cudnn.version()}, {torch.cuda.get_device_name(0)}"
    works = [("alexnet_fc7", b, m) for b, m in [(256, "fp32"), (64, "fp32"), (1, "fp32"), (256, "tf32"),
                                               (256, "bf16"), (1, "tf32")]]
    works += [("squeezenet_fire9", 256, "fp32"), ("alexnet_train_all", 256, "fp32"),
              ("alexnet_train_frozen", 256, "fp32"), ("alexnet_fc7_torchvision", 256, "fp32")]
    for work, batch, mode in works:
        set_mode(mode)
        if work == "alexnet_fc7":
            step = forward_work(CaffeAlexNet(), batch, mode)
        elif work == "alexnet_fc7_torchvision":
            step = forward_work(torchvision_alexnet_fc7(), batch, mode, size=224)
        elif work == "squeezenet_fire9":
            step = forward_work(squeezenet_fire9(), batch, mode)
        else:
            step = train_work(batch, frozen=work.endswith("frozen"))
        ms = time_ms(step, warmup, iters, blocks)
        print(json.dumps({"work": work, "batch": batch, "mode": mode, "ms": round(ms, 4),
                          "img_s": round(batch * 1000.0 / ms, 1), "peer": peer}), flush=True)
        del step
        torch.cuda.empty_cache()


if __name__ == "__main__":
    sys.exit(main())
