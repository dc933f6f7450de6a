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
# # Lesson 5 — Monte Carlo, importance sampling and policy evaluation
#
# This notebook checks numerically the main results of Lesson 5 (Book Chapter 2):
#
# 1. the Monte Carlo estimator is unbiased with variance $\sigma^2/N$ (Book §2.2);
# 2. importance sampling (IS) is unbiased, its variance is
#    $\frac1N(\E_p[wf^2]-\mu^2)$, and the weights' second moment is
#    $\E_q[w^2]=1+\chi^2(p\,\|\,q)$ (Book §2.3);
# 3. the effective sample size $N_{\mathrm{eff}}/N$ approaches $1/\E_q[w^2]$ and collapses
#    for trajectory weights, whose second moment grows like $(1+\chi^2)^T$;
# 4. on the two-state MDP of Book §2.7, $V^\pi=(I-\gamma P_\pi)^{-1}r_\pi=(125/11,175/11)$,
#    the occupancy has mass $1/(1-\gamma)$, and TD(0) run on sampled transitions converges
#    to $V^\pi$ (Book §2.8);
# 5. the TD target has the same mean as the Monte Carlo return but a smaller variance.
#
# Everything is plain numpy with fixed seeds and runs in a few seconds.  Every code cell
# ends with `assert` statements on the result it demonstrates.

# %%
import numpy as np

rng = np.random.default_rng(2024)
np.set_printoptions(precision=4, suppress=True)
assert rng.random() < 1.0

# %% [markdown]
# ## 1. Plain Monte Carlo: unbiased, variance $\sigma^2/N$
#
# Target $p=\mathcal N(0,1)$ and $f(x)=x^2$, so $\mu=\E_p[f]=1$ and
# $\sigma^2=\Var_p(x^2)=\E[x^4]-1=2$.  We repeat the estimator with $N=100$ samples
# $M=20\,000$ times and compare the spread of the estimates with $\sigma/\sqrt N$.

# %%
N, M = 100, 20_000
x = rng.standard_normal((M, N))
mc = (x**2).mean(axis=1)  # M independent Monte Carlo estimates
print(f"mean of estimates {mc.mean():.4f}   (mu = 1)")
print(f"std of estimates  {mc.std():.4f}   (sigma/sqrt(N) = {np.sqrt(2 / N):.4f})")

# the average of M estimates has standard error sqrt(2/N/M) ~ 0.001
assert abs(mc.mean() - 1.0) < 5 * np.sqrt(2 / N / M)
assert abs(mc.std() / np.sqrt(2 / N) - 1.0) < 0.03

# %% [markdown]
# ## 2. Importance sampling on a discrete distribution (Book Exercise 2.2)
#
# $p=(0.1,0.9)$, $q=(0.5,0.5)$ on $\{0,1\}$ and $f(x)=x$.  Exact values:
# $\mu=0.9$; one plain sample has variance $0.9\cdot0.1=0.09$; one IS sample has variance
# $\E_p[wf^2]-\mu^2=0.9\cdot1.8-0.81=0.81$ — nine times worse.  The optimal proposal
# $q^\star\propto|f|p$ puts all its mass on $x=1$ and has zero variance.

# %%
p = np.array([0.1, 0.9])
q = np.array([0.5, 0.5])
f = np.array([0.0, 1.0])
w = p / q

mu = p @ f
var_mc = p @ f**2 - mu**2
var_is = p @ (w * f**2) - mu**2  # eq. (is-variance), second form
print(f"mu={mu:.3f}  Var(plain)={var_mc:.3f}  Var(IS)={var_is:.3f}")

# simulation with many samples from q
xs = rng.choice(2, size=2_000_000, p=q)
is_terms = w[xs] * f[xs]
print(f"IS estimate {is_terms.mean():.4f}, sample variance per draw {is_terms.var():.4f}")

q_star = np.abs(f) * p / (np.abs(f) * p).sum()
w_star = np.divide(p, q_star, out=np.zeros_like(p), where=q_star > 0)
xs_star = rng.choice(2, size=1000, p=q_star)
print("optimal proposal", q_star, "-> all IS terms equal", np.unique(w_star[xs_star] * f[xs_star]))

assert np.isclose(mu, 0.9) and np.isclose(var_mc, 0.09) and np.isclose(var_is, 0.81)
assert abs(is_terms.mean() - mu) < 5 * np.sqrt(var_is / xs.size)  # unbiased
assert abs(is_terms.var() - var_is) < 0.01
assert np.allclose(w_star[xs_star] * f[xs_star], mu)  # zero variance

# %% [markdown]
# ## 3. Gaussian proposals: $\E_q[w^2]=s^2/\sqrt{2s^2-1}$ and the effective sample size
#
# Target $p=\mathcal N(0,1)$, proposal $q=\mathcal N(0,s^2)$ (Book
# Example 2.12).  For $f\equiv1$ the IS estimator estimates $\E_p[1]=1$; the
# per-sample variance is $\E_q[w^2]-1=\chi^2(p\,\|\,q)$, finite only for $s^2>\tfrac12$.
# (We test the formula for $s^2\ge0.8$: for $s^2<\tfrac34$ the fourth moment of the weights is
# infinite, so even the *sample estimate* of $\E_q[w^2]$ is unreliable.)
# We also measure $N_{\mathrm{eff}}=(\sum w_i)^2/\sum w_i^2$, which should approach
# $N/\E_q[w^2]$.


# %%
def log_normal_pdf(x, var):
    return -0.5 * x**2 / var - 0.5 * np.log(2 * np.pi * var)


def is_weights(s2, n, rng):
    x = rng.normal(0.0, np.sqrt(s2), size=n)
    return np.exp(log_normal_pdf(x, 1.0) - log_normal_pdf(x, s2))


def ess(w):
    return w.sum() ** 2 / (w**2).sum()


n = 1_000_000
print(" s^2    mean(w)   E_q[w^2] (MC)   formula    N_eff/N   1/E_q[w^2]")
rows = {}
for s2 in [1.0, 1.5, 3.0, 0.8]:
    wts = is_weights(s2, n, rng)
    exact = s2 / np.sqrt(2 * s2 - 1)
    rows[s2] = (wts.mean(), (wts**2).mean(), exact, ess(wts) / n)
    print(
        f"{s2:4.1f}  {wts.mean():8.4f}  {(wts**2).mean():12.4f}  {exact:10.4f}  "
        f"{ess(wts) / n:8.4f}  {1 / exact:8.4f}"
    )

for m1, m2, exact, ess_frac in rows.values():
    assert abs(m1 - 1.0) < 0.01  # unbiased: E_q[w] = 1
    assert abs(m2 / exact - 1.0) < 0.05  # second moment matches 1 + chi^2
    assert abs(ess_frac * exact - 1.0) < 0.05  # N_eff / N -> 1 / E_q[w^2]
assert rows[1.0][3] > 0.999  # no mismatch: every sample counts

# %% [markdown]
# ### Below $s^2=\tfrac12$ the variance is infinite
#
# With $s^2=0.3$ the weights are still unbiased ($\E_q[w]=1$), but $\E_q[w^2]=\infty$: the
# sample second moment never settles, and a few huge weights dominate.  We show this over
# 20 independent runs of size $N=10^5$: the fraction of the total weight carried by the single
# largest weight, and $N_{\mathrm{eff}}/N$, compared with a healthy proposal.


# %%
def diagnostics(s2, n, runs, rng):
    out = []
    for _ in range(runs):
        wts = is_weights(s2, n, rng)
        out.append((wts.mean(), wts.max() / wts.sum(), ess(wts) / n))
    return np.array(out)


good = diagnostics(1.5, 100_000, 20, rng)
bad = diagnostics(0.3, 100_000, 20, rng)
print(
    f"s^2=1.5: spread of estimates {good[:, 0].std():.4f}, max weight share "
    f"{good[:, 1].max():.2e}, median N_eff/N {np.median(good[:, 2]):.3f}"
)
print(
    f"s^2=0.3: spread of estimates {bad[:, 0].std():.4f}, max weight share {bad[:, 1].max():.2e}, "
    f"median N_eff/N {np.median(bad[:, 2]):.3f}"
)

assert np.median(bad[:, 2]) < 0.2 * np.median(good[:, 2])  # effective samples collapse
assert bad[:, 1].max() > 1000 * good[:, 1].max()  # one sample carries a large share
assert bad[:, 0].std() > 10 * good[:, 0].std()  # estimates scatter much more

# %% [markdown]
# ## 4. Trajectory weights grow exponentially with the horizon
#
# Two actions; the data were collected with $\pi'=(0.5,0.5)$ and we want expectations under
# $\pi=(0.6,0.4)$.  Per step $\chi^2(\pi\,\|\,\pi')=0.04$; for a trajectory of length $T$ whose
# per-step actions are independent, $\E[w(\tau)^2]=(1.04)^T$ exactly (Book
# Proposition 2.13 gives this as a lower bound in general).  The effective sample size of
# $N=20\,000$ trajectories shrinks accordingly.  Note that for long horizons even the
# *Monte Carlo estimate* of $\E[w^2]$ falls short of the exact value: the mass of the second
# moment sits on rare trajectories with enormous weights that a finite sample seldom contains.

# %%
pi = np.array([0.6, 0.4])
pi_b = np.array([0.5, 0.5])
chi2 = ((pi - pi_b) ** 2 / pi_b).sum()
n_traj = 20_000
print(f"per-step chi^2 = {chi2:.3f}")
print("  T   E[w^2] exact   E[w^2] MC    N_eff/N   1/E[w^2]")
ess_by_T = {}
for T in [1, 10, 25, 50, 100]:
    acts = rng.choice(2, size=(n_traj, T), p=pi_b)
    wtraj = np.prod(pi[acts] / pi_b[acts], axis=1)
    exact = (1 + chi2) ** T
    ess_by_T[T] = ess(wtraj) / n_traj
    print(f"{T:3d}  {exact:12.3f}  {(wtraj**2).mean():10.3f}  {ess_by_T[T]:8.3f}  {1 / exact:8.3f}")

assert np.isclose(chi2, 0.04)
assert abs(ess_by_T[10] * 1.04**10 - 1) < 0.05
assert abs(ess_by_T[25] * 1.04**25 - 1) < 0.1
assert ess_by_T[100] < 0.05  # fewer than 5% of the trajectories effectively count

# %% [markdown]
# ## 5. The two-state MDP of Book §2.7: closed form
#
# States $1,2$ (indices 0, 1 below); actions stay ($a$) and switch ($b$); $\gamma=0.9$.
# The policy plays $a,b$ with probability $\frac12$ each in state 1 and always $a$ in state 2.
# The book computes $V^\pi=(125/11,175/11)\approx(11.36,15.91)$, occupancy
# $d^\pi=(38/11,72/11)$ from state 1, and the advantages $A^\pi(1,b)=-A^\pi(1,a)=12.5/11$.

# %%
gamma = 0.9
# P[s, a, s'] and r[s, a]; action 0 = stay (a), 1 = switch (b)
P = np.zeros((2, 2, 2))
P[0, 0] = [1.0, 0.0]
P[0, 1] = [0.2, 0.8]
P[1, 0] = [0.1, 0.9]
P[1, 1] = [1.0, 0.0]
r = np.array([[0.0, -1.0], [2.0, 0.0]])
policy = np.array([[0.5, 0.5], [1.0, 0.0]])  # policy[s, a]

P_pi = np.einsum("sa,sat->st", policy, P)
r_pi = (policy * r).sum(axis=1)
M_inv = np.linalg.inv(np.eye(2) - gamma * P_pi)
V = M_inv @ r_pi
Q = r + gamma * P @ V
A = Q - V[:, None]
d = np.array([1.0, 0.0]) @ M_inv  # occupancy from s0 = state 1
print("P_pi =\n", P_pi, "\nr_pi =", r_pi)
print("V =", V, " Q =\n", Q, "\nA(1,.) =", A[0], " d =", d, " mass", d.sum())

assert np.allclose(V, [125 / 11, 175 / 11])
assert np.allclose(V, r_pi + gamma * P_pi @ V)  # Bellman expectation equation
assert np.allclose((policy * A).sum(axis=1), 0)  # advantages average to zero
assert np.allclose(A[0], [-12.5 / 11, 12.5 / 11])
assert np.allclose(d, [38 / 11, 72 / 11]) and np.isclose(d.sum(), 1 / (1 - gamma))
assert np.isclose(d @ r_pi, V[0])  # J = sum_s d(s) r_pi(s)

# %% [markdown]
# ### Iterating the Bellman operator
#
# $V_{k+1}=r_\pi+\gamma P_\pi V_k$ converges from $V_0=0$ at rate $\gamma^k$ in the max norm
# (Book Lemma 2.26).

# %%
Vk = np.zeros(2)
errs = []
for _k in range(60):
    errs.append(np.abs(Vk - V).max())
    Vk = r_pi + gamma * P_pi @ Vk
errs = np.array(errs)
print("errors at k = 0, 10, 30, 59:", errs[[0, 10, 30, 59]])
assert np.all(errs <= gamma ** np.arange(60) * errs[0] + 1e-12)

# %% [markdown]
# ## 6. TD(0) from sampled transitions converges to $V^\pi$
#
# We run the policy in the MDP for $4\times10^5$ steps (one long continuing trajectory) and
# apply $V(s_t)\leftarrow V(s_t)+\alpha_n\delta_t$ with
# $\delta_t=r_t+\gamma V(s_{t+1})-V(s_t)$ and a per-state step size
# $\alpha_n=(n+1)^{-0.7}$ after $n$ visits (it satisfies $\sum\alpha=\infty$,
# $\sum\alpha^2<\infty$).


# %%
def run_td0(steps, rng, V0=(0.0, 0.0)):
    Vtd = np.array(V0, dtype=float)
    visits = np.zeros(2)
    s = 0
    acts = rng.random(steps)
    trans = rng.random(steps)
    history = []
    for t in range(steps):
        a = 0 if acts[t] < policy[s, 0] else 1
        s_next = 0 if trans[t] < P[s, a, 0] else 1
        delta = r[s, a] + gamma * Vtd[s_next] - Vtd[s]
        visits[s] += 1
        Vtd[s] += visits[s] ** -0.7 * delta
        s = s_next
        if (t + 1) % 50_000 == 0:
            history.append(Vtd.copy())
    return Vtd, np.array(history)


V_td, hist = run_td0(400_000, rng)
print("TD(0) estimate:", V_td, "  exact:", V)
print("max error every 50k steps:", np.abs(hist - V).max(axis=1))
assert np.abs(V_td - V).max() < 0.15
assert np.abs(hist[-1] - V).max() < np.abs(hist[0] - V).max()

# %% [markdown]
# ## 7. TD targets are Rao–Blackwellised returns (Book Proposition 2.29)
#
# From state 1, the Monte Carlo target is the return $R_0$ and the TD target (with the exact
# $V^\pi$) is $r_0+\gamma V^\pi(s_1)$.  Both have mean $V^\pi(1)$; the TD target has far smaller
# variance because everything after $s_1$ has been averaged out.  (Returns are truncated at
# 300 steps; the neglected tail is at most $\gamma^{300}\cdot 2/(1-\gamma)<10^{-12}$.)


# %%
def sample_returns(n_ep, horizon, rng):
    s = np.zeros(n_ep, dtype=int)
    G = np.zeros(n_ep)
    td_target = np.zeros(n_ep)
    disc = 1.0
    for t in range(horizon):
        a = (rng.random(n_ep) >= policy[s, 0]).astype(int)
        s_next = (rng.random(n_ep) >= P[s, a, 0]).astype(int)
        G += disc * r[s, a]
        if t == 0:
            td_target = r[s, a] + gamma * V[s_next]
        disc *= gamma
        s = s_next
    return G, td_target


G, td_target = sample_returns(100_000, 300, rng)
print(f"MC return:  mean {G.mean():.3f}  var {G.var():.2f}")
print(f"TD target:  mean {td_target.mean():.3f}  var {td_target.var():.2f}   (V(1) = {V[0]:.3f})")
assert abs(G.mean() - V[0]) < 5 * G.std() / np.sqrt(G.size)
assert abs(td_target.mean() - V[0]) < 5 * td_target.std() / np.sqrt(td_target.size)
assert td_target.var() < 0.5 * G.var()
