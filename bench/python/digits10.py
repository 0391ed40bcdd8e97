#!/usr/bin/env python3
"""The 10-class digits harness (bench/digits10.mjs): the data files and the scikit-learn rows.

    digits10.py data OUT_DIR      write the split (below) as .npy into OUT_DIR
    digits10.py peers DATA_DIR    fit and score scikit-learn's classifiers on it; one JSON object on stdout

The data: scikit-learn's bundled digits (1797 8×8 images, 64 pixel features, 10 classes;
nothing is downloaded), split by a stratified, seeded shuffle into 1000 training and 797
test points (StratifiedShuffleSplit, random_state 0), then standardised column by column
with the TRAINING set's mean and standard deviation (a column constant on the training set
is only centred). Written as float64, C order:

    X_train (1000×64)  Y_train (1000×10, one-hot)  y_train (1000, the labels 0…9 as float64)
    X_test  (797×64)   Y_test  (797×10)            y_test  (797)
    meta.json          {"source", "seed", "train", "test", "classes", "features"}

Why 1000/797: nntk's full (M·C)×(M·C) kernel of C = 10 outputs is 8·(10·M)² bytes,
0.8 GB at M = 1000 (1.45 GB at 1347) — the largest size that stays comfortably inside a
shared machine; the traced M×M kernel is 8 MB. 797 test points give an accuracy's
standard error √(p(1 − p)/797) ≈ 0.6 % at p = 0.97, small enough to tell the methods apart.

The peers (OMP/OpenBLAS on --threads threads, default 2):

    KernelRidge   RBF kernel on the one-hot targets, prediction argmax; α and γ by 5-fold
                  stratified cross-validation on the training set over a small grid
    SVC           RBF, one-vs-one; C and γ by the same cross-validation
    MLPClassifier one hidden layer of 256 relu units, adam, seeded (random_state 0),
                  early stopping off, at most 400 epochs

For each: test accuracy, seconds of fit + predict with the chosen parameters (the refit
timed alone) and seconds of the grid search, and the chosen parameters.
"""
import argparse
import json
import os
import sys
import time

SEED = 0
TRAIN = 1000
CV_FOLDS = 5


def log(message):
    print(f"digits10.py: {message}", file=sys.stderr, flush=True)


def write_data(out):
    import numpy as np
    from sklearn import datasets
    from sklearn.model_selection import StratifiedShuffleSplit

    X, labels = datasets.load_digits(return_X_y=True)
    X = np.asarray(X, dtype=np.float64)
    split = StratifiedShuffleSplit(n_splits=1, train_size=TRAIN, random_state=SEED)
    train, test = next(split.split(X, labels))
    mean = X[train].mean(axis=0)
    std = X[train].std(axis=0)
    scale = np.where(std > 0, std, 1.0)
    classes = int(labels.max()) + 1
    arrays = {}
    for name, rows in (("train", train), ("test", test)):
        arrays[f"X_{name}"] = (X[rows] - mean) / scale
        arrays[f"Y_{name}"] = np.eye(classes)[labels[rows]]
        arrays[f"y_{name}"] = labels[rows].astype(np.float64)
    os.makedirs(out, exist_ok=True)
    for name, a in arrays.items():
        np.save(os.path.join(out, f"{name}.npy"), np.ascontiguousarray(a, dtype="<f8"))
    meta = {
        "source": "sklearn.datasets.load_digits, standardised with the training set's statistics",
        "seed": SEED,
        "train": int(train.size),
        "test": int(test.size),
        "classes": classes,
        "features": int(X.shape[1]),
    }
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(json.dumps(meta))


def load(directory):
    import numpy as np

    return {name: np.load(os.path.join(directory, f"{name}.npy")) for name in ("X_train", "Y_train", "y_train", "X_test", "y_test")}


def timed(fit_predict):
    start = time.perf_counter()
    predicted = fit_predict()
    return predicted, time.perf_counter() - start


def run_peers(directory):
    import numpy as np
    import sklearn
    from sklearn.kernel_ridge import KernelRidge
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC

    d = load(directory)
    Xtr, Ytr, ytr, Xte, yte = d["X_train"], d["Y_train"], d["y_train"].astype(int), d["X_test"], d["y_test"].astype(int)
    folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=SEED)
    gammas = [g / Xtr.shape[1] for g in (0.0625, 0.125, 0.25, 0.5, 1.0)]  # around 1/d, the scale of |x − x′|² for standardised x
    rows = []

    def argmax_accuracy(estimator, X, y):
        return float(np.mean(np.argmax(estimator.predict(X), axis=1) == y))

    # KernelRidge regresses the one-hot targets; the CV splits are stratified by label.
    start = time.perf_counter()
    search = GridSearchCV(KernelRidge(kernel="rbf"), {"alpha": [1e-4, 1e-3, 1e-2, 1e-1], "gamma": gammas}, cv=list(folds.split(Xtr, ytr)), scoring=lambda e, X, Y: argmax_accuracy(e, X, np.argmax(Y, axis=1)))
    search.fit(Xtr, Ytr)
    search_seconds = time.perf_counter() - start
    best = search.best_params_
    predicted, seconds = timed(lambda: np.argmax(KernelRidge(kernel="rbf", **best).fit(Xtr, Ytr).predict(Xte), axis=1))
    rows.append({"method": "sklearn KernelRidge (RBF, CV)", "accuracy": float(np.mean(predicted == yte)), "seconds": seconds, "searchSeconds": search_seconds, "params": best})
    log(f"KernelRidge {rows[-1]['accuracy']:.4f} {best}")

    start = time.perf_counter()
    search = GridSearchCV(SVC(kernel="rbf"), {"C": [1.0, 10.0, 100.0, 1000.0], "gamma": ["scale"] + gammas}, cv=folds)
    search.fit(Xtr, ytr)
    search_seconds = time.perf_counter() - start
    best = search.best_params_
    predicted, seconds = timed(lambda: SVC(kernel="rbf", **best).fit(Xtr, ytr).predict(Xte))
    rows.append({"method": "sklearn SVC (RBF, CV)", "accuracy": float(np.mean(predicted == yte)), "seconds": seconds, "searchSeconds": search_seconds, "params": best})
    log(f"SVC {rows[-1]['accuracy']:.4f} {best}")

    params = {"hidden_layer_sizes": (256,), "max_iter": 400, "random_state": SEED}
    predicted, seconds = timed(lambda: MLPClassifier(**params).fit(Xtr, ytr).predict(Xte))
    rows.append({"method": "sklearn MLPClassifier (256 relu, adam)", "accuracy": float(np.mean(predicted == yte)), "seconds": seconds, "searchSeconds": 0.0, "params": {**params, "hidden_layer_sizes": [256]}})
    log(f"MLP {rows[-1]['accuracy']:.4f}")

    print(json.dumps({"rows": rows, "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__}}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=("data", "peers"))
    p.add_argument("directory")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    if args.command == "data":
        write_data(args.directory)
    else:
        run_peers(args.directory)


if __name__ == "__main__":
    main()
