"""Recompute the worked numbers of the book's newer sections and of its solutions appendix.

Each test derives a printed number independently (numpy, exact enumeration or numerical
integration) and checks that the book source prints it, so an edit of either side is caught.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

CHAPTERS = Path(__file__).resolve().parents[1] / "materials" / "book" / "chapters"


def _src(name: str) -> str:
    return " ".join((CHAPTERS / f"{name}.tex").read_text(encoding="utf-8").split())


def _printed(name: str, *snippets: str) -> None:
    text = _src(name)
    missing = [s for s in snippets if s not in text]
    assert not missing, f"{name}.tex does not print {missing}"


# ------------------------------------------------------------------ Chapter 2: concentration


def test_pass_rate_bounds() -> None:
    n = 100
    assert round(math.sqrt(math.log(40) / (2 * n)), 3) == 0.136  # two-sided Hoeffding, 30/100
    hoeffding = math.sqrt(math.log(20) / (2 * n))  # one-sided, 0/100
    bernstein = 8 * math.log(20) / (3 * n)
    exact = 1 - 0.05 ** (1 / n)
    wilson = 1.645**2 / (n + 1.645**2)
    assert [round(x, 3) for x in (hoeffding, bernstein, exact, wilson)] == [
        0.122,
        0.080,
        0.030,
        0.026,
    ]
    assert round(0.98**100, 2) == 0.13
    # The exact bound is what it claims: (1 - p)^100 = 0.05 at p = exact.
    assert math.isclose((1 - exact) ** n, 0.05)
    # Bernstein's one-sided tail at p = bound, with sigma^2 = p(1-p) <= p and c <= 1, is <= 0.05.
    p = bernstein
    assert math.exp(-n * p**2 / (2 * p * (1 - p) + 2 * p / 3)) <= 0.05 + 1e-12
    _printed("rl-fundamentals", r"\pm0.136", "$0.122$", "$0.080$", "$0.030$", "$0.026$")


def test_hoeffding_and_bernstein_hold_by_simulation() -> None:
    rng = np.random.default_rng(0)
    n, p, eps, reps = 50, 0.1, 0.08, 200_000
    means = rng.binomial(n, p, size=reps) / n
    freq = np.mean(means - p >= eps)
    assert freq <= math.exp(-2 * n * eps**2)
    sigma2, c = p * (1 - p), 1 - p
    assert freq <= math.exp(-n * eps**2 / (2 * sigma2 + 2 * c * eps / 3))


def test_truncated_importance_sampling_example() -> None:
    # Target N(0,1), proposal N(0,1/2): w = sqrt(1/2) exp(x^2/2), E_q[w^2] = infinity.
    x = np.linspace(-30, 30, 2_000_001)
    dx = x[1] - x[0]
    p = np.exp(-(x**2) / 2) / math.sqrt(2 * math.pi)
    w = math.sqrt(0.5) * np.exp(x**2 / 2)
    out = {}
    for cap in (2.0, 10.0):
        mean = float(np.sum(p * np.minimum(w, cap) / w) * dx)  # E_q[min(w,C)] = E_p[min(w,C)/w]
        second = float(np.sum(p * np.minimum(w, cap) ** 2 / w) * dx)
        tail = float(np.sum(p * (w > cap)) * dx)
        out[cap] = (mean, mean - 1, second - mean**2, tail)
        assert abs(mean - 1) <= tail  # Proposition: |bias| <= P_p(w > C)
        assert second <= cap * 1.0 + 1e-9  # Proposition: E_q[min(w,C)^2] <= C E_p[f^2]
    assert [round(v, 3) for v in out[2.0]] == [0.934, -0.066, 0.108, 0.149]
    assert [round(out[10.0][1], 3), round(out[10.0][2], 3)] == [-0.010, 0.432]
    _printed(
        "rl-fundamentals",
        "mean $0.934$ (bias $-0.066$",
        "$\\Prob_p(w>2)=0.149$) and variance $0.108$",
        "the bias is $-0.010$ and the variance $0.432$",
    )


# ------------------------------------------------------ Chapter 4: finite-horizon trust region


def _finite_mdp(
    rng: np.random.Generator, n_s: int, n_a: int, horizon: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    P = rng.dirichlet(np.ones(n_s), size=(n_s, n_a))
    r = rng.uniform(0, 1, size=(n_s, n_a))
    mu = rng.dirichlet(np.ones(n_s))
    return P, r, mu


def _evaluate(
    P: np.ndarray, r: np.ndarray, mu: np.ndarray, pi: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward induction: V_t, Q_t for a time-dependent policy pi[t, s, a]; forward d_t."""
    n_s = r.shape[0]
    V = np.zeros((horizon + 1, n_s))
    Q = np.zeros((horizon, *r.shape))
    for t in reversed(range(horizon)):
        Q[t] = r + P @ V[t + 1]
        V[t] = np.sum(pi[t] * Q[t], axis=1)
    d = np.zeros((horizon, n_s))
    d[0] = mu
    for t in range(horizon - 1):
        d[t + 1] = np.einsum("s,sa,sap->p", d[t], pi[t], P)
    return V, Q, d


@pytest.mark.parametrize("seed", range(20))
def test_finite_horizon_pdl_and_trust_region_bound(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_s, n_a, horizon = 4, 3, 6
    P, r, mu = _finite_mdp(rng, n_s, n_a, horizon)
    pi = rng.dirichlet(np.ones(n_a), size=(horizon, n_s))
    new = 0.7 * pi + 0.3 * rng.dirichlet(np.ones(n_a), size=(horizon, n_s))
    V, Q, d = _evaluate(P, r, mu, pi, horizon)
    Vn, _, dn = _evaluate(P, r, mu, new, horizon)
    A = Q - V[:-1, :, None]
    J, Jn = mu @ V[0], mu @ Vn[0]
    abar = np.sum(new * A, axis=2)
    assert math.isclose(Jn - J, float(np.sum(dn * abar)), abs_tol=1e-12)  # Lemma (PDL, finite H)
    L = J + float(np.sum(d * abar))
    alpha = float(np.max(0.5 * np.abs(new - pi).sum(axis=2)))
    eps = float(np.max(np.abs(A)))
    for t in range(horizon):
        assert np.abs(dn[t] - d[t]).sum() <= 2 * alpha * t + 1e-12  # drift lemma
    assert abs(Jn - L) <= 2 * eps * horizon * (horizon - 1) * alpha**2 + 1e-12
    kl = float(np.max(np.sum(pi * np.log(pi / new), axis=2)))
    assert Jn >= L - eps * horizon * (horizon - 1) * kl - 1e-12


def test_reinforce_pp_keeps_the_ppo_clip() -> None:
    # REINFORCE++ (arXiv:2501.03262, Section 3) adopts PPO's clipped token-ratio objective.
    _printed(
        "alignment-methods",
        "& PPO clip on token ratios &",
        "from PPO they keep the clipped token-ratio objective",
    )
    _printed(
        "bounded-optimization", "which is, up to the constant $J(\\pi)$, the token-level surrogate"
    )


def test_two_token_example() -> None:
    # H = 2, tokens {a, b}, reward 1 for (b, b); old policy uniform, new plays b w.p. 0.6.
    def J(q: float) -> float:
        return q * q

    old, new = 0.5, 0.6
    v1b, v0 = old, old * old  # V_1((b)) and V_0
    a0b, a1b = v1b - v0, 1 - v1b  # advantages of b at t=0 and after b
    abar0 = new * a0b + (1 - new) * (-a0b)
    abar1 = new * a1b + (1 - new) * (-a1b)
    L = J(old) + abar0 + old * abar1
    alpha, eps = new - old, max(a0b, a1b)
    bound = 2 * eps * 2 * 1 * alpha**2
    assert [round(x, 4) for x in (J(old), J(new), abar0, abar1, L, J(new) - L, bound)] == [
        0.25,
        0.36,
        0.05,
        0.1,
        0.35,
        0.01,
        0.02,
    ]
    _printed(
        "bounded-optimization",
        "$L_\\pi(\\tilde\\pi)=0.25+0.05+0.5\\cdot0.1=0.35$",
        "$2\\cdot0.5\\cdot2\\cdot1\\cdot0.01=0.02$",
    )


# -------------------------------------------- Chapter 5: KL placement and estimator gradients


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    out: np.ndarray = e / e.sum()
    return out


def _kl_gradients(z: np.ndarray, ref: np.ndarray) -> dict[str, np.ndarray]:
    """Exact expected gradients (w.r.t. the logits z[t, prefix, :]) of a 2-token, 2-word
    softmax policy; prefixes: index 0 is the empty prefix, 1 + y1 the prefix (y1,)."""

    def policy(zz: np.ndarray) -> np.ndarray:
        return np.stack([_softmax(row) for row in zz.reshape(3, 2)])

    pi = policy(z)

    def seq_kl(zz: np.ndarray) -> float:
        q = policy(zz)
        return float(
            sum(
                q[0, a]
                * q[1 + a, b]
                * (math.log(q[0, a] / ref[0, a]) + math.log(q[1 + a, b] / ref[1 + a, b]))
                for a, b in itertools.product(range(2), repeat=2)
            )
        )

    true = np.zeros(6)
    for k in range(6):
        e = np.zeros(6)
        e[k] = 1e-6
        true[k] = (seq_kl(z + e) - seq_kl(z - e)) / 2e-6

    def score(prefix: int, a: int) -> np.ndarray:
        g = np.zeros((3, 2))
        g[prefix] = -pi[prefix]
        g[prefix, a] += 1
        return g.ravel()

    out = {k: np.zeros(6) for k in ("reward_k1", "reward_k3", "loss_k1", "loss_k2", "loss_k3")}
    for a, b in itertools.product(range(2), repeat=2):
        prob = pi[0, a] * pi[1 + a, b]
        steps = [(0, a), (1 + a, b)]
        ell = [math.log(pi[s, x] / ref[s, x]) for s, x in steps]
        k1 = ell
        k3 = [math.exp(-v) - 1 + v for v in ell]
        for t, (s, x) in enumerate(steps):
            g = score(s, x)
            out["reward_k1"] += prob * g * sum(k1[t:])
            out["reward_k3"] += prob * g * sum(k3[t:])
            out["loss_k1"] += prob * g  # grad k1 = score
            out["loss_k2"] += prob * g * ell[t]
            out["loss_k3"] += prob * g * (1 - math.exp(-ell[t]))
    out["true"] = true
    # local (prefix held fixed) reverse and forward KL gradients, averaged over visited prefixes
    local_rev, local_fwd = np.zeros(6), np.zeros(6)
    visit = [1.0, pi[0, 0], pi[0, 1]]
    for s in range(3):
        g = np.zeros((3, 2))
        kl = float(np.sum(pi[s] * np.log(pi[s] / ref[s])))
        g[s] = pi[s] * (np.log(pi[s] / ref[s]) - kl)
        local_rev += visit[s] * g.ravel()
        g = np.zeros((3, 2))
        g[s] = pi[s] - ref[s]
        local_fwd += visit[s] * g.ravel()
    out["local_rev"], out["local_fwd"] = local_rev, local_fwd
    return out


@pytest.mark.parametrize("seed", range(10))
def test_kl_placements_give_the_stated_gradients(seed: int) -> None:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=6)
    ref = rng.dirichlet(np.ones(2), size=3)
    g = _kl_gradients(z, ref)
    assert np.allclose(g["reward_k1"], g["true"], atol=1e-7)  # (i) exact
    assert np.allclose(g["reward_k3"], g["true"] - g["local_fwd"], atol=1e-7)  # (ii)
    assert np.allclose(g["loss_k1"], 0, atol=1e-12)  # (iv)
    assert np.allclose(g["loss_k2"], g["local_rev"], atol=1e-12)  # (v)
    assert np.allclose(g["loss_k3"], g["local_fwd"], atol=1e-12)  # (vi)
    # the difference is the look-ahead term: score of the first token times the KL it leads to
    pi0 = _softmax(z[:2])
    look = np.zeros(6)
    for a in range(2):
        q = _softmax(z[2 + 2 * a : 4 + 2 * a])
        score = np.zeros(6)
        score[:2] = -pi0
        score[a] += 1
        look += pi0[a] * score * float(np.sum(q * np.log(q / ref[1 + a])))
    assert np.allclose(g["true"], g["local_rev"] + look, atol=1e-7)


def test_kl_lookahead_example() -> None:
    kl_b = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    assert round(kl_b, 3) == 0.511 and round(0.25 * kl_b, 3) == 0.128
    pi, ref = np.array([0.5, 0.5]), np.array([0.8, 0.2])
    kl = float(np.sum(pi * np.log(pi / ref)))
    assert np.round(pi * (np.log(pi / ref) - kl), 3).tolist() == [-0.347, 0.347]
    assert np.round(pi - ref, 3).tolist() == [-0.3, 0.3]
    _printed("alignment-methods", "=0.128$", "(-0.347,0.347)", "(-0.3,0.3)")


def test_kl_lookahead_full_sequence_kl() -> None:
    """The example's K is the first-prefix KL plus pi(b) * 0.511, not pi(b) * 0.511 alone;
    the first term has zero gradient at pi = pi_ref, so dK/dz_b = 0.128 at z = 0."""
    ref0, ref_after_b = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    kl_b = float(np.sum(0.5 * np.log(0.5 / ref_after_b)))

    def seq_kl(z: np.ndarray) -> float:
        q = _softmax(z)
        return float(np.sum(q * np.log(q / ref0))) + float(q[1]) * kl_b

    z, h = np.zeros(2), 1e-6
    grad = [(seq_kl(z + h * e) - seq_kl(z - h * e)) / (2 * h) for e in np.eye(2)]
    assert np.round(grad, 3).tolist() == [-0.128, 0.128]
    # away from pi = pi_ref the first-prefix KL matters: K differs from pi(b) * 0.511
    z1 = np.array([0.0, 1.0])
    assert seq_kl(z1) - float(_softmax(z1)[1]) * kl_b > 0.05
    _printed("alignment-methods", "$\\mathcal K=D_1(x)+\\pitheta(b)\\cdot0.511$")


def _paths(n_s: int, n_a: int, horizon: int) -> list[tuple[list[int], list[int]]]:
    paths = []
    for states in itertools.product(range(n_s), repeat=horizon):
        for actions in itertools.product(range(n_a), repeat=horizon):
            paths.append((list(states), list(actions)))
    return paths


@pytest.mark.parametrize("seed", range(5))
def test_per_token_weight_is_biased_and_per_decision_weight_is_not(seed: int) -> None:
    """Section 5.16: the per-token TIS weight keeps only the last factor of the per-decision
    weight w_{0:t}; per-decision IS is exact, the per-token surrogate errs within the bound of
    Theorem 4.24 with the inference policy as the old and the trainer's policy as the new one."""
    rng = np.random.default_rng(100 + seed)
    n_s, n_a, horizon = 2, 2, 3
    P, r, mu = _finite_mdp(rng, n_s, n_a, horizon)
    infer = rng.dirichlet(np.ones(n_a), size=(horizon, n_s))  # the sampler
    train = 0.6 * infer + 0.4 * rng.dirichlet(np.ones(n_a), size=(horizon, n_s))  # the target
    V_i, Q_i, _ = _evaluate(P, r, mu, infer, horizon)
    V_t, _, _ = _evaluate(P, r, mu, train, horizon)
    A_i = Q_i - V_i[:-1, :, None]
    per_decision, per_token = 0.0, 0.0
    for states, actions in _paths(n_s, n_a, horizon):
        prob = mu[states[0]]
        for t in range(horizon):
            prob *= infer[t, states[t], actions[t]]
            if t + 1 < horizon:
                prob *= P[states[t], actions[t], states[t + 1]]
        if prob == 0:
            continue
        w = 1.0
        for t in range(horizon):
            s, a = states[t], actions[t]
            ratio = train[t, s, a] / infer[t, s, a]
            w *= ratio
            per_decision += prob * w * r[s, a]
            per_token += prob * ratio * A_i[t, s, a]
    J_train = float(mu @ V_t[0])
    assert math.isclose(per_decision, J_train, rel_tol=1e-10)  # Proposition 2.37
    surrogate = float(mu @ V_i[0]) + per_token
    alpha = float(np.max(0.5 * np.abs(train - infer).sum(axis=2)))
    eps = float(np.max(np.abs(A_i)))
    gap = abs(J_train - surrogate)
    assert gap > 1e-6  # the per-token weight alone is not exact
    assert gap <= 2 * eps * horizon * (horizon - 1) * alpha**2 + 1e-12
    _printed("alignment-methods", "it keeps only the last factor")


# ------------------------------------------------------------------ Appendix A: solutions


def test_solutions_chapter_2_numbers() -> None:
    assert round((math.exp(9) - 1) / 0.01, -4) == 810_000  # Exercise 2.3
    P = {
        (1, "a"): {1: 1.0},
        (1, "b"): {1: 0.2, 2: 0.8},
        (2, "a"): {2: 0.9, 1: 0.1},
        (2, "b"): {1: 1.0},
    }
    R = {(1, "a"): 0, (1, "b"): -1, (2, "a"): 2, (2, "b"): 0}
    V = {1: 0.0, 2: 0.0}
    for _ in range(3):
        V = {
            s: max(R[s, a] + 0.9 * sum(q * V[t] for t, q in P[s, a].items()) for a in "ab")
            for s in (1, 2)
        }
    assert (round(V[1], 4), round(V[2], 4)) == (1.6856, 4.9718)
    star = {1: 1250 / 91, 2: 1550 / 91}
    assert round(max(abs(V[s] - star[s]) for s in (1, 2)), 2) == 12.06
    assert round(0.729 * star[2], 2) == 12.42
    _printed("solutions", "$V_3(1)=", "=1.6856$", "=4.9718$", "=12.42$", "$17.033-4.972=12.06$")


def test_solutions_chapter_3_numbers() -> None:
    values = [0.5, 0.6, 0.4, 0.7, 0.0]
    rewards = [0, 0, 0, 1]
    delta = [rewards[t] + values[t + 1] - values[t] for t in range(4)]
    adv, gae = 0.0, []
    for t in reversed(range(4)):
        adv = delta[t] + 0.9 * adv
        gae.append(round(adv, 4))
    assert gae[::-1] == [0.3817, 0.313, 0.57, 0.3]
    # with lambda = 0 the advantage is delta_t: only the token at t = 1 gets negative credit
    assert [t for t in range(4) if delta[t] < 0] == [1]
    _printed("solutions", "With $\\lambda=0$ the token at $t=1$ gets")
    # Exercise 3.7 by enumeration for T = 5: mean and relative error of R * score(first step)
    T = 5
    draws = list(itertools.product((0, 1), repeat=T))
    est = np.array([(0.5 if all(d) else 0.0) for d in draws])
    mean, var = est.mean(), est.var()
    assert math.isclose(mean, 2.0**-T / 2) and math.isclose(
        math.sqrt(var) / mean, math.sqrt(2**T - 1)
    )
    _printed("solutions", "$\\Ahat_0=0.1+0.9\\cdot0.313=0.3817$", "=\\sqrt{2^T-1}\\approx2^{T/2}")


def test_solutions_chapter_4_numbers() -> None:
    # Exercise 4.1: V^{new} from the Bellman equations of the two-state chain (gamma = 1/2).
    M = np.array([[1 - 0.5 * 0.2, -0.5 * 0.8], [-0.5 * 0.5, 1 - 0.5 * 0.5]])
    V = np.linalg.solve(M, np.array([0.0, 1.0]))
    assert np.allclose(V, [16 / 23, 36 / 23])
    adv_move, adv_stay = 0.5 * V[1] - V[0], 0.5 * V[0] - V[0]
    assert math.isclose(1.5 * 0.5 * (adv_move + adv_stay), -4.5 / 23)
    # Exercise 4.5: predicted improvement sqrt(2 delta p(1-p)).
    assert [round(math.sqrt(0.02 * p * (1 - p)), 4) for p in (0.5, 0.1)] == [0.0707, 0.0424]
    # Exercise 4.7: the adaptive rule alternates.
    beta, seen = 1.0, []
    for _ in range(8):
        kl = 1e-3 / beta**2
        seen.append(round(kl, 4))
        if kl < 0.01 / 1.5:
            beta /= 2
        elif kl > 1.5 * 0.01:
            beta *= 2
    assert seen == [0.001, 0.004, 0.016, 0.004, 0.016, 0.004, 0.016, 0.004]
    _printed(
        "solutions",
        "=-\\frac{4.5}{23}$",
        "=0.0707$",
        "=0.0424$",
        "$\\hat D$ between $0.004$ and $0.016$",
    )


def test_solutions_chapter_5_numbers() -> None:
    ref, r = np.array([0.5, 0.3, 0.2]), np.array([0.0, 1.0, 2.0])
    w = ref * np.exp(r / 2)
    pi = w / w.sum()
    kl = float(np.sum(pi * np.log(pi / ref)))
    assert np.round(pi, 3).tolist() == [0.325, 0.322, 0.353]
    assert [round(float(pi @ r), 3), round(kl, 3), round(2 * math.log(w.sum()), 3)] == [
        1.028,
        0.084,
        0.861,
    ]

    def c(G: int, p: float, std: bool) -> float:
        def adv(x: int, k: int) -> float:
            m = x + k
            if m in (0, G):
                return 0.0
            mean = m / G
            return (x - mean) / math.sqrt(mean * (1 - mean)) if std else x - mean

        def avg(x: int) -> float:
            return sum(
                math.comb(G - 1, k) * p**k * (1 - p) ** (G - 1 - k) * adv(x, k) for k in range(G)
            )

        return G * (avg(1) - avg(0))

    assert [round(c(4, p, True), 2) for p in (0.5, 0.1)] == [6.46, 6.76]
    assert all(math.isclose(c(4, p, False), 3) for p in (0.1, 0.5, 0.9))
    assert all(math.isclose(c(2, p, True) / c(2, p, False), 2) for p in (0.2, 0.7))
    assert all(math.isclose(c(3, p, True) / c(3, p, False), 3 / math.sqrt(2)) for p in (0.2, 0.7))
    logs = np.array([0.1, -0.05, 0.2, 0.02])
    assert round(math.exp(logs.mean()) / 4, 3) == 0.267
    assert np.round(np.exp(logs) / 4, 3).tolist() == [0.276, 0.238, 0.305, 0.255]
    assert [round(1 / math.cosh(t * 0.25) ** 2, 3) for t in (1.0, 1.05)] == [0.94, 0.934]
    assert round(10 * math.acosh(math.sqrt(2)), 2) == 8.81
    _printed(
        "solutions",
        "$\\pi^\\star=(0.325,0.322,0.353)$",
        "$c_4(0.5)=6.464$",
        "$c_4(0.1)=6.761$",
        "\\sech^2(0.2625)=0.934$",
        "so $\\tau=8.81$",
    )
