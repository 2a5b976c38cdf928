#!/usr/bin/env python3
"""scikit-learn's linear heads on a cortado feature file pair, as the peer column of docs/transfer.md.

Usage: sklearn_heads.py TRAIN.npy VAL.npy [C]
Prints one line: the validation accuracy of LinearSVC and of LogisticRegression (default settings, C = 1 unless
given) on standardised codes (StandardScaler fitted on the training codes). The labels are the feature files'
companion arrays (TRAIN.labels.npy beside TRAIN.npy), as `cortado codes` writes them.
"""
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC


def load(path):
    return np.load(path), np.load(path[:-len(".npy")] + ".labels.npy")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    (xt, yt), (xv, yv) = load(sys.argv[1]), load(sys.argv[2])
    c = float(sys.argv[3]) if len(sys.argv) == 4 else 1.0
    scaler = StandardScaler().fit(xt)
    xt, xv = scaler.transform(xt), scaler.transform(xv)
    svm = LinearSVC(C=c, max_iter=100000).fit(xt, yt).score(xv, yv)
    lr = LogisticRegression(C=c, max_iter=100000).fit(xt, yt).score(xv, yv)
    print(f"{svm:.3f} / {lr:.3f}")


if __name__ == "__main__":
    main()
