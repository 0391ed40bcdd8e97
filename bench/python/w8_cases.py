#!/usr/bin/env python3
"""The real-data cases of W8 (bench/python-peers.mjs): scikit-learn's bundled data sets.

    w8_cases.py OUT_DIR [--names diabetes,breast_cancer,digits_parity]

For each data set writes OUT_DIR/NAME/X.npy (M×d, float64, C order) and
OUT_DIR/NAME/y.npy (M), and prints one JSON line {NAME: {"M", "d", "source"}}.
No download: these three ship inside the scikit-learn wheel.

- diabetes (442×10): the regression target, standardised.
- breast_cancer (569×30): malignant/benign as −1/+1.
- digits_parity (1797×64): the 8×8 digit images, target +1 for an even
  digit, −1 for an odd one.

Inputs are standardised column by column (zero mean, unit variance); a
constant column (digits has a few blank pixels) is left at zero.
"""
import argparse
import json
import os

NAMES = ("diabetes", "breast_cancer", "digits_parity")


def load(name):
    import numpy as np
    from sklearn import datasets

    if name == "diabetes":
        X, t = datasets.load_diabetes(return_X_y=True, scaled=False)
        y = (t - t.mean()) / t.std()
    elif name == "breast_cancer":
        X, t = datasets.load_breast_cancer(return_X_y=True)
        y = np.where(t == 1, 1.0, -1.0)
    elif name == "digits_parity":
        X, t = datasets.load_digits(return_X_y=True)
        y = np.where(t % 2 == 0, 1.0, -1.0)
    else:
        raise SystemExit(f"w8_cases.py: unknown data set {name}")
    X = np.asarray(X, dtype=np.float64)
    std = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return np.ascontiguousarray(X), np.ascontiguousarray(y, dtype=np.float64)


def main():
    import numpy as np
    import sklearn

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--names", default=",".join(NAMES))
    args = p.parse_args()
    written = {}
    for name in filter(None, args.names.split(",")):
        X, y = load(name)
        directory = os.path.join(args.out, name)
        os.makedirs(directory, exist_ok=True)
        np.save(os.path.join(directory, "X.npy"), X)
        np.save(os.path.join(directory, "y.npy"), y)
        written[name] = {"M": int(X.shape[0]), "d": int(X.shape[1]), "source": f"scikit-learn {sklearn.__version__} bundled data"}
    print(json.dumps(written))


if __name__ == "__main__":
    main()
