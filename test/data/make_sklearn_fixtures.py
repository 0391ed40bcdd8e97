#!/usr/bin/env python3
"""Writes the small real-data fixtures of test/strategy.test.ts from the data
sets bundled inside scikit-learn (no download), standardised exactly as W8
does (bench/python/w8_cases.py):

    python3 test/data/make_sklearn_fixtures.py    # needs numpy and scikit-learn

- diabetes-X.npy (442×10), diabetes-y.npy: the whole set.
- breast_cancer-X.npy (190×30), breast_cancer-y.npy: every third row of the
  569, so that the test runs in CI time; inputs standardised on those rows.
- digits_parity-X.npy (200×64), digits_parity-y.npy: every ninth row of the
  1797 digit images, target +1 for an even digit and −1 for an odd one;
  inputs standardised on those rows (blank pixels stay 0).

CI has no scikit-learn: the .npy files are committed (see README.md here for
the licences).
"""
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "bench", "python"))
from w8_cases import load  # noqa: E402


def standardise(X):
    std = X.std(axis=0)
    return np.ascontiguousarray((X - X.mean(axis=0)) / np.where(std > 0, std, 1.0))


def save(name, X, y):
    np.save(os.path.join(here, f"{name}-X.npy"), np.ascontiguousarray(X, dtype=np.float64))
    np.save(os.path.join(here, f"{name}-y.npy"), np.ascontiguousarray(y, dtype=np.float64))


X, y = load("diabetes")
save("diabetes", X, y)
X, y = load("breast_cancer")
save("breast_cancer", standardise(X[::3]), y[::3])
X, y = load("digits_parity")
save("digits_parity", standardise(X[::9]), y[::9])
