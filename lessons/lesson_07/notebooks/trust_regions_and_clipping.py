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
# # Lesson 7: clipping surfaces, the performance difference lemma and a TRPO step
#
# This notebook checks three results of the lesson (book chapter `ch:bounded-optimization`)
# numerically:
#
# 1. **PPO clipping.** The per-sample objective
#    $\ell(r,A)=\min(rA,\operatorname{clip}(r,1-\epsilon,1+\epsilon)A)$ and its derivative in $r$
#    for $A>0$ and $A<0$: where the gradient vanishes, and that $\ell\le rA$.
# 2. **Performance difference lemma.** On the two-state chain of the book and on a random MDP,
#    $\eta(\tilde\pi)-\eta(\pi)=\sum_s d^{\tilde\pi}(s)\sum_a\tilde\pi(a|s)A^\pi(s,a)$ exactly, the
#    surrogate $L_\pi$ is off by the occupancy shift, and the TRPO error bound holds.
# 3. **A TRPO step.** For a small softmax policy: conjugate gradient with Fisher-vector products
#    returns $F^{-1}g$, and the natural step $\sqrt{2\delta/(g^\top F^{-1}g)}\,F^{-1}g$ has average
#    KL close to $\delta$.
#
# Only numpy is needed; every cell ends with `assert` statements.

# %%
import numpy as np

rng = np.random.default_rng(7)
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. The clipped objective and its gradient
#
# Per sample, with ratio $r$ and advantage $A$: $\ell(r,A)=A\min(r,1+\epsilon)$ if $A>0$ and
# $A\max(r,1-\epsilon)$ if $A<0$. We compare the closed form with the definition, and a
# finite-difference derivative with the predicted one: $\partial\ell/\partial r=A$ except for
# $A>0,r>1+\epsilon$ and $A<0,r<1-\epsilon$, where it is $0$.

# %%
EPS = 0.2


def ppo_obj(r, A, eps=EPS):
    return np.minimum(r * A, np.clip(r, 1 - eps, 1 + eps) * A)


def ppo_obj_cases(r, A, eps=EPS):
    return np.where(A > 0, A * np.minimum(r, 1 + eps), A * np.maximum(r, 1 - eps))


def ppo_grad_pred(r, A, eps=EPS):
    dead = ((A > 0) & (r > 1 + eps)) | ((A < 0) & (r < 1 - eps))
    return np.where(dead, 0.0, A)


# a grid of ratios that avoids the two kinks at 1 +- eps
r = np.linspace(0.05, 2.5, 2000)
r = r[(np.abs(r - 0.8) > 1e-3) & (np.abs(r - 1.2) > 1e-3)]
h = 1e-6
for A in (+1.0, -1.0, +2.5, -0.7):
    Av = np.full_like(r, A)
    fd = (ppo_obj(r + h, Av) - ppo_obj(r - h, Av)) / (2 * h)
    assert np.allclose(ppo_obj(r, Av), ppo_obj_cases(r, Av))
    assert np.allclose(fd, ppo_grad_pred(r, Av), atol=1e-6)
    assert np.all(ppo_obj(r, Av) <= r * A + 1e-12)  # pessimism: never above the unclipped surrogate

# where exactly is the gradient zero?
zero_pos = r[ppo_grad_pred(r, np.full_like(r, 1.0)) == 0]
zero_neg = r[ppo_grad_pred(r, np.full_like(r, -1.0)) == 0]
print(f"A>0: gradient zero for r in [{zero_pos.min():.3f}, {zero_pos.max():.3f}]")
print(f"A<0: gradient zero for r in [{zero_neg.min():.3f}, {zero_neg.max():.3f}]")
assert zero_pos.min() > 1 + EPS and zero_neg.max() < 1 - EPS
# the "wrong-direction" side keeps the full gradient: A>0 with r<1-eps, A<0 with r>1+eps
assert ppo_grad_pred(np.array([0.5]), np.array([1.0]))[0] == 1.0
assert ppo_grad_pred(np.array([1.5]), np.array([-1.0]))[0] == -1.0

# %% [markdown]
# The five samples of the book's example "Clipping by numbers" ($\epsilon=0.2$):

# %%
samples = np.array([[1.10, 2], [1.35, 2], [0.70, 2], [0.70, -1], [1.35, -1]])
rs, As = samples[:, 0], samples[:, 1]
table = np.column_stack([rs, As, rs * As, ppo_obj(rs, As), ppo_grad_pred(rs, As)])
print("   r      A     rA    l(r,A)  dl/dr")
print(table)
assert np.allclose(ppo_obj(rs, As), [2.20, 2.40, 1.40, -0.80, -1.35])
assert np.allclose(ppo_grad_pred(rs, As), [2, 0, 2, 0, -1])

# %% [markdown]
# The surfaces themselves, drawn inline below the cell.

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
rr = np.linspace(0, 2, 401)
for ax, A in zip(axes, (1.0, -1.0), strict=True):
    ax.plot(rr, rr * A, "--", color="gray", label="$rA$")
    ax.plot(rr, ppo_obj(rr, np.full_like(rr, A)), lw=2.5, label=r"$\ell(r,A)$")
    ax.plot(rr, ppo_grad_pred(rr, np.full_like(rr, A)), lw=1.5, label=r"$\partial\ell/\partial r$")
    ax.axvline(1 - EPS, ls=":", color="k")
    ax.axvline(1 + EPS, ls=":", color="k")
    ax.set_title(f"A = {A:+.0f}")
    ax.set_xlabel("ratio r")
    ax.legend(fontsize=8)
fig.tight_layout()
assert len(fig.axes) == 2 and all(len(ax.lines) == 5 for ax in fig.axes)
plt.show()


# %% [markdown]
# ## 2. The performance difference lemma
#
# Exact policy evaluation for a finite MDP: $V^\pi=(I-\gamma P_\pi)^{-1}r_\pi$ and the unnormalised
# occupancy $d^\pi=\mu(I-\gamma P_\pi)^{-1}$ (row vector).


# %%
def evaluate(P, R, pi, mu, gamma):
    """P[s,a,s'], R[s,a], pi[s,a]. Returns eta, V, Q, A, d (unnormalised occupancy)."""
    nS = P.shape[0]
    P_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sa->s", pi, R)
    M = np.eye(nS) - gamma * P_pi
    V = np.linalg.solve(M, r_pi)
    Q = R + gamma * P @ V
    A = Q - V[:, None]
    d = np.linalg.solve(M.T, mu)  # d = mu (I - gamma P_pi)^{-1}
    return mu @ V, V, Q, A, d


# The two-state chain of the book: actions (stay, move), reward 1 in s2, start in s1, gamma = 1/2.
P2 = np.zeros((2, 2, 2))
P2[0, 0, 0] = P2[0, 1, 1] = P2[1, 0, 1] = P2[1, 1, 0] = 1.0
R2 = np.array([[0.0, 0.0], [1.0, 1.0]])
mu2 = np.array([1.0, 0.0])
pi_old = np.full((2, 2), 0.5)
pi_new = np.array([[0.2, 0.8], [0.5, 0.5]])
eta0, V0, Q0, A0, d0 = evaluate(P2, R2, pi_old, mu2, 0.5)
eta1, _, _, _, d1 = evaluate(P2, R2, pi_new, mu2, 0.5)
abar = (pi_new * A0).sum(1)
print("V_pi =", V0, " A_pi =", A0, " d_pi =", d0, " d_new =", d1)
assert np.allclose(V0, [0.5, 1.5]) and np.isclose(eta0, 0.5)
assert np.allclose(A0, [[-0.25, 0.25], [0.25, -0.25]])
assert np.allclose(d0, [1.5, 0.5]) and np.allclose(d1, [30 / 23, 16 / 23])
assert np.isclose(eta1, 16 / 23)
assert np.isclose(eta1 - eta0, d1 @ abar)  # the lemma, exactly: 4.5/23
L = eta0 + d0 @ abar  # the surrogate uses the OLD occupancy
print(f"eta(new) = {eta1:.4f}, surrogate L = {L:.4f}, error = {eta1 - L:+.4f}")
assert np.isclose(L, 0.725)
assert np.isclose(eta1 - L, (d1 - d0) @ abar)  # error = occupancy shift x expected advantage


# %% [markdown]
# A random MDP (6 states, 3 actions). We check the lemma in both forms (unnormalised occupancy
# without a prefactor, normalised occupancy with $1/(1-\gamma)$), and the TRPO bound
# $|\eta(\tilde\pi)-L_\pi(\tilde\pi)|\le 4\epsilon\gamma\alpha^2/(1-\gamma)^2$ with
# $\alpha=\max_s D_{TV}$ and $\epsilon=\max_{s,a}|A^\pi|$, for policies at several distances.


# %%
def random_mdp(nS, nA, rng):
    P = rng.dirichlet(np.ones(nS), size=(nS, nA))
    R = rng.uniform(0, 1, size=(nS, nA))
    mu = rng.dirichlet(np.ones(nS))
    return P, R, mu


def softmax(z, axis=-1):
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


nS, nA, gamma = 6, 3, 0.9
P, R, mu = random_mdp(nS, nA, rng)
logits = rng.normal(size=(nS, nA))
pi = softmax(logits)
eta_pi, V, Q, A, d = evaluate(P, R, pi, mu, gamma)
assert np.allclose((pi * A).sum(1), 0)  # the advantage has mean zero under its own policy
assert np.isclose(d.sum(), 1 / (1 - gamma))

eps_adv = np.abs(A).max()
rows = []
direction = rng.normal(size=(nS, nA))  # one fixed direction in logit space, scaled
for scale in (0.01, 0.02, 0.04, 0.5, 1.0, 3.0):
    pi_t = softmax(logits + scale * direction)
    eta_t, _, _, _, d_t = evaluate(P, R, pi_t, mu, gamma)
    abar = (pi_t * A).sum(1)
    pdl_rho = d_t @ abar
    pdl_norm = ((1 - gamma) * d_t) @ abar / (1 - gamma)
    assert np.isclose(eta_t - eta_pi, pdl_rho) and np.isclose(pdl_rho, pdl_norm)
    L_t = eta_pi + d @ abar
    alpha = 0.5 * np.abs(pi_t - pi).sum(1).max()
    bound = 4 * eps_adv * gamma * alpha**2 / (1 - gamma) ** 2
    assert abs(eta_t - L_t) <= bound
    rows.append((scale, alpha, eta_t - eta_pi, L_t - eta_pi, abs(eta_t - L_t), bound))
print(" scale   TV_max   true gain  surrogate gain  |error|    TRPO bound")
for row in rows:
    print("{:6.2f}  {:7.4f}  {:+10.5f}  {:+12.5f}  {:9.2e}  {:9.2e}".format(*row))
# the error is second order: doubling a small step multiplies it by about four
errs = np.array([row[4] for row in rows[:3]])
print("error ratios for doubled steps:", errs[1:] / errs[:-1])
assert np.all(np.abs(errs[1:] / errs[:-1] - 4) < 0.3)

# %% [markdown]
# ## 3. One TRPO step on a small softmax policy
#
# Parametrise each state's logits with the last logit fixed at $0$ (so the Fisher matrix is positive
# definite; with all logits free, $F\mathbf 1=0$ per state). Then
# $\nabla_\theta\log\pi(a|s)=(e_a-\pi(\cdot|s))$ restricted to the free coordinates, the policy
# gradient is $g=\sum_s d^\pi(s)\sum_a\pi(a|s)\nabla\log\pi(a|s)A^\pi(s,a)$, and the average Fisher
# matrix under the normalised occupancy $\bar d^\pi=(1-\gamma)d^\pi$ is
# $F=\sum_s\bar d^\pi(s)\,J_s^\top(\operatorname{diag}\pi_s-\pi_s\pi_s^\top)J_s$.

# %%
nF = nA - 1  # free logits per state


def policy(theta):
    z = np.concatenate([theta.reshape(nS, nF), np.zeros((nS, 1))], axis=1)
    return softmax(z)


def grad_and_fvp(theta):
    pi = policy(theta)
    eta, _V, _Q, A, d = evaluate(P, R, pi, mu, gamma)
    dbar = (1 - gamma) * d
    # g_s = sum_a pi(a|s) A(s,a) (e_a - pi_s), keep the free coordinates
    g = np.stack([d[s] * (pi[s] * A[s]) @ (np.eye(nA) - pi[s])[:, :nF] for s in range(nS)]).ravel()

    def fvp(v):
        v = v.reshape(nS, nF)
        out = np.zeros_like(v)
        for s in range(nS):
            Hs = np.diag(pi[s]) - np.outer(pi[s], pi[s])
            out[s] = dbar[s] * (Hs[:nF, :nF] @ v[s])
        return out.ravel()

    return eta, g, fvp


def conjugate_gradient(fvp, g, iters=10, tol=1e-12):
    x = np.zeros_like(g)
    r = g.copy()
    p = g.copy()
    rr = r @ r
    for _ in range(iters):
        z = fvp(p)
        a = rr / (p @ z)
        x += a * p
        r -= a * z
        rr_new = r @ r
        if rr_new < tol:
            break
        p = r + (rr_new / rr) * p
        rr = rr_new
    return x


theta0 = rng.normal(size=nS * nF)
eta0, g, fvp = grad_and_fvp(theta0)
n = g.size
F = np.column_stack([fvp(e) for e in np.eye(n)])  # only to check; TRPO never forms F
assert np.allclose(F, F.T) and np.linalg.eigvalsh(F).min() > 0

# the gradient is right: compare with finite differences of eta
fd = np.array(
    [
        (grad_and_fvp(theta0 + 1e-6 * e)[0] - grad_and_fvp(theta0 - 1e-6 * e)[0]) / 2e-6
        for e in np.eye(n)
    ]
)
assert np.allclose(fd, g, atol=1e-7)

x_cg = conjugate_gradient(fvp, g, iters=n)
x_exact = np.linalg.solve(F, g)
print("CG:   ", x_cg[:6])
print("solve:", x_exact[:6])
assert np.allclose(x_cg, x_exact, rtol=1e-6, atol=1e-8)  # n iterations: exact up to round-off
# fewer iterations already align well with F^{-1} g
x5 = conjugate_gradient(fvp, g, iters=5)
cos5 = x5 @ x_exact / np.linalg.norm(x5) / np.linalg.norm(x_exact)
print(f"cosine(CG with 5 of {n} iterations, F^-1 g) = {cos5:.4f}")
assert cos5 > 0.9


# %% [markdown]
# The natural step for a KL radius $\delta$, and the exact average KL
# $\bar D_{KL}=\sum_s\bar d^{\pi_{\rm old}}(s)\,D_{KL}(\pi_{\rm old}(\cdot|s)\|\pi_\theta(\cdot|s))$
# it produces. The quadratic model predicts exactly $\delta$; the true KL approaches $\delta$ as
# $\delta\to0$.


# %%
def avg_kl(theta_old, theta):
    p, q = policy(theta_old), policy(theta)
    dbar = (1 - gamma) * evaluate(P, R, p, mu, gamma)[4]
    return dbar @ (p * np.log(p / q)).sum(1)


shs = x_cg @ fvp(x_cg)  # = g^T F^{-1} g, one more Fisher-vector product
assert np.isclose(shs, g @ x_exact)
print(" delta     avg KL   KL/delta   eta gain   predicted gain")
ratios = []
for delta in (0.1, 0.03, 0.01, 0.001, 1e-4):
    step = np.sqrt(2 * delta / shs) * x_cg
    assert np.isclose(0.5 * step @ fvp(step), delta)  # on the boundary of the quadratic model
    kl = avg_kl(theta0, theta0 + step)
    gain = grad_and_fvp(theta0 + step)[0] - eta0
    pred = g @ step  # = sqrt(2 delta g^T F^-1 g)
    ratios.append(kl / delta)
    print(f"{delta:6.4f}  {kl:9.6f}  {kl / delta:7.4f}  {gain:+9.5f}  {pred:+9.5f}")
    assert gain > 0
assert abs(ratios[-1] - 1) < 0.01 and abs(ratios[-2] - 1) < 0.03
assert abs(ratios[-1] - 1) < abs(ratios[0] - 1)


# %% [markdown]
# A backtracking line search (shrink factor $b=1/2$): accept the first candidate whose surrogate
# improves and whose exact average KL is at most $\delta$; keep the old parameters if none is
# accepted.


# %%
def surrogate_gain(theta_old, theta):
    p_old = policy(theta_old)
    _eta, _V, _Q, A, d = evaluate(P, R, p_old, mu, gamma)
    return d @ (policy(theta) * A).sum(1)  # L(theta) - eta(old)


def line_search(theta_old, full_step, delta, gain_fn, kl_fn, b=0.5, max_backtracks=10):
    for j in range(max_backtracks):
        cand = theta_old + b**j * full_step
        if gain_fn(theta_old, cand) > 0 and kl_fn(theta_old, cand) <= delta:
            return cand, j
    return theta_old, None


delta = 0.05
theta1, j = line_search(theta0, np.sqrt(2 * delta / shs) * x_cg, delta, surrogate_gain, avg_kl)
print(
    f"accepted after {j} halvings: KL = {avg_kl(theta0, theta1):.4f}, gain = "
    f"{grad_and_fvp(theta1)[0] - eta0:+.4f}"
)
assert j is not None and avg_kl(theta0, theta1) <= delta and grad_and_fvp(theta1)[0] > eta0

# %% [markdown]
# ## 4. The Bernoulli example of the book
#
# One-step problem, $\pi_\theta(a{=}1)=\sigma(\theta)=p$, reward 1 for $a=1$: $g=F=p(1-p)$, the
# natural direction is $F^{-1}g=1$ and the step is $\sqrt{2\delta/F}$.


# %%
def sig(t):
    return 1 / (1 + np.exp(-t))


def kl_bern(p, q):
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


delta = 0.01
out = {}
for p in (0.5, 0.1):
    th = np.log(p / (1 - p))
    Fp = p * (1 - p)
    step = np.sqrt(2 * delta / Fp)
    p_new = sig(th + step)
    out[p] = (step, p_new, kl_bern(p, p_new))
    print(f"p={p}: step={step:.3f}  new p={p_new:.3f}  KL={kl_bern(p, p_new):.5f}")
assert np.allclose(out[0.5], (0.283, 0.570, 0.00997), atol=6e-4)
assert np.allclose(out[0.1], (0.471, 0.151, 0.01134), atol=6e-4)
# at p = 0.1 the quadratic model is optimistic (KL > delta): the same line search halves the step
# once
th0 = np.array([np.log(0.1 / 0.9)])


def bern_gain(t_old, t):
    return sig(t[0]) - sig(t_old[0])  # eta = p, exact here


def bern_kl(t_old, t):
    return kl_bern(sig(t_old[0]), sig(t[0]))


th1, j = line_search(th0, np.array([out[0.1][0]]), delta, bern_gain, bern_kl)
p_half = sig(th1[0])
print(
    f"accepted after {j} halving(s): step={th1[0] - th0[0]:.3f} new p={p_half:.3f} "
    f"KL={kl_bern(0.1, p_half):.4f}"
)
assert out[0.1][2] > delta and j == 1
assert np.isclose(p_half, 0.123, atol=1e-3) and np.isclose(kl_bern(0.1, p_half), 0.0027, atol=1e-4)
