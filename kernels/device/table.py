#!/usr/bin/env python3
"""Joins cortado's JMH results (jmh.json) and the PyTorch peer's lines (peer.jsonl) into the issue's table.

Usage: table.py JMH_JSON PEER_JSONL > table.md
A work cortado did not run (training steps before the engine has backward passes) shows as "not run".
"""
import json
import sys

# JMH parameters -> the peer's work names
WORK = {"alexnet": "alexnet_fc7", "squeezenet": "squeezenet_fire9"}


def main(jmh_path, peer_path):
    ours = {}
    try:
        with open(jmh_path) as f:
            for r in json.load(f):
                p = r["params"]
                if p.get("device") != "gpu":
                    continue
                impl = p.get("conv", "") + (" graph" if p.get("graph") == "true" else "")
                key = (WORK.get(p["model"], p["model"]), int(p["batch"]), p["math"].lower(), impl)
                ours[key] = r["primaryMetric"]["score"]  # ms per batch
    except (OSError, ValueError) as e:
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
        mine = [(k, v) for k, v in ours.items() if k[:3] == key]
        if not mine:
            print(f"| {p['work']} | {p['batch']} | {p['mode']} | {p['ms']:.3f} | {p['img_s']:,.0f} | not run | | |")
        for k, ms in sorted(mine, key=lambda kv: kv[1]):
            done.add(k)
            img_s = p["batch"] * 1000.0 / ms
            print(f"| {p['work']} ({k[3]}) | {p['batch']} | {p['mode']} | {p['ms']:.3f} | {p['img_s']:,.0f} | "
                  f"{ms:.3f} | {img_s:,.0f} | {img_s / p['img_s']:.2f} |")
    for k, ms in ours.items():
        if k not in done:
            print(f"| {k[0]} ({k[3]}) | {k[1]} | {k[2]} | | | {ms:.3f} | {k[1] * 1000.0 / ms:,.0f} | |")
    if peers:
        print(f"\nPeer: {peers[0]['peer']}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
