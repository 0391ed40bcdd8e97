#!/usr/bin/env python3
"""σ, σ′ and σ″ of every activation in 60-digit arithmetic (mpmath), for test/activations.test.ts.

    echo '{"u": [...], "xt": [...], "w": [...], "m": 7, "nc": 13, "k": 3}' | python3 test/reference/activations.py

Prints {"array": {activation: [σ, σ′, σ″]}, "product": [σ, σ′, σ″]}: the three
outputs at every u, rounded once to float64, and tanh's at the exact
pre-activations X̃·Wᵀ (X̃ m×k, W nc×k, row-major). The formulas are the
textbook ones (sech², s·(1 − s) through tanh(x/2), …), not the library's
cancellation-free rearrangements: with 60 digits and mpmath's unbounded
exponent neither cancellation nor overflow touches them.
"""

import json
import sys

import mpmath as mp

mp.mp.dps = 60


def tanh(x):
    sech2 = 1 / mp.cosh(x) ** 2
    return mp.tanh(x), sech2, -2 * mp.tanh(x) * sech2


def sigmoid(x):
    # s = (1 + tanh(x/2))/2, s′ = sech²(x/2)/4, s″ = −tanh(x/2)·sech²(x/2)/4.
    sech2 = 1 / mp.cosh(x / 2) ** 2
    return (1 + mp.tanh(x / 2)) / 2, sech2 / 4, -mp.tanh(x / 2) * sech2 / 4


def softplus(x):
    s, ds, _ = sigmoid(x)
    return mp.log1p(mp.exp(x)), s, ds


def sin(x):
    return mp.sin(x), mp.cos(x), -mp.sin(x)


def erf(x):
    d = 2 / mp.sqrt(mp.pi) * mp.exp(-x * x)
    return mp.erf(x), d, -2 * x * d


def relu(x):
    return (x if x > 0 else mp.mpf(0)), mp.mpf(1 if x > 0 else 0), mp.mpf(0)


# In the order of ACTIVATIONS in lib/model/activations.ts.
FUNCTIONS = {"tanh": tanh, "sigmoid": sigmoid, "sin": sin, "softplus": softplus, "erf": erf, "relu": relu}


def outputs(f, xs):
    columns = ([], [], [])
    for x in xs:
        for column, value in zip(columns, f(x)):
            column.append(float(value))
    return columns


def main():
    request = json.load(sys.stdin)
    names = request["activations"]
    u = [mp.mpf(x) for x in request["u"]]
    m, nc, k = request["m"], request["nc"], request["k"]
    xt, w = request["xt"], request["w"]
    # Exact pre-activations: every product and sum of float64 values fits in 60 digits.
    pre = [mp.fsum(mp.mpf(xt[j * k + p]) * mp.mpf(w[i * k + p]) for p in range(k)) for j in range(m) for i in range(nc)]
    reply = {"array": {name: outputs(FUNCTIONS[name], u) for name in names}, "product": outputs(tanh, pre)}
    json.dump(reply, sys.stdout)


if __name__ == "__main__":
    main()
