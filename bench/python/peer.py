#!/usr/bin/env python3
"""The PyTorch peer of cortado's GPU benchmarks: the same work on the same GPU in the same device call.

Works, each with random weights, in three groups (--group; the device script runs them in this order, after
cortado's rows of the same group):
  alexnet (issue 5's table, issue 22's goals 1 and 2):
  alexnet_fc7     Caffe's bvlc_alexnet (grouped convolutions, LRN, ceil-mode pooling) to the ReLU'd fc7 codes; at
                  batch 256 also in bf16 and fp16 autocast with channels_last (goal 2: cortado's 16-bit storage)
  squeezenet_fire9  SqueezeNet v1.0 (torchvision's definition, which is Caffe's) to the fire9 concat codes
  alexnet_train_all     one SGD-with-momentum step (forward to fc8 with dropout, softmax loss, backward, update), all
                        layers (cortado: NetTrainBench freeze=none)
  alexnet_train_frozen  the same with every convolution frozen (requires_grad False), as a fine-tuning of fc6..fc8
                        (cortado: freeze=convs, lr_mult 0 through pool5)
  alexnet_fc7_torchvision  peer only: torchvision's AlexNet (no LRN, no groups) to relu7, for scale
  zoo (issue 22's goal 3; cortado: ZooForwardBench, the Caffe Model Zoo prototxts, BatchNorm folded), batch 256, fp32
  and bf16, torchvision's definitions at the same input sizes, where they differ from the Caffe prototxts:
  resnet50_pool5  torchvision's resnet50 through avgpool (2048-D), 224x224. torchvision's is ResNet v1.5: each
                  downsampling bottleneck strides in its 3x3 convolution, Caffe's (v1) in its first 1x1 (about 4.1
                  against 3.9 GMAC an image); its BatchNorm runs as cuDNN's inference kernel, not folded
  vgg16_fc7       torchvision's vgg16 through the ReLU after fc7 (4096-D), 224x224: the same layers as Caffe's
  googlenet_pool5 torchvision's googlenet through its average pooling (1024-D), 224x224: BatchNorm after every
                  convolution, no LRN, and a 3x3 convolution where Caffe's inception "5x5" branch has a 5x5
  squeezenet11_fire9  torchvision's squeezenet1_1 features (Caffe's v1.1 layers) to fire9, 227x227
  jpeg (issue 22's goal 4; needs --jpeg-dir with folders of JPEGs in one subfolder per class):
  jpeg_codes_alexnet_fc7  a folder to ReLU'd fc7 codes on the host: ImageFolder (PIL decode), resize 256x256, centre
                  crop 227, a DataLoader of --workers processes and pinned memory, then on the GPU BGR order and
                  the Caffe mean subtracted, Caffe's AlexNet as above, codes copied back; wall time of one pass from
                  the DataLoader's creation (worker start included; the model is on the GPU and cuDNN's algorithms
                  found before), per folder given
  jpeg_decode_resize  the CPU limit: the same DataLoader with decode and resize alone (no crop, no net); the second
                  of two passes over the first folder with persistent workers
Modes: fp32 (TF32 off in cuBLAS and cuDNN), tf32, bf16 and fp16 (autocast to bfloat16 / float16). cudnn.benchmark is on, as cortado finds the fastest
cuDNN algorithm per shape; the zoo works time both memory formats (NCHW, channels_last) briefly and measure the faster,
which their "layout" field names. Timing: CUDA events around a block of iterations after a warm-up; the median of
several blocks (the zoo works fewer, as cortado's QUICK-like settings for them). Prints one JSON object per line:
work, batch, mode, ms (per batch), img_s; the jpeg works also images and s (wall seconds).
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


ZOO_SIZES = {"resnet50_pool5": 224, "vgg16_fc7": 224, "googlenet_pool5": 224, "squeezenet11_fire9": 227}


def zoo_model(work):
    """torchvision's net of a zoo work, cut at cortado's code layer (see the docstring for how each differs)."""
    import torchvision.models as tvm
    if work == "resnet50_pool5":
        m = tvm.resnet50(weights=None)
        return nn.Sequential(*list(m.children())[:-1])  # through avgpool
    if work == "vgg16_fc7":
        m = tvm.vgg16(weights=None)
        return nn.Sequential(m.features, m.avgpool, nn.Flatten(), *list(m.classifier.children())[:5])
    if work == "googlenet_pool5":
        m = tvm.googlenet(weights=None, aux_logits=False, init_weights=True)
        return nn.Sequential(m.conv1, m.maxpool1, m.conv2, m.conv3, m.maxpool2, m.inception3a, m.inception3b,
                             m.maxpool3, m.inception4a, m.inception4b, m.inception4c, m.inception4d, m.inception4e,
                             m.maxpool4, m.inception5a, m.inception5b, m.avgpool)
    if work == "squeezenet11_fire9":
        return tvm.squeezenet1_1(weights=None).features
    raise ValueError(work)


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


def forward_work(model, batch, mode, size=227, channels_last=False):
    x = torch.randn(batch, 3, size, size, device="cuda") * 50
    model = model.cuda().eval()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)

    @torch.no_grad()
    def step():
        if mode in ("bf16", "fp16"):
            with torch.autocast("cuda", dtype=torch.bfloat16 if mode == "bf16" else torch.float16):
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


def caffe_input(x, mean):
    """uint8 RGB NCHW on the host -> float BGR minus Caffe's mean on the GPU (cortado's recipe for AlexNet)."""
    return x.cuda(non_blocking=True).flip(1).float() - mean


def jpeg_loader(folder, batch, workers, crop, persistent=False):
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms
    steps = [transforms.Resize((256, 256))] + ([transforms.CenterCrop(227)] if crop else [])
    tf = transforms.Compose(steps + [transforms.PILToTensor()])
    ds = datasets.ImageFolder(folder, transform=tf)
    return ds, DataLoader(ds, batch_size=batch, num_workers=workers, pin_memory=True,
                          persistent_workers=persistent and workers > 0)


def jpeg_works(folders, batch, workers, peer):
    """Goal 4: each folder of JPEGs to AlexNet fc7 codes end to end, then the decode + resize limit."""
    import time
    set_mode("fp32")
    model = CaffeAlexNet().cuda().eval()
    mean = torch.tensor([104.0, 117.0, 123.0], device="cuda").view(1, 3, 1, 1)
    from torchvision import datasets
    sizes = [len(datasets.ImageFolder(f)) for f in folders]
    with torch.no_grad():  # cuDNN's algorithms found before the clock starts (cortado's first batch finds its own)
        for b in {batch} | {n % batch for n in sizes if n % batch}:
            model(torch.zeros(b, 3, 227, 227, device="cuda"))
    torch.cuda.synchronize()
    for folder in folders:
        t0 = time.perf_counter()
        ds, loader = jpeg_loader(folder, batch, workers, crop=True)
        codes = []
        with torch.no_grad():
            for x, _ in loader:
                codes.append(model(caffe_input(x, mean)).cpu())
        n = sum(c.shape[0] for c in codes)
        s = time.perf_counter() - t0
        print(json.dumps({"work": "jpeg_codes_alexnet_fc7", "batch": batch, "mode": "fp32", "images": n,
                          "workers": workers, "s": round(s, 3), "ms": round(s * 1000.0 / max(1, len(codes)), 3),
                          "img_s": round(n / s, 1), "peer": peer}), flush=True)
    ds, loader = jpeg_loader(folders[0], batch, workers, crop=False, persistent=True)
    for _ in range(2):
        t0 = time.perf_counter()
        n = sum(x.shape[0] for x, _ in loader)
        s = time.perf_counter() - t0
    print(json.dumps({"work": "jpeg_decode_resize", "batch": batch, "mode": "cpu", "images": n, "workers": workers,
                      "s": round(s, 3), "ms": round(s * 1000.0, 3), "img_s": round(n / s, 1),
                      "peer": peer + ", PIL " + __import__("PIL").__version__}), flush=True)


def zoo_step(work, mode):
    """A zoo work's step in the faster memory format (a short probe of NCHW and channels_last), and which it is."""
    model = zoo_model(work)
    best = None
    for channels_last in (False, True):
        model = model.to(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
        ms = time_ms(forward_work(model, 256, mode, ZOO_SIZES[work], channels_last), 2, 3, 1)
        if best is None or ms < best[0]:
            best = (ms, channels_last)
    channels_last = best[1]
    model = model.to(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    return channels_last, forward_work(model, 256, mode, ZOO_SIZES[work], channels_last)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    ap.add_argument("--group", default="alexnet,zoo", help="comma-separated groups: alexnet, zoo, jpeg")
    ap.add_argument("--jpeg-dir", action="append", default=[],
                    help="a folder of JPEGs (one subfolder per class) for the jpeg group; repeatable")
    ap.add_argument("--workers", type=int, default=16, help="DataLoader worker processes (jpeg group)")
    args = ap.parse_args()
    groups = args.group.split(",")
    warmup, iters, blocks = (2, 3, 2) if args.quick else (10, 20, 5)
    zoo_timing = (1, 2, 2) if args.quick else (3, 5, 3)
    torch.manual_seed(0)
    peer = f"pytorch {torch.__version__}, cudnn {torch.backends.cudnn.version()}, {torch.cuda.get_device_name(0)}"
    works = []
    if "alexnet" in groups:
        works += [("alexnet_fc7", b, m) for b, m in [(256, "fp32"), (64, "fp32"), (1, "fp32"), (256, "tf32"),
                                                   (256, "bf16"), (1, "tf32"), (256, "fp16")]]
        # Goal 2's best PyTorch settings for 16 bits: autocast with channels_last (tensor cores' preferred layout).
        works += [("alexnet_fc7_cl", 256, m) for m in ("bf16", "fp16")]
        works += [("squeezenet_fire9", 256, "fp32"), ("alexnet_train_all", 256, "fp32"),
                  ("alexnet_train_frozen", 256, "fp32"), ("alexnet_fc7_torchvision", 256, "fp32")]
    if "zoo" in groups:
        works += [(w, 256, m) for w in ZOO_SIZES for m in ("fp32", "bf16")]
    for work, batch, mode in works:
        set_mode(mode)
        extra = {}
        timing = (warmup, iters, blocks)
        if work == "alexnet_fc7":
            step = forward_work(CaffeAlexNet(), batch, mode)
        elif work == "alexnet_fc7_cl":
            work = "alexnet_fc7"
            step = forward_work(CaffeAlexNet(), batch, mode, channels_last=True)
            extra = {"layout": "channels_last"}
        elif work == "alexnet_fc7_torchvision":
            step = forward_work(torchvision_alexnet_fc7(), batch, mode, size=224)
        elif work == "squeezenet_fire9":
            step = forward_work(squeezenet_fire9(), batch, mode)
        elif work in ZOO_SIZES:
            channels_last, step = zoo_step(work, mode)
            extra = {"layout": "channels_last" if channels_last else "nchw"}
            timing = zoo_timing
        else:
            step = train_work(batch, frozen=work.endswith("frozen"))
        ms = time_ms(step, *timing)
        print(json.dumps({"work": work, "batch": batch, "mode": mode, "ms": round(ms, 4),
                          "img_s": round(batch * 1000.0 / ms, 1), "peer": peer, **extra}), flush=True)
        del step
        torch.cuda.empty_cache()
    if "jpeg" in groups:
        if not args.jpeg_dir:
            ap.error("the jpeg group needs --jpeg-dir")
        jpeg_works(args.jpeg_dir, 256, args.workers, peer)


if __name__ == "__main__":
    sys.exit(main())
