#!/usr/bin/env python3
"""Joins cortado's JMH results (jmh.json) and the PyTorch peer's lines (peer.jsonl) into the issue's table.

Usage: table.py JMH_JSON PEER_JSONL > table.md
NetForwardBench rows are the forward works (alexnet_fc7, squeezenet_fire9), NetTrainBench rows the training steps
(alexnet_train_all for freeze=none, alexnet_train_frozen for freeze=convs). A work the peer ran and cortado did not
shows "not run"; cortado rows on the CPU backend (the dry run) are listed after the peer's works, marked "cpu".
"""
import json
import sys

# JMH parameters -> the peer's work names
FORWARD = {"alexnet": "alexnet_fc7", "squeezenet": "squeezenet_fire9"}
TRAIN = {"none": "all", "convs": "frozen"}
# Works the peer runs for scale only (a different network): no cortado figure is expected.
PEER_ONLY = {"alexnet_fc7_torchvision": "peer only: torchvision's AlexNet, no LRN or groups"}


def rate(img_s):
    """Images per second, with decimals where there are few (the dry run's CPU rows)."""
    return f"{img_s:,.0f}" if img_s >= 10 else f"{img_s:.2f}"


def work_of(bench, p):
    """The peer's name for what a JMH result measured."""
    if bench.endswith("NetTrainBench.step"):
        return f"{p['model']}_train_{TRAIN.get(p.get('freeze'), p.get('freeze'))}"
    return FORWARD.get(p["model"], p["model"])


def main(jmh_path, peer_path):
    ours = {}
    try:
        with open(jmh_path) as f:
            for r in json.load(f):
                p = r["params"]
                impl = p.get("conv", "") + (" graph" if p.get("graph") == "true" else "")
                if p.get("device") != "gpu":
                    impl = p.get("device", "?")  # the dry run's CPU rows
                key = (work_of(r["benchmark"], p), int(p["batch"]), p["math"].lower(), impl)
                ours[key] = r["primaryMetric"]["score"]  # ms per batch
    except (OSError, ValueError, KeyError) as e:
        print(f"(no cortado results: {e})")
    peers = []
    try:
        with open(peer_path) as f:
            peers = [json.loads(l) for l in f if l.strip().startswith("{")]
    except OSError as e:
        print(f"(no PyTorch results: {e})")
    print("| work | batch | mode | PyTorch ms | PyTorch img/s | cortado ms | cortado img/s | cortado / PyTorch |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    done = set()
    for p in peers:
        key = (p["work"], p["batch"], p["mode"])
        mine = [(k, v) for k, v in ours.items() if k[:3] == key and k[3] != "cpu"]
        if not mine:
            missing = PEER_ONLY.get(p["work"], "not run")
            print(f"| {p['work']} | {p['batch']} | {p['mode']} | {p['ms']:.3f} | {rate(p['img_s'])} | {missing} | | |")
        for k, ms in sorted(mine, key=lambda kv: kv[1]):
            done.add(k)
            img_s = p["batch"] * 1000.0 / ms
            print(f"| {p['work']} ({k[3]}) | {p['batch']} | {p['mode']} | {p['ms']:.3f} | {rate(p['img_s'])} | "
                  f"{ms:.3f} | {rate(img_s)} | {img_s / p['img_s']:.2f} |")
    for k, ms in sorted(ours.items()):
        if k not in done:
            print(f"| {k[0]} ({k[3]}) | {k[1]} | {k[2]} | | | {ms:.3f} | {rate(k[1] * 1000.0 / ms)} | |")
    if peers:
        print(f"\nPeer: {peers[0]['peer']}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
