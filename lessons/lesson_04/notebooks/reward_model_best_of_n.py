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
# # Lesson 4 — A Bradley–Terry reward model and best-of-$n$ over-optimisation
#
# Homeworks 3 and 4 of Lesson 4 on synthetic data, where the true ("gold") reward is known:
#
# 1. fit a linear reward model $r_w(f)=w^\top f$ to 5000 Bradley–Terry preference labels by gradient
#    descent on $-\log\sigma(r_w(f_w)-r_w(f_l))$; its held-out accuracy approaches the Bayes
#    accuracy and
#    $w$ is recovered (the scale is identified by the logistic noise, an additive offset is not in
#    the model);
# 2. best-of-$n$ selection with a proxy fitted on only 200 pairs: the proxy reward of the chosen
#    candidate keeps rising with $n$; the gold reward rises less than under selection by the gold
#    reward itself (the proxy's errors are selected for); and when the proxy has learned a
#    spurious liking for length that the gold reward
#    penalises, the gold reward peaks and then falls;
# 3. the KL of best-of-$n$ to the base distribution is $\log n-(n-1)/n$ for a continuous score.
#
# numpy and matplotlib only, fixed seeds, a few seconds.

# %%
import matplotlib.pyplot as plt
import numpy as np

rng = np.random.default_rng(0)
dim = 10
w_true = rng.normal(size=dim)
w_true *= 1.5 / np.linalg.norm(w_true)  # gold reward r*(f) = w_true . f, std 1.5 on N(0, I)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def make_pairs(m, rng, reward=lambda F: F @ w_true):
    """m pairs of responses (feature rows); label 1 if the first is preferred (Bradley-Terry)."""
    F1, F2 = rng.normal(size=(m, dim)), rng.normal(size=(m, dim))
    label = rng.random(m) < sigmoid(reward(F1) - reward(F2))
    return F1, F2, label


def bt_loss_grad(w, D, label):
    """Mean BT negative log-likelihood of labels given differences D = F1 - F2, and its gradient."""
    s = D @ w
    signed = np.where(label, s, -s)  # r(winner) - r(loser)
    loss = np.mean(np.logaddexp(0.0, -signed))
    sign = np.where(label, 1.0, -1.0)
    grad = -(sigmoid(-signed) * sign) @ D / len(D)  # weight sigma(-Delta): the mistakes dominate
    return loss, grad


def fit(D, label, steps=3000, lr=0.5):
    w = np.zeros(D.shape[1])
    for _ in range(steps):
        _, g = bt_loss_grad(w, D, label)
        w -= lr * g
    return w


# Gradient check of the loss at a random point.
F1, F2, lab = make_pairs(50, rng)
w0 = rng.normal(size=dim)
_, g0 = bt_loss_grad(w0, F1 - F2, lab)
fd = np.array(
    [
        (
            bt_loss_grad(w0 + 1e-6 * e, F1 - F2, lab)[0]
            - bt_loss_grad(w0 - 1e-6 * e, F1 - F2, lab)[0]
        )
        / 2e-6
        for e in np.eye(dim)
    ]
)
assert np.allclose(fd, g0, atol=1e-8)

# %% [markdown]
# ## 1. Fitting the reward model on 5000 pairs

# %%
F1, F2, lab = make_pairs(5000, rng)
w_hat = fit(F1 - F2, lab)
T1, T2, tlab = make_pairs(20000, rng)
acc = np.mean(((T1 - T2) @ w_hat > 0) == tlab)
# Bayes accuracy: predict with the true reward; right with probability sigma(|Delta r*|).
bayes = np.mean(sigmoid(np.abs((T1 - T2) @ w_true)))
rel_err = np.linalg.norm(w_hat - w_true) / np.linalg.norm(w_true)
print(f"held-out accuracy {acc:.4f}, Bayes accuracy {bayes:.4f}, relative error of w {rel_err:.3f}")
assert abs(acc - bayes) < 0.015
assert rel_err < 0.1
# Adding a constant to every reward changes no label probability: the offset is not identified.
assert np.allclose(sigmoid((T1 @ w_hat + 3.0) - (T2 @ w_hat + 3.0)), sigmoid((T1 - T2) @ w_hat))

# %% [markdown]
# ## 2. Best-of-$n$ with a proxy fitted on 200 pairs
#
# For each $n\in\{1,2,4,\dots,1024\}$ we draw $n$ candidates $f\sim\mathcal N(0,I)$, pick the one
# the
# proxy likes best, and average its proxy and gold reward over 2000 repetitions.

# %%
ns = 2 ** np.arange(11)
reps = 2000


def best_of_n(proxy, gold, sample, rng):
    mean_proxy, mean_gold = [], []
    for n in ns:
        C = sample((reps, n), rng)  # (reps, n, features)
        pick = np.argmax(proxy(C), axis=1)
        chosen = C[np.arange(reps), pick]
        mean_proxy.append(proxy(chosen[:, None, :]).mean())
        mean_gold.append(gold(chosen).mean())
    return np.array(mean_proxy), np.array(mean_gold)


F1, F2, lab = make_pairs(200, rng)
w_small = fit(F1 - F2, lab)
print(
    "cosine(proxy, gold) =",
    round(w_small @ w_true / np.linalg.norm(w_small) / np.linalg.norm(w_true), 3),
)
proxyA, goldA = best_of_n(
    proxy=lambda C: C @ w_small,
    gold=lambda C: C @ w_true,
    sample=lambda shape, rng: rng.normal(size=(*shape, dim)),
    rng=rng,
)
kl_bon = np.log(ns) - (ns - 1) / ns
print("n       :", ns)
print("proxy   :", proxyA.round(2))
print("gold    :", goldA.round(2))
# Selecting with the gold reward itself (an oracle) is the best any selection can do.
_, goldOracle = best_of_n(
    proxy=lambda C: C @ w_true,
    gold=lambda C: C @ w_true,
    sample=lambda shape, rng: rng.normal(size=(*shape, dim)),
    rng=rng,
)
print("oracle  :", goldOracle.round(2))
assert np.all(np.diff(proxyA) > 0) and np.all(np.diff(goldA) > 0)  # both rise ...
assert np.all(goldA[3:] < goldOracle[3:])  # ... but the proxy's errors cost gold reward

# %% [markdown]
# **A spurious feature.** Now every response also has a length $\ell$.  The gold reward penalises
# extreme lengths, $r^\star(f,\ell)=w^\top f-0.3\,\ell^2$.  The proxy is linear in what it can see:
# only the first 5 of the 10 quality features, and $\ell$.  In the 200 preference pairs it learns
# from, longer responses were also the better ones ($\ell$ has correlation 0.8 with $w^\top f$), so
# length stands in for the quality the proxy cannot see and gets a positive weight.  At selection
# time length and quality are independent.


# %%
def sample_train(shape, rng):
    F = rng.normal(size=(*shape, dim))
    quality = F @ w_true / np.linalg.norm(w_true)
    length = 0.8 * quality + 0.6 * rng.normal(size=shape)
    return np.concatenate([F, length[..., None]], axis=-1)


def gold_len(C):
    return C[..., :dim] @ w_true - 0.3 * C[..., dim] ** 2


seen = [*range(5), dim]  # the features the proxy can see
A1, A2 = sample_train((200,), rng), sample_train((200,), rng)
labB = rng.random(200) < sigmoid(gold_len(A1) - gold_len(A2))
w_proxyB = fit((A1 - A2)[:, seen], labB)
print(f"proxy weight on length: {w_proxyB[-1]:.2f} (the gold reward only penalises length)")
assert w_proxyB[-1] > 0.3

proxyB, goldB = best_of_n(
    proxy=lambda C: C[..., seen] @ w_proxyB,
    gold=gold_len,
    sample=lambda shape, rng: rng.normal(size=(*shape, dim + 1)),
    rng=rng,
)
peak = int(np.argmax(goldB))
print("gold with the spurious feature:", goldB.round(2), " peak at n =", ns[peak])
assert np.all(np.diff(proxyB) > 0)  # the proxy keeps rising
assert 0 < peak < len(ns) - 1 and goldB[-1] < goldB[peak] - 0.2  # the gold rises, peaks, falls

# %% [markdown]
# ## 3. The KL of best-of-$n$
#
# If the proxy score $S$ of a candidate has a continuous CDF $F$, then $U=F(S)$ is uniform and the
# best of $n$ has $U_{\max}$ with density $nu^{n-1}$, so
# $D_{\mathrm{KL}}(\pi_{\mathrm{BoN}}\|\pi)=\mathbb{E}[\log(nU_{\max}^{n-1})]=\log n-(n-1)/n$.  We
# check it with the empirical
# CDF of 200,000 proxy scores.

# %%
ref_scores = np.sort(rng.normal(size=(200_000, dim)) @ w_small)
for n in (2, 16, 128):
    best = (rng.normal(size=(20_000, n, dim)) @ w_small).max(axis=1)
    U = np.clip(np.searchsorted(ref_scores, best) / len(ref_scores), 1e-12, 1.0)
    estimate = np.mean(np.log(n) + (n - 1) * np.log(U))
    print(f"n={n:3d}: Monte Carlo KL {estimate:.3f}, formula {np.log(n) - (n - 1) / n:.3f}")
    assert abs(estimate - (np.log(n) - (n - 1) / n)) < 0.05

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharex=True)
d = np.sqrt(kl_bon)
axes[0].plot(d, proxyA, "o-", label="proxy reward")
axes[0].plot(d, goldA, "s-", label="gold reward")
axes[0].set_title("proxy fitted on 200 pairs")
axes[1].plot(d, proxyB, "o-", label="proxy reward")
axes[1].plot(d, goldB, "s-", label="gold reward")
axes[1].set_title("proxy with a spurious length feature")
for ax in axes:
    ax.set_xlabel("√KL(best-of-n ‖ base),  n = 1 … 1024")
    ax.legend()
axes[0].set_ylabel("mean reward of the chosen candidate")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Reading the plots.** Left: selecting hard on an imperfect proxy still helps the gold reward,
# but less than the proxy claims. Right: once the proxy rewards something the gold reward does not
# want, harder selection helps at most a little at first (here only from $n=1$ to $n=2$, because
# length is the proxy's strongest feature) and then hurts steadily — the shape
# Gao et al. (2023) found for best-of-$n$, gold reward $\approx d(\alpha-\beta d)$ in
# $d=\sqrt{D_{\mathrm{KL}}}$.
