"""Each objective's loss and per-token gradient weights on one fixed batch, by hand.

The batch (float64) has N = 8 responses in two groups of G = 4, T = 3 token slots:

    group 1: rewards r = (1, 0, 0, 0); lengths |y| = (2, 3, 1, 3)
             token ratios rho = pi_theta / pi_old:
               y_1: 1.3, 1.0          y_2: 0.7, 1.1, 1.0
               y_3: 0.85              y_4: 1.0, 1.25, 0.9
    group 2: rewards (1, 1, 1, 1); lengths (2, 1, 3, 2); every ratio 1.0

pi_old = 0.5 for every token, so log pi_theta = log(0.5 rho). Hand-derived advantages:

    GRPO (population std, std_eps = 0): mean 1/4, std sqrt(3)/4, so A = sqrt(3) for y_1 and
        -1/sqrt(3) for y_2..y_4; group 2 has std 0, so A = 0 there.
    Dr. GRPO: A = r - mean = (3/4, -1/4, -1/4, -1/4), group 2: 0.
    RLOO: A_i = r_i - mean of the other three = (1, -1/3, -1/3, -1/3), group 2: 1 - 1 = 0.
    REINFORCE (batch-mean baseline b = 5/8): A = (3/8, -5/8, -5/8, -5/8 | 3/8, 3/8, 3/8, 3/8).

A per-token gradient weight is w_{i,t} = -d loss / d log pi_theta(y_{i,t}): the coefficient of the
token's score in the update. The same example is worked through in lesson 8's lab notebook.
"""

from __future__ import annotations

import math

import pytest
import torch
from alignlab.objectives import (
    ObjectiveConfig,
    PolicyBatch,
    dapo,
    dr_grpo,
    grpo,
    gspo,
    overlong_penalty,
    reinforce,
    rloo,
    sapo,
    token_kl,
    token_weights,
)

TOL = 1e-12
R3 = math.sqrt(3.0)
RATIOS = [
    [1.3, 1.0, None],
    [0.7, 1.1, 1.0],
    [0.85, None, None],
    [1.0, 1.25, 0.9],
    [1.0, 1.0, None],
    [1.0, None, None],
    [1.0, 1.0, 1.0],
    [1.0, 1.0, None],
]


def make_batch(ref: float | None = None) -> PolicyBatch:
    """The batch of the module docstring; ``ref`` sets pi_ref for every token."""
    mask = torch.tensor(
        [[float(v is not None) for v in row] for row in RATIOS], dtype=torch.float64
    )
    rho = torch.tensor(
        [[v if v is not None else 1.0 for v in row] for row in RATIOS], dtype=torch.float64
    )
    old = torch.full_like(rho, math.log(0.5))
    return PolicyBatch(
        logp=torch.log(0.5 * rho),
        old_logp=old,
        mask=mask,
        rewards=torch.tensor([1, 0, 0, 0, 1, 1, 1, 1], dtype=torch.float64),
        group_size=4,
        ref_logp=None if ref is None else torch.full_like(rho, math.log(ref)),
        truncated=torch.zeros(8, dtype=torch.bool),
    )


def expected(rows: list[list[float]]) -> torch.Tensor:
    """Pad hand-computed weight rows to N x 3."""
    out = torch.zeros(8, 3, dtype=torch.float64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row, dtype=torch.float64)
    return out


def close(a: torch.Tensor, b: torch.Tensor) -> None:
    assert torch.allclose(a, b, rtol=0, atol=TOL), (a, b)


def test_grpo_loss_and_weights() -> None:
    """GRPO, eps = 0.2, beta = 0, per-response token mean then mean over N = 8.

    min(rho A, clip(rho) A) per token (a = sqrt 3, b = -1/sqrt 3):
      y_1: rho 1.3 > 1.2 with A > 0 -> clipped to 1.2a (weight 0); 1.0 -> a.  Sum 2.2a, /2.
      y_2: rho 0.7 < 0.8 with A < 0 -> clipped to 0.8b (weight 0); 1.1b; b.   Sum 2.9b, /3.
      y_3: 0.85b (inside the range).                                          /1.
      y_4: b; rho 1.25 with A < 0 is NOT clipped (min keeps 1.25b); 0.9b.    Sum 3.15b, /3.
    J = (1.1a + (2.9/3)b + 0.85b + 1.05b) / 8; loss = -J = -0.03127314...
    Unclipped weights: rho A / (N |y_i|).
    """
    cfg = ObjectiveConfig(clip_low=0.2, clip_high=0.2, std_eps=0.0)
    a, b = R3, -1 / R3
    out = grpo(make_batch(), cfg)
    j = (1.1 * a + 2.9 / 3 * b + 0.85 * b + 1.05 * b) / 8
    assert abs(float(out.loss) - (-j)) < TOL
    assert abs(float(out.loss) - (-0.031273139)) < 1e-9
    close(out.advantages, torch.tensor([a, b, b, b, 0, 0, 0, 0], dtype=torch.float64))
    w = token_weights(grpo, make_batch(), cfg)
    close(
        w,
        expected(
            [
                [0, a / 16],
                [0, 1.1 * b / 24, b / 24],
                [0.85 * b / 8],
                [b / 24, 1.25 * b / 24, 0.9 * b / 24],
            ]
        ),
    )
    assert out.stats["clip_frac"] == pytest.approx(2 / 17)  # 2 clipped tokens out of 17


def test_dr_grpo_loss_and_weights() -> None:
    """Dr. GRPO, A = r - mean, token sum over the constant N * L_max = 8 * 3 = 24.

    y_1: 1.2(0.75) + 0.75 = 1.65; y_2: 0.8(-0.25) + 1.1(-0.25) - 0.25 = -0.725;
    y_3: 0.85(-0.25) = -0.2125; y_4: -0.25 - 0.3125 - 0.225 = -0.7875.
    Sum = -0.075, J = -0.075 / 24 = -0.003125, loss = +0.003125.
    Weights rho A / 24, 0 where clipped.
    """
    cfg = ObjectiveConfig(clip_low=0.2, clip_high=0.2, max_len=3)
    out = dr_grpo(make_batch(), cfg)
    assert abs(float(out.loss) - 0.003125) < TOL
    w = token_weights(dr_grpo, make_batch(), cfg)
    q = -0.25
    close(
        w,
        expected(
            [
                [0, 0.75 / 24],
                [0, 1.1 * q / 24, q / 24],
                [0.85 * q / 24],
                [q / 24, 1.25 * q / 24, 0.9 * q / 24],
            ]
        ),
    )


def test_rloo_and_reinforce_weights_ignore_ratios() -> None:
    """Score-function losses: loss = -(1/N) sum_i A_i sum_t log pi_theta, so w_{i,t} = A_i / 8."""
    b = make_batch()
    logp = torch.log(
        0.5 * torch.tensor([[v or 1.0 for v in row] for row in RATIOS], dtype=torch.float64)
    )
    seq_logp = (logp * b.mask).sum(1)
    a_rloo = [1, -1 / 3, -1 / 3, -1 / 3, 0, 0, 0, 0]
    out = rloo(b, ObjectiveConfig())
    assert (
        abs(
            float(out.loss)
            - (-sum(a * s for a, s in zip(a_rloo, seq_logp.tolist(), strict=True)) / 8)
        )
        < TOL
    )
    close(
        token_weights(rloo, make_batch(), ObjectiveConfig()),
        b.mask * torch.tensor(a_rloo, dtype=torch.float64)[:, None] / 8,
    )
    a_rf = [3 / 8, -5 / 8, -5 / 8, -5 / 8, 3 / 8, 3 / 8, 3 / 8, 3 / 8]
    out = reinforce(make_batch(), ObjectiveConfig())
    assert (
        abs(
            float(out.loss)
            - (-sum(a * s for a, s in zip(a_rf, seq_logp.tolist(), strict=True)) / 8)
        )
        < TOL
    )
    close(
        token_weights(reinforce, make_batch(), ObjectiveConfig()),
        b.mask * torch.tensor(a_rf, dtype=torch.float64)[:, None] / 8,
    )


def test_dapo_loss_and_weights() -> None:
    """DAPO: clip [0.8, 1.28], overlong shaping L_max = 4, L_cache = 2, dynamic sampling.

    Shaping: |y| = 3 is in the buffer, R_length = (2 - 3)/2 = -0.5, so group 1's rewards become
    (1, -0.5, 0, -0.5): mean 0, std sqrt(0.375), A = (1, -0.5, 0, -0.5)/sqrt(0.375).
    Group 2's verifier rewards are all 1: it is dropped (K = 1 kept group).
    Token level: the sum over group 1's tokens is divided by sum |y| = 9.
      y_1: rho 1.3 > 1.28 -> 1.28 A_1 (weight 0); A_1.      y_2: 0.8 A_2 (clipped) + 1.1 A_2 + A_2.
      y_3: A = 0.                                           y_4: (1 + 1.25 + 0.9) A_2.
    J = (2.28 A_1 + 6.05 A_2) / 9 = -0.13517554...; weights rho A / 9.
    """
    cfg = ObjectiveConfig(clip_low=0.2, clip_high=0.28, max_len=4, overlong_cache=2, std_eps=0.0)
    s = math.sqrt(0.375)
    a1, a2 = 1 / s, -0.5 / s
    out = dapo(make_batch(), cfg)
    j = (2.28 * a1 + 6.05 * a2) / 9
    assert abs(float(out.loss) - (-j)) < TOL
    assert abs(float(out.loss) - 0.1351755451) < 1e-9
    w = token_weights(dapo, make_batch(), cfg)
    close(
        w,
        expected(
            [[0, a1 / 9], [0, 1.1 * a2 / 9, a2 / 9], [0.0], [a2 / 9, 1.25 * a2 / 9, 0.9 * a2 / 9]]
        ),
    )
    assert out.stats["kept_groups"] == 0.5


def test_overlong_penalty_values() -> None:
    """R_length, L_max = 6, L_cache = 2: 0 up to 4 tokens, -1/2 at 5, -1 at 6 or if truncated."""
    lengths = torch.tensor([3.0, 4.0, 5.0, 6.0, 6.0])
    trunc = torch.tensor([False, False, False, False, True])
    assert overlong_penalty(lengths, trunc, 6, 2).tolist() == [0.0, 0.0, -0.5, -1.0, -1.0]


def test_gspo_loss_and_weights() -> None:
    """GSPO with clip range [0.9, 1.1] on the sequence ratio s_i = (prod_t rho_{i,t})^(1/|y_i|).

    s_1 = sqrt(1.3) = 1.1402 > 1.1 with A > 0 -> clipped (1.1 a, weights 0);
    s_2 = 0.77^(1/3) = 0.9167, inside -> s_2 b;  s_3 = 0.85 < 0.9 with A < 0 -> clipped (0.9 b);
    s_4 = 1.125^(1/3) = 1.0400, inside -> s_4 b.  J = (1.1a + s_2 b + 0.9b + s_4 b) / 8.
    Every token of an unclipped response gets the same weight s_i A_i / (N |y_i|).
    """
    cfg = ObjectiveConfig(clip_low=0.1, clip_high=0.1, std_eps=0.0)
    a, b = R3, -1 / R3
    s2, s4 = 0.77 ** (1 / 3), 1.125 ** (1 / 3)
    out = gspo(make_batch(), cfg)
    assert abs(float(out.loss) - (-(1.1 * a + s2 * b + 0.9 * b + s4 * b) / 8)) < TOL
    w = token_weights(gspo, make_batch(), cfg)
    close(w, expected([[0, 0], [s2 * b / 24] * 3, [0.0], [s4 * b / 24] * 3]))


def test_sapo_loss_and_weights() -> None:
    """SAPO, tau_pos = 1 (y_1, A > 0), tau_neg = 1.05 (y_2..y_4).

    f(rho) = (4/tau) sigmoid(tau (rho - 1)); J = (1/8) sum_i (1/|y_i|) sum_t f(rho) A_i.
    Weight: sech^2(tau (rho - 1)/2) rho A_i / (8 |y_i|); at rho = 1 the gate is exactly 1, so
    e.g. y_1's second token has weight sqrt(3)/16, as in GRPO.
    """
    cfg = ObjectiveConfig(tau_pos=1.0, tau_neg=1.05, std_eps=0.0)
    a, b = R3, -1 / R3

    def f(r: float, t: float) -> float:
        return 4 / t / (1 + math.exp(-t * (r - 1)))

    def w(r: float, t: float, adv: float, n: int) -> float:
        return r * adv / (8 * n) / math.cosh(t * (r - 1) / 2) ** 2

    tn = 1.05
    j = (
        (f(1.3, 1) + f(1.0, 1)) / 2 * a
        + (f(0.7, tn) + f(1.1, tn) + f(1.0, tn)) / 3 * b
        + f(0.85, tn) * b
        + (f(1.0, tn) + f(1.25, tn) + f(0.9, tn)) / 3 * b
    ) / 8
    out = sapo(make_batch(), cfg)
    assert abs(float(out.loss) - (-j)) < TOL
    got = token_weights(sapo, make_batch(), cfg)
    close(
        got,
        expected(
            [
                [w(1.3, 1, a, 2), w(1.0, 1, a, 2)],
                [w(0.7, tn, b, 3), w(1.1, tn, b, 3), w(1.0, tn, b, 3)],
                [w(0.85, tn, b, 1)],
                [w(1.0, tn, b, 3), w(1.25, tn, b, 3), w(0.9, tn, b, 3)],
            ]
        ),
    )
    assert abs(float(got[0, 1]) - R3 / 16) < TOL


def test_kl_estimators_book_example() -> None:
    """Book Example 5.9 (ex:grpo-numbers): pi_theta = 0.5, pi_ref = 0.4, rho = 0.8.

    k3 = 0.8 - log 0.8 - 1 = 0.0231436, k1 = -log 0.8 = 0.2231436.
    """
    lp, ref = torch.tensor([math.log(0.5)]), torch.tensor([math.log(0.4)])
    assert float(token_kl(lp, ref, "k3")) == pytest.approx(0.8 - math.log(0.8) - 1, abs=1e-7)
    assert float(token_kl(lp, ref, "k3")) == pytest.approx(0.0231436, abs=1e-7)
    assert float(token_kl(lp, ref, "k1")) == pytest.approx(0.2231436, abs=1e-7)
    with pytest.raises(ValueError, match="kl_estimator"):
        token_kl(lp, ref, "k2")


def test_kl_in_loss_adds_weight_one_minus_rho() -> None:
    """d k3 / d log pi_theta = 1 - rho, so beta k3 in GRPO's loss adds -beta (1 - rho) / (N |y_i|).

    With pi_theta = 0.5 (rho_old = 1 everywhere below) and pi_ref = 0.4: rho = 0.8, so each token
    gets the extra weight -0.04 * 0.2 / (8 |y_i|) on top of the clipped-surrogate weight.
    """
    cfg0 = ObjectiveConfig(std_eps=0.0)
    cfg = ObjectiveConfig(std_eps=0.0, kl_coef=0.04, kl_estimator="k3", kl_in="loss")
    b = make_batch(ref=0.4)
    b.logp = b.old_logp.clone()  # all ratios 1: nothing clipped
    diff = token_weights(grpo, b, cfg) - token_weights(grpo, b, cfg0)
    lengths = b.mask.sum(1, keepdim=True)
    close(diff, b.mask * (-0.04 * 0.2) / (8 * lengths))


def test_kl_in_reward_shifts_rewards_by_sequence_k1() -> None:
    """KL in the reward: r_i - beta sum_t (log pi_old - log pi_ref).

    With pi_old = 0.5, pi_ref = 0.25, each token contributes log 2, so response i loses
    beta |y_i| log 2 before the advantage.
    """
    from alignlab.objectives import task_rewards

    b = make_batch(ref=0.25)
    cfg = ObjectiveConfig(kl_coef=0.1, kl_estimator="k1", kl_in="reward")
    want = b.rewards - 0.1 * b.mask.sum(1) * math.log(2)
    close(task_rewards(b, cfg), want)
