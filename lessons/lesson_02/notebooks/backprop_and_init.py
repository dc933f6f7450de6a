# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 2 — A small backprop engine, a gradient check, and initialisation
#
# This notebook builds the objects of Lesson 2 from scratch:
#
# 1. a scalar reverse-mode automatic-differentiation engine (about 60 lines) and a check of its
#    gradients against central finite differences;
# 2. the matrix-form backward pass of a two-layer network with softmax cross-entropy
#    (homework 1), checked against finite differences to a relative error below $10^{-6}$ and
#    trained on two interleaved spirals (homework 2);
# 3. activation and error-signal statistics of a 30-layer ReLU network of width 256 under
#    different weight scales (homework 3): the standard deviation changes by the factor
#    $\sqrt{n\sigma^2/2}$ per layer, which is 1 exactly for He initialisation $\sigma^2=2/n$.
#
# numpy and matplotlib only, fixed seeds, well under a minute.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np


class Value:
    """A scalar that remembers how it was computed, so that backward() can apply the chain rule."""

    def __init__(self, data, parents=(), local_grads=()):
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents  # the Values this one was computed from
        self.local_grads = local_grads  # d self / d parent, one per parent

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k):
        return Value(self.data**k, (self,), (k * self.data ** (k - 1),))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def log(self):
        return Value(math.log(self.data), (self,), (1.0 / self.data,))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t * t,))

    def relu(self):
        return Value(max(0.0, self.data), (self,), (float(self.data > 0),))

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1

    def backward(self):
        """Reverse-mode sweep: visit nodes in reverse topological order, sum d(self)/d(node)."""
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v.parents:
                    visit(p)
                order.append(v)

        visit(self)
        for v in order:
            v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):
            for p, local in zip(v.parents, v.local_grads, strict=False):
                p.grad += local * v.grad  # chain rule; += because a node can be used twice


# A small expression that uses a variable twice.
def f(a, b):
    c = a * b + a.tanh()
    return (c * c + b.exp()).log()


a, b = Value(0.7), Value(-1.3)
out = f(a, b)
out.backward()
h = 1e-6
fd_a = (f(Value(0.7 + h), Value(-1.3)).data - f(Value(0.7 - h), Value(-1.3)).data) / (2 * h)
fd_b = (f(Value(0.7), Value(-1.3 + h)).data - f(Value(0.7), Value(-1.3 - h)).data) / (2 * h)
print(
    f"engine: df/da={a.grad:.8f}, df/db={b.grad:.8f};  finite differences: {fd_a:.8f}, {fd_b:.8f}"
)
assert abs(a.grad - fd_a) < 1e-8 and abs(b.grad - fd_b) < 1e-8

# %% [markdown]
# The same engine differentiates a tiny network: a 2-3-1 tanh MLP with squared loss on one
# example.  Every parameter's gradient matches finite differences.

# %%
rng = np.random.default_rng(0)
W1v = rng.normal(size=(3, 2))
b1v = rng.normal(size=3)
W2v = rng.normal(size=3)


def tiny_loss(params, x=(0.5, -1.0), target=0.3):
    W1, b1, W2 = params
    hidden = [sum((W1[i][j] * x[j] for j in range(2)), b1[i]).tanh() for i in range(3)]
    pred = sum(W2[i] * hidden[i] for i in range(3))
    return (pred - target) ** 2


params = (
    [[Value(w) for w in row] for row in W1v],
    [Value(v) for v in b1v],
    [Value(v) for v in W2v],
)
L = tiny_loss(params)
L.backward()
flat = [v for row in params[0] for v in row] + params[1] + params[2]
worst = 0.0
for v in flat:
    v0 = v.data
    v.data = v0 + h
    up = tiny_loss(params).data
    v.data = v0 - h
    down = tiny_loss(params).data
    v.data = v0
    worst = max(worst, abs((up - down) / (2 * h) - v.grad))
print(f"largest |engine - finite difference| over {len(flat)} parameters: {worst:.2e}")
assert worst < 1e-7

# %% [markdown]
# ## 2. The matrix backward pass of a two-layer network (homeworks 1 and 2)
#
# $Z=\mathrm{ReLU}(XW_1^\top+b_1)W_2^\top+b_2$ for a minibatch $X\in\mathbb R^{B\times n_0}$, loss
# $\ell=\frac1B\sum_i\big(-z_{i,y_i}+\log\sum_k e^{z_{ik}}\big)$.  With $P=\mathrm{softmax}(Z)$
# row-wise
# and $Y$ the one-hot labels: $\Delta_2=(P-Y)/B$, $\partial\ell/\partial W_2=\Delta_2^\top H$,
# $\partial\ell/\partial b_2=\mathbf 1^\top\Delta_2$, $\Delta_1=(\Delta_2W_2)\odot[A>0]$,
# $\partial\ell/\partial W_1=\Delta_1^\top X$, $\partial\ell/\partial b_1=\mathbf 1^\top\Delta_1$.


# %%
def forward_backward(params, X, y):
    W1, b1, W2, b2 = params
    A = X @ W1.T + b1  # (B, n1) pre-activations
    H = np.maximum(A, 0.0)  # (B, n1)
    Z = H @ W2.T + b2  # (B, K) logits
    Z = Z - Z.max(axis=1, keepdims=True)
    P = np.exp(Z)
    P /= P.sum(axis=1, keepdims=True)
    B = X.shape[0]
    loss = -np.mean(np.log(P[np.arange(B), y]))
    D2 = P.copy()
    D2[np.arange(B), y] -= 1.0
    D2 /= B  # (B, K)
    D1 = (D2 @ W2) * (A > 0)  # (B, n1)
    grads = (D1.T @ X, D1.sum(axis=0), D2.T @ H, D2.sum(axis=0))
    return loss, grads, P


def init(n0, n1, K, rng):
    return [
        rng.normal(0, np.sqrt(2 / n0), (n1, n0)),
        np.zeros(n1),
        rng.normal(0, np.sqrt(2 / n1), (K, n1)),
        np.zeros(K),
    ]


def spirals(n_per_class, rng, noise=0.15):
    t = np.sqrt(rng.random(n_per_class)) * 3 * np.pi
    arm = np.column_stack([t * np.cos(t), t * np.sin(t)]) / (3 * np.pi)
    X = np.vstack([arm, -arm]) + noise * rng.normal(size=(2 * n_per_class, 2)) / 3
    return X, np.repeat([0, 1], n_per_class)


rng = np.random.default_rng(1)
X, y = spirals(200, rng)
params = init(2, 64, 2, rng)
params[1] += 0.1 * rng.normal(size=64)  # non-zero biases make the check less special
_, grads, _ = forward_backward(params, X[:16], y[:16])

# Central finite differences on every entry, float64.
rel_errors = []
for p, g in zip(params, grads, strict=False):
    num = np.zeros_like(p)
    for i in np.ndindex(p.shape):
        old = p[i]
        p[i] = old + 1e-5
        up = forward_backward(params, X[:16], y[:16])[0]
        p[i] = old - 1e-5
        down = forward_backward(params, X[:16], y[:16])[0]
        p[i] = old
        num[i] = (up - down) / 2e-5
    rel_errors.append(np.linalg.norm(num - g) / max(np.linalg.norm(num) + np.linalg.norm(g), 1e-12))
print("relative errors (W1, b1, W2, b2):", np.array(rel_errors))
assert max(rel_errors) < 1e-6

# %% [markdown]
# Training with Adam (full batch, 2000 steps) on the 400 spiral points.

# %%
m = [np.zeros_like(p) for p in params]
v = [np.zeros_like(p) for p in params]
lr, beta1, beta2 = 0.02, 0.9, 0.999
history = []
for step in range(1, 2001):
    loss, grads, P = forward_backward(params, X, y)
    history.append(loss)
    for k, (p, g) in enumerate(zip(params, grads, strict=False)):
        m[k] = beta1 * m[k] + (1 - beta1) * g
        v[k] = beta2 * v[k] + (1 - beta2) * g * g
        p -= lr * (m[k] / (1 - beta1**step)) / (np.sqrt(v[k] / (1 - beta2**step)) + 1e-8)
_, _, P = forward_backward(params, X, y)
accuracy = np.mean(P.argmax(axis=1) == y)
print(f"final loss {history[-1]:.4f}, training accuracy {accuracy:.3f}")
assert accuracy > 0.95

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
axes[0].plot(history)
axes[0].set_yscale("log")
axes[0].set_xlabel("Adam step")
axes[0].set_ylabel("training loss")
gx, gy = np.meshgrid(np.linspace(-1.3, 1.3, 200), np.linspace(-1.3, 1.3, 200))
grid = np.column_stack([gx.ravel(), gy.ravel()])
_, _, Pg = forward_backward(params, grid, np.zeros(len(grid), dtype=int))
axes[1].contourf(gx, gy, Pg[:, 1].reshape(gx.shape), levels=20, cmap="RdBu_r", alpha=0.6)
axes[1].scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", s=8, edgecolors="k", linewidths=0.2)
axes[1].set_title(f"decision regions, accuracy {accuracy:.0%}")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Activation statistics under different initialisations (homework 3)
#
# A 30-layer network of width $n=256$, no biases, input $x\sim\mathcal N(0,I)$, weights
# $\mathcal N(0,\sigma^2)$ with $\sigma=c\sqrt{2/n}$.  For ReLU the lecture's recursion
# $\mathrm{Var}[a^{l+1}]=n\sigma^2\,\mathbb{E}[\mathrm{ReLU}(a^l)^2]$
# $=n\sigma^2\mathrm{Var}[a^l]/2=c^2\mathrm{Var}[a^l]$ predicts that the
# standard deviation of the pre-activations is multiplied by $c$ per layer; the error signals
# $\delta^l$ obey the same factor going backwards.  We also run tanh with Glorot
# ($\sigma^2=1/n$ for equal fan-in and fan-out).


# %%
def layer_stats(c, act="relu", depth=30, width=256, batch=500, seed=0):
    rng = np.random.default_rng(seed)
    sigma = c * np.sqrt(2 / width) if act == "relu" else np.sqrt(1 / width)
    Ws = [rng.normal(0, sigma, (width, width)) for _ in range(depth)]
    h = rng.normal(size=(batch, width))
    pre, stds_a = [], []
    for W in Ws:
        a = h @ W.T
        pre.append(a)
        stds_a.append(a.std())
        h = np.maximum(a, 0) if act == "relu" else np.tanh(a)
    # backward: start from a standard-normal error signal at the top
    delta = rng.normal(size=(batch, width))
    stds_d = []
    for W, a in zip(reversed(Ws), reversed(pre), strict=False):
        deriv = (a > 0).astype(float) if act == "relu" else 1 - np.tanh(a) ** 2
        delta = delta * deriv
        stds_d.append(delta.std())
        delta = delta @ W
    return np.array(stds_a), np.array(stds_d[::-1])


results = {c: layer_stats(c) for c in (0.5, 1.0, 2.0)}
tanh_a, tanh_d = layer_stats(1.0, act="tanh")
for c, (sa, sd) in results.items():
    # slope of log std against depth, fitted over layers 5..30
    slope_a = np.polyfit(np.arange(5, 30), np.log(sa[5:]), 1)[0]
    slope_d = np.polyfit(np.arange(5, 30), np.log(sd[5:]), 1)[0]
    print(
        f"c={c}: std(a^1)={sa[0]:.3g}, std(a^30)={sa[-1]:.3g}; per-layer factor "
        f"forward {np.exp(slope_a):.3f}, backward {np.exp(-slope_d):.3f}  (theory {c})"
    )
    assert abs(np.exp(slope_a) - c) < 0.05 * c
    assert abs(np.exp(-slope_d) - c) < 0.05 * c
sa_he = results[1.0][0]
assert 0.5 < sa_he[-1] / sa_he[0] < 2.0  # He: the scale is preserved over 30 layers
print(f"tanh + Glorot: std(a^1)={tanh_a[0]:.3f}, std(a^30)={tanh_a[-1]:.3f}")
assert tanh_a[-1] < tanh_a[0]  # tanh contracts (tanh'(a) < 1 away from 0) ...
assert tanh_a[-1] > 0.1  # ... but slowly: no collapse over 30 layers

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
layers = np.arange(1, 31)
for c, (sa, sd) in results.items():
    axes[0].semilogy(layers, sa, label=f"ReLU, σ = {c}·√(2/n)")
    axes[1].semilogy(layers, sd, label=f"ReLU, σ = {c}·√(2/n)")
axes[0].semilogy(layers, tanh_a, "k--", label="tanh, Glorot")
axes[1].semilogy(layers, tanh_d, "k--", label="tanh, Glorot")
axes[0].set_title("std of pre-activations $a^l$")
axes[1].set_title("std of error signals $\\delta^l$")
for ax in axes:
    ax.set_xlabel("layer l")
    ax.legend(fontsize=9)
plt.tight_layout()
plt.show()

# %% [markdown]
# **Reading the plots.** With $c=0.5$ the signal shrinks by half per layer
# ($0.5^{30}\approx10^{-9}$),
# with $c=2$ it doubles; only $c=1$ (He) keeps both the forward activations and the backward
# error signals at a constant scale, so every layer gets gradients of comparable size.  The
# first layer differs slightly from the rest because its input is Gaussian rather than a ReLU
# output.  tanh with Glorot shrinks slowly, because $\tanh'(a)<1$ away from $0$.
