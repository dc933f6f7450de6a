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
# # Lesson 1 — The noise of the minibatch gradient
#
# This notebook checks the SGD results of Lesson 1 on logistic regression (homework 4):
#
# 1. the minibatch gradient $\hat g=\frac1B\sum_{b=1}^B g_{i_b}$ with indices drawn uniformly
#    (with replacement) is **unbiased**: its mean is the full gradient $\bar g$;
# 2. its covariance is $\Sigma/B$, so
#    $\operatorname{tr}\operatorname{Cov}[\hat g]=\operatorname{tr}\Sigma/B$
#    (the $1/B$ law);
# 3. with a constant step size, SGD with small batches makes faster progress per example seen
#    at first but ends in a wider "noise ball" around the minimum.
#
# Plain numpy with fixed seeds; it runs in a few seconds.  Every code cell checks its result
# with `assert`.

# %%
import itertools

import matplotlib.pyplot as plt
import numpy as np

rng = np.random.default_rng(0)

# Two Gaussian classes in 2-D; a constant feature gives the intercept.
n = 2000
y = rng.integers(0, 2, size=n)
centres = np.array([[-1.0, -0.5], [1.0, 0.5]])
X2 = centres[y] + rng.normal(size=(n, 2))
X = np.column_stack([np.ones(n), X2])  # shape (n, 3)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def loss(theta):
    """Mean logistic loss (negative log-likelihood) over the whole training set."""
    z = X @ theta
    return np.mean(np.logaddexp(0.0, z) - y * z)


def per_example_grads(theta, idx=slice(None)):
    """Row i is the gradient of the loss of example i: (sigma(x_i.theta) - y_i) x_i."""
    return (sigmoid(X[idx] @ theta) - y[idx])[:, None] * X[idx]


theta0 = np.array([0.5, -1.0, 2.0])  # a fixed point, away from the optimum
G = per_example_grads(theta0)
g_bar = G.mean(axis=0)  # full-batch gradient
Sigma = (G - g_bar).T @ (G - g_bar) / n  # population covariance of the g_i
print("full gradient:", g_bar.round(4), "  tr Sigma:", round(np.trace(Sigma), 4))

# The full gradient agrees with central finite differences of the loss.
eps = 1e-6
fd = np.array([(loss(theta0 + eps * e) - loss(theta0 - eps * e)) / (2 * eps) for e in np.eye(3)])
assert np.allclose(fd, g_bar, atol=1e-7)

# %% [markdown]
# ## 1. Mean and covariance of the minibatch gradient
#
# For each batch size we draw 1000 minibatches at the same $\theta$ and compare the sample mean
# with $\bar g$ and the trace of the sample covariance with $\operatorname{tr}\Sigma/B$.

# %%
batch_sizes = [1, 4, 16, 64]
draws = 1000
rows = []
for B in batch_sizes:
    idx = rng.integers(0, n, size=(draws, B))
    g_hat = G[idx].mean(axis=1)  # shape (draws, 3)
    mean = g_hat.mean(axis=0)
    tr_cov = np.trace(np.cov(g_hat.T))
    se = np.sqrt(np.diag(Sigma) / (B * draws))  # standard error of each coordinate of the mean
    rows.append((B, tr_cov, np.trace(Sigma) / B))
    print(
        f"B={B:3d}  mean={mean.round(4)}  tr Cov={tr_cov:.5f}",
        f"tr(Sigma)/B={np.trace(Sigma) / B:.5f}",
    )
    assert np.all(np.abs(mean - g_bar) < 4 * se)  # unbiased, up to Monte Carlo error
    assert abs(tr_cov / (np.trace(Sigma) / B) - 1) < 0.12  # the 1/B law, within sampling error

ratios = [r[1] * r[0] for r in rows]  # B * tr Cov should be constant = tr Sigma
assert max(ratios) / min(ratios) < 1.25

# %%
fig, ax = plt.subplots(figsize=(5, 3.6))
Bs = np.array(batch_sizes)
ax.loglog(Bs, [r[1] for r in rows], "o", ms=8, label="measured tr Cov[ĝ]")
ax.loglog(Bs, np.trace(Sigma) / Bs, "-", label="tr Σ / B")
ax.set_xlabel("batch size B")
ax.set_ylabel("trace of covariance")
ax.legend()
ax.set_title("The 1/B law")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 2. SGD runs with a fixed budget of examples
#
# Same step size $\eta=0.5$ for every batch size and a budget of 32,000 examples, so $B=1$ takes
# 32,000 steps and $B=64$ takes 500.  We record the full training loss against the number of
# examples seen.  The optimum $\theta^\star$ comes from Newton's method.

# %%
theta_star = np.zeros(3)
for _ in range(30):  # Newton's method on the convex logistic loss
    p = sigmoid(X @ theta_star)
    H = (X * (p * (1 - p))[:, None]).T @ X / n
    theta_star -= np.linalg.solve(H, per_example_grads(theta_star).mean(axis=0))
L_star = loss(theta_star)
assert np.linalg.norm(per_example_grads(theta_star).mean(axis=0)) < 1e-10

budget, eta = 32_000, 0.5
curves = {}
for B in batch_sizes:
    theta = np.zeros(3)
    steps = budget // B
    seen, losses = [], []
    for k in range(steps):
        idx = rng.integers(0, n, size=B)
        theta -= eta * per_example_grads(theta, idx).mean(axis=0)
        if (k + 1) % max(1, steps // 200) == 0:
            seen.append((k + 1) * B)
            losses.append(loss(theta))
    curves[B] = (np.array(seen), np.array(losses))
    tail = curves[B][1][-50:]
    print(
        f"B={B:3d}: final excess loss {losses[-1] - L_star:.5f},",
        f"spread over the last quarter {tail.std():.5f}",
    )

# Every run closes most of the gap between the starting loss log 2 and the optimum ...
for B in batch_sizes:
    assert curves[B][1][-1] - L_star < 0.4 * (loss(np.zeros(3)) - L_star)
# ... but the noise ball shrinks with B: the average excess loss over the last quarter of each
# run decreases as the batch grows.
excess = [np.mean(curves[B][1][-50:] - L_star) for B in batch_sizes]
print("mean excess loss over the last quarter:", np.round(excess, 5))
assert all(a > b for a, b in itertools.pairwise(excess))
assert excess[-1] < 0.005
# Early on (after 1000 examples), small batches have made more progress per example.
early = {B: np.interp(1000, *curves[B]) for B in batch_sizes}
assert early[1] < early[64]

# %%
fig, ax = plt.subplots(figsize=(6, 3.8))
for B in batch_sizes:
    s, losses = curves[B]
    ax.plot(s, losses - L_star, label=f"B = {B}")
ax.set_yscale("log")
ax.set_xlabel("examples seen")
ax.set_ylabel("training loss − optimum")
ax.legend()
ax.set_title("SGD with η = 0.5")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Reading the plots.** The measured trace of the covariance lies on the line
# $\operatorname{tr}\Sigma/B$.
# Per example seen, $B=1$ is fastest at first (it takes 64 times more steps), but with a constant
# step
# size its iterates keep jumping around the minimum.  For a quadratic loss with Hessian $H$ and
# per-example gradient covariance $\Sigma$ at the minimum, the covariance $P$ of the iterates solves
# $HP+PH\approx\eta\Sigma/B$ for small $\eta$, so the stationary excess loss
# $\frac12\operatorname{tr}(HP)$ is about $\eta\operatorname{tr}(\Sigma)/(4B)$: about $0.030$ for
# $B=1$ and $0.0005$ for $B=64$ here (computed in the next cell).
# Lowering $\eta$ or raising $B$ shrinks the noise ball; policy-gradient methods face the same
# trade-off with a much larger $\Sigma$.

# %%
p_star = sigmoid(X @ theta_star)
H_star = (X * (p_star * (1 - p_star))[:, None]).T @ X / n
G_star = per_example_grads(theta_star)
Sigma_star = G_star.T @ G_star / n  # the mean gradient is 0 at the minimum
predicted = [eta * np.trace(Sigma_star) / (4 * B) for B in batch_sizes]
print("predicted stationary excess loss:", np.round(predicted, 5))
print("measured (last quarter)         :", np.round(excess, 5))
# Same order of magnitude and the same 1/B law (the runs are noisy and only roughly stationary).
assert all(0.5 < m / q < 2.0 for m, q in zip(excess, predicted, strict=True))
