#!/usr/bin/env python3
"""Joins cortado's JMH results (jmh.json) and the PyTorch peer's lines (peer.jsonl) into the issue's table.

Usage: table.py JMH_JSON PEER_JSONL [E2E_JSONL] > table.md
NetForwardBench rows are the forward works (alexnet_fc7, squeezenet_fire9), NetTrainBench rows the training steps
(alexnet_train_all for freeze=none, alexnet_train_frozen for freeze=convs), ZooForwardBench rows the Zoo's other nets
(issue 22's goal 3: resnet50_pool5, vgg16_fc7, googlenet_pool5, squeezenet11_fire9). A work the peer ran and cortado
did not shows "not run"; cortado rows on the CPU backend (the dry run) are listed after the peer's works, marked
"dry run, CPU backend": they are no GPU figures. E2E_JSONL holds the device script's goal-4 lines (a folder of JPEGs to
codes: the codes command's wall time per folder, and the loader's decode + resize limit), printed in a second table
beside the peer's jpeg works. NetForwardBench rows with precision BF16 or FP16 (16-bit storage end to end, issue 22's
goal 2) take the mode bf16 / fp16 beside the peer's autocast rows, marked "16-bit storage"; a summary line gives
AlexNet's batch-256 rates in TF32, BF16 end to end and FP16 over its FP32 rate, against the goal's 1.5x and 2x.
"""
import json
import sys

# JMH parameters -> the peer's work names
FORWARD = {"alexnet": "alexnet_fc7", "squeezenet": "squeezenet_fire9"}
TRAIN = {"none": "all", "convs": "frozen"}
ZOO = {"resnet50": "resnet50_pool5", "vgg16": "vgg16_fc7", "googlenet": "googlenet_pool5",
       "squeezenet_v1.1": "squeezenet11_fire9"}
# Works the peer runs for scale only (a different network): no cortado figure is expected.
PEER_ONLY = {"alexnet_fc7_torchvision": "peer only: torchvision's AlexNet, no LRN or groups"}
# Where the peer's network differs from the Caffe prototxt cortado runs (bench/python/peer.py says more).
NOTES = {
    "resnet50_pool5": "torchvision's ResNet-50 is v1.5 (stride in the 3x3, not the first 1x1), BatchNorm unfolded",
    "vgg16_fc7": "same layers as Caffe's VGG-16",
    "googlenet_pool5": "torchvision's GoogLeNet has BatchNorm after each convolution, no LRN, 3x3 for the 5x5 branch",
    "squeezenet11_fire9": "same layers as Caffe's SqueezeNet v1.1",
}
DRY = "dry run, CPU backend"


def rate(img_s):
    """Images per second, with decimals where there are few (the dry run's CPU rows)."""
    return f"{img_s:,.0f}" if img_s >= 10 else f"{img_s:.2f}"


def work_of(bench, p):
    """The peer's name for what a JMH result measured."""
    if bench.endswith("NetTrainBench.step"):
        return f"{p['model']}_train_{TRAIN.get(p.get('freeze'), p.get('freeze'))}"
    if bench.endswith("ZooForwardBench.forward"):
        return ZOO.get(p["net"], p["net"])
    return FORWARD.get(p["model"], p["model"])


def read_lines(path, what):
    try:
        with open(path) as f:
            return [json.loads(l) for l in f if l.strip().startswith("{")]
    except OSError as e:
        print(f"(no {what}: {e})")
        return []


def jpeg_table(peers, ours):
    """Goal 4: per folder size, the whole command's rate; the rate between the two sizes (fixed costs cancel); the
    CPU-only decode + resize limit; and what share of its own limit each pipeline reaches."""
    if not peers and not ours:
        return
    print("\n| goal 4: JPEG folder to AlexNet fc7 codes | images | PyTorch s | PyTorch img/s | cortado s "
          "| cortado img/s | cortado / PyTorch |")
    print("| --- | --- | --- | --- | --- | --- | --- |")

    def rows(lines, work):
        return sorted((l for l in lines if l["work"] == work), key=lambda l: l["images"])

    def fmt(l):
        return (f"{l['s']:.2f} | {rate(l['img_s'])}") if l else " | "

    def ratio(a, b):
        return f"{a / b:.2f}" if a and b else ""

    def label(l, text):
        return text + (f" ({DRY})" if l and l.get("dryrun") else "")

    rate_of = {}
    theirs_e2e, ours_e2e = rows(peers, "jpeg_codes_alexnet_fc7"), rows(ours, "jpeg_codes_alexnet_fc7")
    for i in range(max(len(theirs_e2e), len(ours_e2e))):
        t = theirs_e2e[i] if i < len(theirs_e2e) else None
        o = ours_e2e[i] if i < len(ours_e2e) else None
        n = (t or o)["images"]
        print(f"| {label(o, 'whole pass')} | {n} | {fmt(t)} | {fmt(o)} | "
              f"{ratio(o and o['img_s'], t and t['img_s'])} |")
    for who, lines in (("PyTorch", theirs_e2e), ("cortado", ours_e2e)):
        if len(lines) >= 2 and lines[-1]["s"] > lines[0]["s"]:
            rate_of[who] = (lines[-1]["images"] - lines[0]["images"]) / (lines[-1]["s"] - lines[0]["s"])
    if rate_of:
        print(f"| {label(ours_e2e[0] if ours_e2e else None, 'between the two sizes (fixed costs cancel)')} | | | "
              f"{rate(rate_of['PyTorch']) if 'PyTorch' in rate_of else ''} | | "
              f"{rate(rate_of['cortado']) if 'cortado' in rate_of else ''} | "
              f"{ratio(rate_of.get('cortado'), rate_of.get('PyTorch'))} |")
    limits = {}
    for who, lines in (("PyTorch", rows(peers, "jpeg_decode_resize")), ("cortado", rows(ours, "jpeg_decode_resize"))):
        if lines:
            limits[who] = lines[-1]
    if limits:
        t, o = limits.get("PyTorch"), limits.get("cortado")
        n = (t or o)["images"]
        print(f"| {label(o, 'CPU limit: decode + resize alone, all cores')} | {n} | {fmt(t)} | {fmt(o)} | "
              f"{ratio(o and o['img_s'], t and t['img_s'])} |")
        for who, l in limits.items():
            share = rate_of.get(who)
            if share:
                print(f"\n{who}{' (' + DRY + ')' if l.get('dryrun') else ''}: {share / l['img_s']:.0%} of its own "
                      f"decode + resize limit "
                      f"({rate(share)} of {rate(l['img_s'])} img/s){' [' + l['decoder'] + ']' if 'decoder' in l else ''}")


def goal2(ours):
    """Goal 2: AlexNet at batch 256, cuDNN, each mode's rate over FP32's (TF32 >= 1.5x, BF16 end to end >= 2x)."""
    def ms(mode, impl):
        return ours.get(("alexnet_fc7", 256, mode, impl))
    base = ms("fp32", "CUDNN")
    if not base:
        return
    rows = [("TF32 (float32 storage)", ms("tf32", "CUDNN"), 1.5),
            ("BF16 math (float32 storage)", ms("bf16", "CUDNN"), None),
            ("BF16 end to end (16-bit storage)", ms("bf16", "CUDNN, 16-bit storage"), 2.0),
            ("FP16 end to end (16-bit storage)", ms("fp16", "CUDNN, 16-bit storage"), None)]
    print(f"\ngoal 2, AlexNet fc7 at batch 256 over its FP32 rate ({rate(256000.0 / base)} img/s):")
    for name, t, goal in rows:
        if t:
            x = base / t
            verdict = "" if goal is None else (f" (goal {goal}x: {'met' if x >= goal else 'not met'})")
            print(f"- {name}: {rate(256000.0 / t)} img/s, {x:.2f}x{verdict}")
        else:
            print(f"- {name}: not run")


def main(jmh_path, peer_path, e2e_path=None):
    ours = {}
    try:
        with open(jmh_path) as f:
            for r in json.load(f):
                p = r["params"]
                impl = p.get("conv", "") + (" graph" if p.get("graph") == "true" else "")
                mode = p["math"].lower()
                if p.get("precision", "FP32") != "FP32":
                    impl += ", 16-bit storage"
                    mode = p["precision"].lower()
                if p.get("device") != "gpu":
                    impl = DRY  # the dry run's CPU rows
                key = (work_of(r["benchmark"], p), int(p["batch"]), mode, impl)
                ours[key] = r["primaryMetric"]["score"]  # ms per batch
    except (OSError, ValueError, KeyError) as e:
        print(f"(no cortado results: {e})")
    all_peers = read_lines(peer_path, "PyTorch results")
    peers = [p for p in all_peers if not p["work"].startswith("jpeg_")]
    print("| work | batch | mode | PyTorch ms | PyTorch img/s | cortado ms | cortado img/s | cortado / PyTorch |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    done = set()
    for p in peers:
        key = (p["work"], p["batch"], p["mode"])
        mode = p["mode"] + (f", PyTorch {p['layout']}" if "layout" in p else "")
        mine = [(k, v) for k, v in ours.items() if k[:3] == key and k[3] != DRY]
        if not mine:
            missing = PEER_ONLY.get(p["work"], "not run")
            print(f"| {p['work']} | {p['batch']} | {mode} | {p['ms']:.3f} | {rate(p['img_s'])} | {missing} | | |")
        for k, ms in sorted(mine, key=lambda kv: kv[1]):
            done.add(k)
            img_s = p["batch"] * 1000.0 / ms
            print(f"| {p['work']} ({k[3]}) | {p['batch']} | {mode} | {p['ms']:.3f} | {rate(p['img_s'])} | "
                  f"{ms:.3f} | {rate(img_s)} | {img_s / p['img_s']:.2f} |")
    for k, ms in sorted(ours.items()):
        if k not in done:
            print(f"| {k[0]} ({k[3]}) | {k[1]} | {k[2]} | | | {ms:.3f} | {rate(k[1] * 1000.0 / ms)} | |")
    goal2(ours)
    seen = {p["work"] for p in peers} | {k[0] for k in ours}
    for w in (w for w in NOTES if w in seen):
        print(f"\n{w}: {NOTES[w]}")
    jpeg_table([p for p in all_peers if p["work"].startswith("jpeg_")],
               read_lines(e2e_path, "goal-4 results") if e2e_path else [])
    if all_peers:
        print(f"\nPeer: {all_peers[0]['peer']}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
