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
# # Lesson 8: group advantages, length bias, the $k_3$ estimator, GSPO and SAPO
#
# Numerical checks of the lesson (book chapter `ch:alignment-methods`):
#
# 1. the KL-regularised optimum $\pi^\star\propto\piref e^{r/\beta}$ on a three-response prompt;
# 2. GRPO versus Dr. GRPO advantages on groups with verifiable 0/1 rewards;
# 3. the length bias of the per-response $1/|y_i|$ aggregation, measured on a toy policy;
# 4. the $k_3$ KL estimator: unbiased and non-negative (by sampling);
# 5. the GSPO sequence ratio as a geometric mean of token ratios;
# 6. the SAPO gradient weight $\operatorname{sech}^2(\tau(r-1)/2)$.
#
# numpy only; every cell ends with `assert` statements.

# %%
import numpy as np

rng = np.random.default_rng(8)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The KL-regularised optimum
#
# For one prompt, $\max_\pi\E_\pi[r]-\beta\KL(\pi\|\piref)$ is maximised by
# $\pi^\star=\piref e^{r/\beta}/Z$ with value $\beta\log Z$ (Gibbs variational principle).
# Book example: $\piref=(0.5,0.3,0.2)$, $r=(0,1,2)$.

# %%
pi_ref = np.array([0.5, 0.3, 0.2])
rew = np.array([0.0, 1.0, 2.0])


def kl(p, q):
    return float(np.sum(p * np.log(p / q)))


def objective(p, beta):
    return float(p @ rew) - beta * kl(p, pi_ref)


table = {}
for beta in (0.5, 1.0, 2.0, 10.0):
    w = pi_ref * np.exp(rew / beta)
    Z = w.sum()
    pi_star = w / Z
    table[beta] = pi_star
    print(
        f"beta={beta:4}: pi*={pi_star}, E[r]={pi_star @ rew:.3f}, KL={kl(pi_star, pi_ref):.3f}, "
        f"beta log Z={beta * np.log(Z):.3f}"
    )
    assert np.isclose(objective(pi_star, beta), beta * np.log(Z))
    # no other policy does better: random candidates on the simplex
    cands = rng.dirichlet(np.ones(3), size=2000)
    assert max(objective(c, beta) for c in cands) <= beta * np.log(Z) + 1e-12
assert np.allclose(table[1.0], [0.179, 0.292, 0.529], atol=1e-3)
assert np.allclose(table[0.5], [0.037, 0.163, 0.801], atol=1e-3)

# %% [markdown]
# ## 2. GRPO and Dr. GRPO advantages on a sampled group
#
# A prompt whose responses are correct with probability $p$; a group of $G$ responses gets 0/1
# rewards. GRPO: $\Ahat_i=(r_i-\mean\mathbf r)/\std\mathbf r$ (population std here; implementations
# add a small constant and some use the $G-1$ std). Dr. GRPO: $\tilde A_i=r_i-\mean\mathbf r$.

# %%
G = 8


def grpo_adv(r, eps=1e-6):
    return (r - r.mean()) / (r.std() + eps)


def drgrpo_adv(r):
    return r - r.mean()


r = (rng.random(G) < 0.4).astype(float)
while r.min() == r.max():  # make sure the demo group is informative
    r = (rng.random(G) < 0.4).astype(float)
a_grpo, a_dr = grpo_adv(r), drgrpo_adv(r)
print("rewards      ", r)
print("GRPO         ", a_grpo)
print("Dr. GRPO     ", a_dr)
assert abs(a_grpo.mean()) < 1e-12 and abs(a_grpo.std() - 1) < 1e-5  # zero mean, unit std
assert abs(a_dr.mean()) < 1e-12 and np.isclose(a_dr.std(), r.std())  # zero mean, std of the rewards
assert np.allclose(a_grpo * (r.std() + 1e-6), a_dr)  # same direction, different scale
assert np.all(np.sign(a_grpo) == np.sign(a_dr))

# The book's group: 3 correct out of 8
r3 = np.array([1, 0, 0, 1, 0, 0, 0, 1.0])
assert np.allclose(grpo_adv(r3, 0)[[0, 1]], [1.291, -0.775], atol=1e-3)
assert np.allclose(drgrpo_adv(r3)[[0, 1]], [0.625, -0.375])
# leave-one-out: r_i - mean_{j != i} r_j = G/(G-1) (r_i - mean r)
loo = np.array([r3[i] - np.delete(r3, i).mean() for i in range(G)])
assert np.allclose(drgrpo_adv(r3), (G - 1) / G * loo)

# a group with all-equal rewards carries no signal (DAPO drops such groups)
assert np.all(grpo_adv(np.ones(G)) == 0) and np.all(drgrpo_adv(np.zeros(G)) == 0)

# %% [markdown]
# **Difficulty weighting.** With std normalisation a prompt's total weight $\sum_i|\Ahat_i|$ depends
# on its success fraction: for $k$ correct out of $G$ it is $2G\sqrt{p(1-p)}$ with $p=k/G$, against
# $2Gp(1-p)$ without. Relative to Dr. GRPO the factor is $1/\sqrt{p(1-p)}$: largest for
# nearly-solved and nearly-unsolved prompts.

# %%
print(" k   sum|A| GRPO   sum|A| Dr.GRPO   ratio")
ratios = []
for k in range(1, G):
    rk = np.array([1.0] * k + [0.0] * (G - k))
    s1, s2 = np.abs(grpo_adv(rk, 0)).sum(), np.abs(drgrpo_adv(rk)).sum()
    p = k / G
    assert np.isclose(s1, 2 * G * np.sqrt(p * (1 - p))) and np.isclose(s2, 2 * G * p * (1 - p))
    ratios.append(s1 / s2)
    print(f"{k}   {s1:8.3f}     {s2:8.3f}       {s1 / s2:.3f}")
assert (
    np.allclose(ratios, ratios[::-1]) and np.argmin(ratios) == G // 2 - 1
)  # symmetric, minimal at p=1/2

# %% [markdown]
# ## 3. The length bias of $1/|y_i|$ aggregation
#
# A toy policy that only decides the length: at every step it continues with probability
# $q=\sigma(\phi)$ and stops otherwise, so $|y|\sim$ Geometric. Correctness is independent of length
# (success probability $p$), so the true gradient of the expected reward with respect to $\phi$ is
# **zero**. The score of a response of length $L$ is $(L-1)(1-q)-q$.
#
# We estimate the expected update of $\phi$ contributed by correct and by incorrect responses under
# (a) GRPO aggregation $\frac1G\sum_i\frac{\Ahat_i}{|y_i|}\sum_t\nabla\log\pi$ and
# (b) Dr. GRPO aggregation $\frac{1}{G L_{\max}}\sum_i\tilde A_i\sum_t\nabla\log\pi$.

# %%
phi, p_correct, G, L_max, n_groups = 3.0, 0.3, 8, 200, 40000
q = 1 / (1 + np.exp(-phi))
L = np.minimum(rng.geometric(1 - q, size=(n_groups, G)), L_max)
truncated = L_max == L
score = (L - 1) * (1 - q) - q * (~truncated)  # truncated responses never emitted the stop token
R = (rng.random((n_groups, G)) < p_correct).astype(float)
mu, sd = R.mean(1, keepdims=True), R.std(1, keepdims=True)
A_grpo = np.where(sd > 0, (R - mu) / np.where(sd > 0, sd, 1), 0.0)
A_dr = R - mu

contrib = {
    "GRPO, correct": (A_grpo * score / L * (R == 1)).sum(1) / G,
    "GRPO, incorrect": (A_grpo * score / L * (R == 0)).sum(1) / G,
    "Dr.GRPO, correct": (A_dr * score * (R == 1)).sum(1) / (G * L_max),
    "Dr.GRPO, incorrect": (A_dr * score * (R == 0)).sum(1) / (G * L_max),
}
stats = {}
for name, v in contrib.items():
    m, se = v.mean(), v.std() / np.sqrt(n_groups)
    stats[name] = (m, se)
    print(f"{name:20s} mean update of phi = {m:+.3e}  (s.e. {se:.1e})")
# Correctness is independent of length here, so the two GRPO parts cancel on average; the bias is in
# what each part does to the length of its own responses.
# GRPO: correct answers push towards SHORTER responses, incorrect ones towards LONGER ones
assert stats["GRPO, correct"][0] < -5 * stats["GRPO, correct"][1]
assert stats["GRPO, incorrect"][0] > 5 * stats["GRPO, incorrect"][1]
# Dr. GRPO: no systematic length drift from either group
for name in ("Dr.GRPO, correct", "Dr.GRPO, incorrect"):
    assert abs(stats[name][0]) < 4 * stats[name][1]

# %% [markdown]
# The per-token weight itself: a correct response of 200 tokens versus an incorrect one of 50
# (book example, group with 3 of 8 correct).

# %%
w_correct, w_wrong = 1.291 / 200, -0.775 / 50
print(f"per-token weights: correct/200 tokens {w_correct:+.4f}, incorrect/50 tokens {w_wrong:+.4f}")
assert abs(w_wrong) / w_correct > 2  # the short wrong answer is pushed down twice as hard per token

# with a constant normaliser the per-token weight does not depend on the response's length


def per_token_weight(adv, length, mode):
    return adv / length if mode == "grpo" else adv / L_max


for length_c, length_w in ((200, 50), (50, 200), (100, 100)):
    dr = per_token_weight(-0.375, length_w, "dr") / per_token_weight(0.625, length_c, "dr")
    assert np.isclose(dr, -0.6)  # Dr. GRPO: only the advantages matter
print(
    "GRPO |w_wrong|/w_correct for lengths (200, 50), (50, 200):",
    [
        round(abs(per_token_weight(-0.775, lw, "grpo") / per_token_weight(1.291, lc, "grpo")), 3)
        for lc, lw in ((200, 50), (50, 200))
    ],
)

# %% [markdown]
# ## 4. The $k_3$ KL estimator
#
# For $a\sim q$ and $\rho=p(a)/q(a)$: $k_1=-\log\rho$, $k_2=\frac12(\log\rho)^2$,
# $k_3=\rho-1-\log\rho$. $k_3$ is unbiased for $\KL(q\|p)$ (since $\E_q[\rho]=1$) and non-negative
# (since $\log\rho\le\rho-1$). In GRPO $q=\pitheta$ and $p=\piref$ at one prefix.

# %%
V = 50
logits_ref = rng.normal(size=V)
p_ref = np.exp(logits_ref) / np.exp(logits_ref).sum()
for shift in (0.1, 0.5):
    logits_pol = logits_ref + shift * rng.normal(size=V)
    q_pol = np.exp(logits_pol) / np.exp(logits_pol).sum()
    true_kl = kl(q_pol, p_ref)
    a = rng.choice(V, size=200000, p=q_pol)
    rho = p_ref[a] / q_pol[a]
    k1, k2, k3 = -np.log(rho), 0.5 * np.log(rho) ** 2, rho - 1 - np.log(rho)
    se3 = k3.std() / np.sqrt(a.size)
    print(
        f"shift {shift}: KL={true_kl:.5f}  mean k1={k1.mean():.5f}  k2={k2.mean():.5f}  "
        f"k3={k3.mean():.5f}"
        f"  std k1={k1.std():.4f}  std k3={k3.std():.4f}  k1<0: {np.mean(k1 < 0):.2f}"
    )
    assert abs(k3.mean() - true_kl) < 4 * se3  # unbiased
    assert abs(k1.mean() - true_kl) < 4 * k1.std() / np.sqrt(a.size)  # k1 unbiased too
    assert np.all(k3 >= 0) and np.mean(k1 < 0) > 0.2  # k3 never negative, k1 often is
    assert k3.std() < k1.std()  # lower variance near q = p
    assert np.isclose(
        np.mean(rho), 1, atol=5 * rho.std() / np.sqrt(a.size)
    )  # the control variate has mean 1
    if shift == 0.5:  # k2 is biased once q and p differ noticeably
        assert abs(k2.mean() - true_kl) > 4 * k2.std() / np.sqrt(a.size)

# the book's token: pi_theta = 0.5, pi_ref = 0.4
rho = 0.4 / 0.5
assert np.isclose(rho - 1 - np.log(rho), 0.023, atol=5e-4) and np.isclose(
    -np.log(rho), 0.223, atol=5e-4
)

# %% [markdown]
# ## 5. The GSPO sequence ratio
#
# $s_i=(\pitheta(y_i|x)/\piold(y_i|x))^{1/|y_i|}=\exp(\frac1{|y_i|}\sum_t\log r_{i,t})$: the
# geometric mean of the token ratios. It lies between the smallest and largest token ratio, does not
# drift with length, and is $1$ on-policy.

# %%
for n_tok in (5, 50, 500):
    logp_old = np.log(rng.uniform(0.05, 0.95, size=n_tok))
    logp_new = logp_old + 0.05 * rng.normal(size=n_tok)
    tok_ratio = np.exp(logp_new - logp_old)
    s = np.exp(np.mean(logp_new - logp_old))
    seq_ratio = np.exp(logp_new.sum() - logp_old.sum())  # unnormalised sequence ratio
    assert np.isclose(s, np.prod(tok_ratio) ** (1 / n_tok))
    assert np.isclose(s, seq_ratio ** (1 / n_tok))
    assert tok_ratio.min() <= s <= tok_ratio.max()
    print(f"|y|={n_tok:4d}: s_i={s:.4f}   unnormalised ratio={seq_ratio:.4g}")
assert np.exp(np.mean(logp_old - logp_old)) == 1.0

# the book's response: log-ratios (0.1, -0.05, 0.2, 0.02)
lr = np.array([0.1, -0.05, 0.2, 0.02])
s = np.exp(lr.mean())
print(
    f"s_i = e^{lr.mean():.4f} = {s:.4f}; GSPO clip range [1-3e-4, 1+4e-4] -> clipped: "
    f"{not (1 - 3e-4 <= s <= 1 + 4e-4)}"
)
assert np.isclose(lr.mean(), 0.0675) and np.isclose(s, 1.070, atol=1e-3)
assert s > 1 + 4e-4  # outside GSPO's range: with A > 0 this whole response gets no gradient
assert list(np.exp(lr) > 1.2) == [
    False,
    False,
    True,
    False,
]  # GRPO (eps=0.2) would clip only token 3


# %% [markdown]
# ## 6. The SAPO gate
#
# $f(u)=\frac4\tau\sigma(\tau(u-1))$ replaces the clipped ratio. Its derivative is the gradient
# weight $w=f'(r)=4\sigma(1-\sigma)=\operatorname{sech}^2(\tau(r-1)/2)$, equal to $1$ at $r=1$ for
# every $\tau$.


# %%
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sapo_f(u, tau):
    return 4 / tau * sigmoid(tau * (u - 1))


def sapo_w(r, tau):
    return 1 / np.cosh(tau * (r - 1) / 2) ** 2


r_grid = np.linspace(0.05, 4, 400)
for tau in (0.5, 1.0, 1.05, 5.0):
    h = 1e-6
    fd = (sapo_f(r_grid + h, tau) - sapo_f(r_grid - h, tau)) / (2 * h)
    p = sigmoid(tau * (r_grid - 1))
    assert np.allclose(fd, sapo_w(r_grid, tau), atol=1e-7)
    assert np.allclose(4 * p * (1 - p), sapo_w(r_grid, tau))
    assert sapo_w(1.0, tau) == 1.0 and np.all(sapo_w(r_grid, tau) <= 1)
    assert np.allclose(sapo_w(1 + r_grid, tau), sapo_w(1 - r_grid, tau))  # symmetric in r - 1
vals = sapo_w(np.array([0.8, 1.2, 1.5, 2.0, 3.0]), 1.0)
print("tau=1: w at r=0.8,1.2,1.5,2,3 ->", vals)
assert np.allclose(vals, [0.990, 0.990, 0.940, 0.786, 0.420], atol=1e-3)
# tau_neg = 1.05 > tau_pos = 1.0: negative-advantage tokens are damped a little faster off-policy
assert sapo_w(2.0, 1.05) < sapo_w(2.0, 1.0)
# bounded attenuation below r = 1 (r > 0): w >= sech^2(tau/2)
assert np.all(sapo_w(r_grid[r_grid < 1], 1.0) >= 1 / np.cosh(0.5) ** 2)
# the hard PPO gate for A > 0 with eps = 0.2: 1 inside, 0 beyond 1.2 - SAPO never reaches 0
hard = (r_grid <= 1.2).astype(float)
assert hard[r_grid > 1.2].max() == 0 and sapo_w(r_grid, 1.0).min() > 0.1
