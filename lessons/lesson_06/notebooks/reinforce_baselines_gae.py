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
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 6 — REINFORCE, baselines and GAE, checked numerically
#
# This notebook checks the main results of Lesson 6 (Book Chapter 3):
#
# 1. the score-function (REINFORCE) estimator on a softmax bandit is **unbiased**: its average
#    matches the exact gradient $\partial J/\partial\theta_a=\pi_a(\bar R(a)-\sum_b\pi_b\bar R(b))$;
# 2. subtracting a baseline keeps it unbiased and **reduces its variance**; the measured variance
#    matches the quadratic of Book Theorem 3.16, minimised by
#    $b^\star=\E[\lVert g\rVert^2R]/\E\lVert g\rVert^2$;
# 3. group baselines: leave-one-out is unbiased, the plain group mean shrinks the gradient by
#    $(G-1)/G$ (Book Proposition 3.18);
# 4. in a short training run the baseline makes learning faster;
# 5. the policy gradient theorem on the two-state MDP of Lesson 5 gives
#    $\partial J/\partial\theta=950/484\approx1.963$, equal to a finite difference;
# 6. GAE: the backward recursion, the direct sum $\sum_l(\gamma\lambda)^l\delta_{t+l}$ and the
#    average of $n$-step estimates agree (Book §3.8 worked example and Exercise 3.5).
#
# Plain numpy, fixed seeds, a few seconds.  Every code cell ends with `assert` statements.

# %%
import numpy as np

rng = np.random.default_rng(7)
np.set_printoptions(precision=4, suppress=True)
assert rng.random() < 1.0

# %% [markdown]
# ## 1. A five-armed bandit with a softmax policy
#
# Arm $a$ pays $R=\bar R(a)+\varepsilon$ with $\varepsilon\sim\mathcal N(0,s^2)$. The mean rewards
# are all around $5$ — like a reward model whose scores have an arbitrary offset. The policy is
# $\pi=\operatorname{softmax}(\theta)$ and the score of arm $a$ with respect to the logits is
# $g(a)=e_a-\pi$ (Book Example 3.5).

# %%
R_bar = np.array([5.0, 5.5, 4.0, 6.0, 4.5])
noise_sd = 1.0
K = R_bar.size
theta = np.array([0.5, 0.0, 1.0, -0.5, 0.2])


def softmax(z):
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()


pi = softmax(theta)
J = pi @ R_bar
exact_grad = pi * (R_bar - J)  # Book Exercise 3.2
scores = np.eye(K) - pi  # row a = grad_theta log pi(a) = e_a - pi
print("pi =", pi, " J =", round(J, 4))
print("exact gradient =", exact_grad)
assert np.allclose(pi @ scores, 0)  # the score has zero mean
assert np.allclose(pi @ (scores * R_bar[:, None]), exact_grad)  # E[R g] = grad J

# %% [markdown]
# ## 2. Unbiasedness and variance of single-sample estimators
#
# For a constant baseline $b$ the single-sample estimator is $\hat g(b)=(R-b)\,g(a)$, $a\sim\pi$.
# Its exact total variance is
# $\E\lVert\hat g(b)\rVert^2-\lVert\nabla J\rVert^2$ with
# $\E\lVert\hat g(b)\rVert^2=\sum_a\pi_a\lVert g(a)\rVert^2\big((\bar R(a)-b)^2+s^2\big)$.
# We draw $M=400\,000$ samples and compare the mean with the exact gradient and the spread with
# the exact variance, for $b=0$, $b=\E R=J$ and the optimal $b^\star$.

# %%
g2 = (scores**2).sum(axis=1)  # ||g(a)||^2 for each arm
ER2 = R_bar**2 + noise_sd**2  # E[R^2 | a]


def exact_total_variance(b):
    return pi @ (g2 * ((R_bar - b) ** 2 + noise_sd**2)) - exact_grad @ exact_grad


b_star = (pi * g2) @ R_bar / (pi @ g2)  # E[||g||^2 R] / E[||g||^2]

M = 400_000
arms = rng.choice(K, size=M, p=pi)
R = R_bar[arms] + noise_sd * rng.standard_normal(M)
G = scores[arms]  # M x K scores

results = {}
for name, b in [("no baseline", 0.0), ("b = E R", J), ("optimal b*", b_star)]:
    est = (R - b)[:, None] * G
    mean = est.mean(axis=0)
    se = est.std(axis=0) / np.sqrt(M)
    var_meas = ((est - exact_grad) ** 2).sum(axis=1).mean()
    results[name] = (b, mean, se, var_meas, exact_total_variance(b))
    print(
        f"{name:12s} b={b:6.3f}  max |mean - grad|/se = "
        f"{np.max(np.abs(mean - exact_grad) / se):4.2f}"
        f"   total variance: measured {var_meas:8.4f}  exact {exact_total_variance(b):8.4f}"
    )

for name, (_b, mean, se, var_meas, var_exact) in results.items():
    assert np.all(np.abs(mean - exact_grad) < 5 * se), name  # unbiased, for every baseline
    assert abs(var_meas / var_exact - 1) < 0.03, name  # variance formula confirmed

v0, vmean, vstar = (results[k][4] for k in ["no baseline", "b = E R", "optimal b*"])
print(f"variance reduction: E R baseline {v0 / vmean:.1f}x, optimal baseline {v0 / vstar:.1f}x")
assert v0 > 10 * vmean  # the mean-reward baseline removes most of the variance
assert vstar <= vmean + 1e-12  # and b* is (slightly) better still

# %% [markdown]
# ### The variance is a parabola in $b$
#
# Book Theorem 3.16: the excess variance over the optimum is
# $\E\lVert g\rVert^2\,(b-b^\star)^2$.  We check this on a grid of baselines.

# %%
bs = np.linspace(-2, 10, 25)
var_curve = np.array([exact_total_variance(b) for b in bs])
Eg2 = pi @ g2
assert np.allclose(var_curve - exact_total_variance(b_star), Eg2 * (bs - b_star) ** 2)
assert np.argmin(var_curve) == np.argmin(np.abs(bs - b_star))
print(f"b* = {b_star:.4f} (mean reward J = {J:.4f}), E||g||^2 = {Eg2:.4f}")

# %% [markdown]
# ## 3. Group baselines: leave-one-out vs group mean
#
# Sample $G=4$ arms per "prompt" and use the other samples as the baseline.  Leave-one-out,
# $b_i=\frac1{G-1}\sum_{j\neq i}R_j$, is unbiased; the plain group mean $\bar R$ gives
# $(1-\frac1G)\nabla J$.  Both have far lower variance than no baseline.

# %%
Gsize, n_groups = 4, 200_000
arms_g = rng.choice(K, size=(n_groups, Gsize), p=pi)
R_g = R_bar[arms_g] + noise_sd * rng.standard_normal((n_groups, Gsize))
S_g = scores[arms_g]  # n_groups x G x K
R_mean = R_g.mean(axis=1, keepdims=True)
loo = (R_g.sum(axis=1, keepdims=True) - R_g) / (Gsize - 1)

est_none = (R_g[..., None] * S_g).mean(axis=1)
est_loo = ((R_g - loo)[..., None] * S_g).mean(axis=1)
est_mean = ((R_g - R_mean)[..., None] * S_g).mean(axis=1)
for name, est in [("none", est_none), ("leave-one-out", est_loo), ("group mean", est_mean)]:
    print(
        f"{name:14s} mean {est.mean(axis=0)}  total var "
        f"{((est - est.mean(axis=0)) ** 2).sum(axis=1).mean():.4f}"
    )

se_loo = est_loo.std(axis=0) / np.sqrt(n_groups)
se_mean = est_mean.std(axis=0) / np.sqrt(n_groups)
assert np.all(np.abs(est_loo.mean(axis=0) - exact_grad) < 5 * se_loo)
assert np.all(np.abs(est_mean.mean(axis=0) - (1 - 1 / Gsize) * exact_grad) < 5 * se_mean)
assert np.allclose(R_g - loo, Gsize / (Gsize - 1) * (R_g - R_mean))  # the two differ by G/(G-1)
var_none = ((est_none - est_none.mean(axis=0)) ** 2).sum(axis=1).mean()
var_loo = ((est_loo - est_loo.mean(axis=0)) ** 2).sum(axis=1).mean()
assert var_none > 10 * var_loo

# %% [markdown]
# ## 4. Learning with and without a baseline
#
# Gradient ascent on $\theta$ from uniform logits, batches of $8$ samples, step size $0.05$,
# $300$ steps, $20$ seeds.  "Baseline" uses the leave-one-out mean of the batch.  The optimal arm
# is arm 3 ($\bar R=6$).


# %%
def train(use_baseline, seed, steps=300, batch=8, lr=0.05):
    r = np.random.default_rng(seed)
    th = np.zeros(K)
    for _ in range(steps):
        p = softmax(th)
        a = r.choice(K, size=batch, p=p)
        rew = R_bar[a] + noise_sd * r.standard_normal(batch)
        if use_baseline:
            rew = rew - (rew.sum() - rew) / (batch - 1)
        grad = (rew[:, None] * (np.eye(K)[a] - p)).mean(axis=0)
        th += lr * grad
    return softmax(th) @ R_bar


final_plain = np.array([train(False, s) for s in range(20)])
final_base = np.array([train(True, s) for s in range(20)])
print(f"final J without baseline: mean {final_plain.mean():.3f}  (min {final_plain.min():.3f})")
print(f"final J with baseline:    mean {final_base.mean():.3f}  (min {final_base.min():.3f})")
print(f"optimum {R_bar.max()}, uniform policy {R_bar.mean()}")
assert final_base.mean() > final_plain.mean()
assert final_base.mean() > 5.7
assert final_base.std() < final_plain.std()  # and far more reliably across seeds

# %% [markdown]
# ## 5. The policy gradient theorem on the two-state MDP (Book Example 3.12)
#
# The two-state MDP of Lesson 5 with $\pi_\theta(b\mid1)=\sigma(\theta)$ and action $a$ in state 2.
# At $\theta=0$ the occupancy form gives
# $\partial J/\partial\theta=d^\pi(1)\cdot\frac14\,(Q^\pi(1,b)-Q^\pi(1,a))=950/484$. We compare with
# a central finite difference of $J(\theta)=V^{\pi_\theta}(1)$ computed by solving the Bellman
# equation exactly.

# %%
gamma = 0.9
P = np.zeros((2, 2, 2))
P[0, 0] = [1.0, 0.0]
P[0, 1] = [0.2, 0.8]
P[1, 0] = [0.1, 0.9]
P[1, 1] = [1.0, 0.0]
r = np.array([[0.0, -1.0], [2.0, 0.0]])
mu = np.array([1.0, 0.0])


def policy_of(th):
    pb = 1 / (1 + np.exp(-th))
    return np.array([[1 - pb, pb], [1.0, 0.0]])


def evaluate(pol):
    P_pi = np.einsum("sa,sat->st", pol, P)
    r_pi = (pol * r).sum(axis=1)
    M_inv = np.linalg.inv(np.eye(2) - gamma * P_pi)
    V = M_inv @ r_pi
    return V, r + gamma * P @ V, mu @ M_inv


V, Q, d = evaluate(policy_of(0.0))
dpi_dtheta = np.array([[-0.25, 0.25], [0.0, 0.0]])  # derivative of pi(.|s) at theta = 0
pg = (d[:, None] * dpi_dtheta * Q).sum()  # sum_s d(s) sum_a grad pi(a|s) Q(s,a)
eps = 1e-5
fd = (evaluate(policy_of(eps))[0][0] - evaluate(policy_of(-eps))[0][0]) / (2 * eps)
print(
    f"policy gradient theorem: {pg:.6f}   finite difference: {fd:.6f}   950/484 = {950 / 484:.6f}"
)
assert np.isclose(pg, 950 / 484) and np.isclose(fd, pg, atol=1e-6)

# with a state baseline V(s) the sum is unchanged (sum_a grad pi(a|s) = 0)
pg_adv = (d[:, None] * dpi_dtheta * (Q - V[:, None])).sum()
assert np.isclose(pg_adv, pg)

# %% [markdown]
# ## 6. Generalised advantage estimation
#
# The worked example of Book §3.8.1: rewards $(1,0,2)$, critic $V=(2.0,1.5,1.0,0)$ with terminal
# $s_3$, $\gamma=0.9$, $\lambda=0.8$.  The book's table gives $\hat A=(0.4364,0.12,1.00)$ for
# $\lambda=0.8$, $(0.35,-0.60,1.00)$ for $\lambda=0$ and $(0.62,0.30,1.00)$ for $\lambda=1$.


# %%
def gae_backward(rewards, values, gamma, lam):
    """values has length T+1 (V(s_T) = 0 if terminal)."""
    T = len(rewards)
    adv = np.zeros(T)
    running = 0.0
    for t in reversed(range(T)):
        delta = rewards[t] + gamma * values[t + 1] - values[t]
        running = delta + gamma * lam * running
        adv[t] = running
    return adv


def gae_direct(rewards, values, gamma, lam):
    T = len(rewards)
    deltas = rewards + gamma * values[1:] - values[:-1]
    return np.array(
        [sum((gamma * lam) ** i * deltas[t + i] for i in range(T - t)) for t in range(T)]
    )


def gae_nstep_average(rewards, values, gamma, lam):
    """(1-lam) sum_n lam^(n-1) A^(n) with the remaining mass lam^(T-t-1) on the longest estimate."""
    T = len(rewards)
    out = np.zeros(T)
    for t in range(T):

        def A_n(n, t=t):
            return (
                sum(gamma**i * rewards[t + i] for i in range(n))
                + gamma**n * values[t + n]
                - values[t]
            )

        L = T - t
        out[t] = sum((1 - lam) * lam ** (n - 1) * A_n(n) for n in range(1, L)) + lam ** (
            L - 1
        ) * A_n(L)
    return out


rews = np.array([1.0, 0.0, 2.0])
vals = np.array([2.0, 1.5, 1.0, 0.0])
A08 = gae_backward(rews, vals, 0.9, 0.8)
print(
    "lambda=0.8:",
    A08,
    " lambda=0:",
    gae_backward(rews, vals, 0.9, 0.0),
    " lambda=1:",
    gae_backward(rews, vals, 0.9, 1.0),
)
returns = np.array([sum(0.9**i * rews[t + i] for i in range(3 - t)) for t in range(3)])
assert np.allclose(A08, [0.4364, 0.12, 1.00])
assert np.allclose(
    gae_backward(rews, vals, 0.9, 0.0), rews + 0.9 * vals[1:] - vals[:-1]
)  # TD errors
assert np.allclose(gae_backward(rews, vals, 0.9, 1.0), returns - vals[:-1])  # Monte Carlo advantage
assert np.allclose(A08 + vals[:-1], [2.4364, 1.62, 2.00])  # value targets (lambda-returns)

# %% [markdown]
# ### A random longer trajectory
#
# On a random trajectory of length $T=50$ (rewards and critic values drawn at random, the
# segment cut with a non-zero bootstrap value $V(s_T)$), the three formulas agree for several
# $(\gamma,\lambda)$.

# %%
T = 50
rews = rng.normal(size=T)
vals = rng.normal(size=T + 1)
for gam, lam in [(0.99, 0.95), (1.0, 0.9), (0.9, 0.0), (0.97, 1.0)]:
    a1 = gae_backward(rews, vals, gam, lam)
    a2 = gae_direct(rews, vals, gam, lam)
    a3 = gae_nstep_average(rews, vals, gam, lam)
    assert np.allclose(a1, a2) and np.allclose(a1, a3), (gam, lam)
print("backward recursion = direct sum = n-step average on T = 50 for all tested (gamma, lambda)")
