r"""The policy-gradient objectives of lesson 8, each one function with one signature.

Every objective takes a :class:`PolicyBatch` (the sampled tokens' log-probabilities under the
current policy ``logp``, the sampling policy ``old_logp`` and the reference ``ref_logp``, the
response mask, the outcome rewards r_i and the group size G) and an :class:`ObjectiveConfig`, and
returns an :class:`ObjectiveOutput` whose ``loss`` is minus the objective J(theta) of the book,
so that ``loss.backward()`` followed by an optimiser step ascends J.

Notation (book chapter 5): responses i = 1..N are stored group after group, G per prompt;
y_{i,t} is token t of response i, |y_i| its length (EOS included); the token ratio is
r_{i,t}(theta) = pi_theta / pi_old = exp(logp - old_logp); A_i is the advantage shared by all
tokens of response i. The *per-token gradient weight* is w_{i,t} = -d loss / d logp_{i,t}: the
coefficient of grad log pi_theta(y_{i,t} | .) in the update (see :func:`token_weights`).

Equation numbers refer to the printed book (chapter 5, "Modern alignment methods").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch


@dataclass
class PolicyBatch:
    """One (mini-)batch of N = (number of prompts) x G responses, stored group by group.

    All token tensors are N x T; ``mask`` is 1 on response tokens (EOS included), 0 on padding.
    ``rewards`` are the verifier's outcome rewards r_i (N,); ``truncated`` marks responses cut at
    the length limit without EOS.
    """

    logp: torch.Tensor
    old_logp: torch.Tensor
    mask: torch.Tensor
    rewards: torch.Tensor
    group_size: int
    ref_logp: torch.Tensor | None = None
    truncated: torch.Tensor | None = None

    @property
    def lengths(self) -> torch.Tensor:
        """|y_i| (N,)."""
        return self.mask.sum(dim=1)


@dataclass(frozen=True)
class ObjectiveConfig:
    """Hyper-parameters read by the objectives (each reads only its own).

    ``clip_low``/``clip_high``: the clip range [1 - clip_low, 1 + clip_high] (token level; GSPO
    applies it to the sequence ratio). ``kl_coef`` beta, ``kl_estimator`` k1 or k3, ``kl_in`` loss
    or reward. ``std_eps`` is added to the group std. ``max_len`` L_max and ``overlong_cache``
    L_cache (DAPO's overlong shaping; Dr. GRPO's constant normaliser uses L_max). ``tau_pos`` /
    ``tau_neg`` are SAPO's temperatures.
    """

    clip_low: float = 0.2
    clip_high: float = 0.2
    kl_coef: float = 0.0
    kl_estimator: str = "k3"
    kl_in: str = "loss"
    std_eps: float = 1e-6
    max_len: int = 6
    overlong_cache: int = 2
    overlong_shaping: bool = True
    tau_pos: float = 1.0
    tau_neg: float = 1.05


@dataclass
class ObjectiveOutput:
    """``loss`` = -J (scalar); ``advantages`` A_i (N,); ``stats`` scalar diagnostics."""

    loss: torch.Tensor
    advantages: torch.Tensor
    stats: dict[str, float] = field(default_factory=dict)


Objective = Callable[[PolicyBatch, ObjectiveConfig], ObjectiveOutput]


# ---------------------------------------------------------------------------------------------
# Shared pieces: KL estimators, rewards, advantages, aggregations.


def token_kl(logp: torch.Tensor, ref_logp: torch.Tensor, estimator: str) -> torch.Tensor:
    r"""Per-token estimate of KL(pi_theta || pi_ref) with rho = pi_ref / pi_theta.

    k1 = -log rho; k3 = rho - log rho - 1 (book eq. (5.16), label eq:k3).
    """
    log_rho = ref_logp - logp
    if estimator == "k1":
        return -log_rho
    if estimator == "k3":
        return torch.exp(log_rho) - log_rho - 1.0
    raise ValueError(f"kl_estimator: unknown estimator {estimator!r} (use k1 or k3)")


def task_rewards(batch: PolicyBatch, cfg: ObjectiveConfig) -> torch.Tensor:
    r"""The rewards the advantage is built from: r_i, minus beta * sum_t KL_t if ``kl_in == "reward"``.

    The KL in the reward (book eq. (5.8), label eq:kl-shaped-reward, summed over the response) is
    evaluated with the sampling policy's log-probabilities, so it is a constant of the update.
    """
    r = batch.rewards
    if cfg.kl_coef and cfg.kl_in == "reward":
        if batch.ref_logp is None:
            raise ValueError("kl_in: 'reward' needs reference log-probabilities")
        k = token_kl(batch.old_logp, batch.ref_logp, cfg.kl_estimator) * batch.mask
        r = r - cfg.kl_coef * k.sum(dim=1)
    return r


def _groups(x: torch.Tensor, g: int) -> torch.Tensor:
    return x.view(-1, g)


def group_mean_advantage(r: torch.Tensor, g: int) -> torch.Tensor:
    r"""A_i = r_i - mean(r) within each group (Dr. GRPO, book eq. (5.17), label eq:drgrpo)."""
    rg = _groups(r, g)
    return (rg - rg.mean(dim=1, keepdim=True)).reshape(-1)


def group_normalised_advantage(r: torch.Tensor, g: int, eps: float) -> torch.Tensor:
    r"""A_i = (r_i - mean(r)) / (std(r) + eps), population std (book eq. (5.14), label eq:grpo-adv)."""
    rg = _groups(r, g)
    std = rg.std(dim=1, unbiased=False, keepdim=True)
    centred = rg - rg.mean(dim=1, keepdim=True)
    # A group whose rewards are all equal carries no signal: its advantages are 0, not 0/0.
    adv = torch.where(std > 0, centred / (std + eps), torch.zeros_like(centred))
    return adv.reshape(-1)


def leave_one_out_advantage(r: torch.Tensor, g: int) -> torch.Tensor:
    r"""A_i = r_i - (1/(G-1)) sum_{j != i} r_j (book Proposition 5.6(i), label prop:loo)."""
    rg = _groups(r, g)
    others = (rg.sum(dim=1, keepdim=True) - rg) / (g - 1)
    return (rg - others).reshape(-1)


def seq_token_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    r"""(1/N) sum_i (1/|y_i|) sum_t x_{i,t}: GRPO's and SAPO's aggregation."""
    return ((x * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1)).mean()


def kl_term(batch: PolicyBatch, cfg: ObjectiveConfig, agg: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """beta times the aggregated per-token KL estimate when the KL is in the loss, else 0."""
    if not cfg.kl_coef or cfg.kl_in != "loss":
        return torch.zeros((), dtype=batch.logp.dtype)
    if batch.ref_logp is None:
        raise ValueError("kl_in: 'loss' needs reference log-probabilities")
    return cfg.kl_coef * agg(token_kl(batch.logp, batch.ref_logp, cfg.kl_estimator))


def _ratio(batch: PolicyBatch) -> torch.Tensor:
    return torch.exp(batch.logp - batch.old_logp)


def _clipped_surrogate(
    ratio: torch.Tensor, adv: torch.Tensor, low: float, high: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """min(r A, clip(r, 1-low, 1+high) A) and the 0/1 indicator that the clipped branch is active."""
    unclipped = ratio * adv
    clipped = torch.clamp(ratio, 1.0 - low, 1.0 + high) * adv
    active = ((adv > 0) & (ratio > 1.0 + high)) | ((adv < 0) & (ratio < 1.0 - low))
    return torch.minimum(unclipped, clipped), active.to(ratio.dtype)


def _masked_mean(x: torch.Tensor, mask: torch.Tensor) -> float:
    return float((x * mask).sum() / mask.sum().clamp(min=1))


# ---------------------------------------------------------------------------------------------
# The objectives.


def reinforce(batch: PolicyBatch, cfg: ObjectiveConfig) -> ObjectiveOutput:
    r"""REINFORCE with a baseline: sequence-level estimator, book eq. (5.2) (label eq:seq-reinforce).

    loss = -(1/N) sum_i (r_i - b) sum_t log pi_theta(y_{i,t} | .), with the prompt-independent
    baseline b = mean of all N rewards of the batch (book section 3.5, eq. (3.12), label eq:pg-baseline). No
    ratio and no clip: the gradient is the on-policy score-function estimator.
    Per-token weight: w_{i,t} = (r_i - b) / N.
    """
    r = task_rewards(batch, cfg)
    adv = r - r.mean()
    m = batch.mask

    def agg(x: torch.Tensor) -> torch.Tensor:
        return (x * m).sum(dim=1).mean()

    loss = -agg(adv[:, None] * batch.logp) + kl_term(batch, cfg, agg)
    return ObjectiveOutput(loss, adv.detach(), {"clip_frac": 0.0})


def rloo(batch: PolicyBatch, cfg: ObjectiveConfig) -> ObjectiveOutput:
    r"""RLOO: REINFORCE with the leave-one-out baseline, book Proposition 5.6(i) (label prop:loo).

    loss = -(1/N) sum_i (r_i - (1/(G-1)) sum_{j != i} r_j) sum_t log pi_theta(y_{i,t} | .).
    Per-token weight: w_{i,t} = A_i / N.
    """
    r = task_rewards(batch, cfg)
    adv = leave_one_out_advantage(r, batch.group_size)
    m = batch.mask

    def agg(x: torch.Tensor) -> torch.Tensor:
        return (x * m).sum(dim=1).mean()

    loss = -agg(adv[:, None] * batch.logp) + kl_term(batch, cfg, agg)
    return ObjectiveOutput(loss, adv.detach(), {"clip_frac": 0.0})


def grpo(batch: PolicyBatch, cfg: ObjectiveConfig) -> ObjectiveOutput:
    r"""GRPO, book eq. (5.15) (label eq:grpo) with the advantage of eq. (5.14) (label eq:grpo-adv).

    J = (1/G) sum_i (1/|y_i|) sum_t { min(r_{i,t} A_i, clip(r_{i,t}, 1-eps, 1+eps) A_i)
    - beta D_{i,t} }, averaged over prompts; D is the k3 estimator of eq. (5.16) by default.
    Per-token weight (unclipped, beta = 0): w_{i,t} = r_{i,t} A_i / (N |y_i|); 0 where clipped.
    """
    r = task_rewards(batch, cfg)
    adv = group_normalised_advantage(r, batch.group_size, cfg.std_eps)
    ratio = _ratio(batch)
    surr, clipped = _clipped_surrogate(ratio, adv[:, None], cfg.clip_low, cfg.clip_high)

    def agg(x: torch.Tensor) -> torch.Tensor:
        return seq_token_mean(x, batch.mask)

    loss = -agg(surr) + kl_term(batch, cfg, agg)
    return ObjectiveOutput(loss, adv.detach(), {"clip_frac": _masked_mean(clipped, batch.mask)})


def dr_grpo(batch: PolicyBatch, cfg: ObjectiveConfig) -> ObjectiveOutput:
    r"""Dr. GRPO, book eq. (5.17) (label eq:drgrpo), with the official code's constant normaliser.

    A_i = r_i - mean(r) (no std); the token sum is divided by the constant G * L_max instead of
    |y_i|: loss = -(1/(N L_max)) sum_i sum_t min(r_{i,t} A_i, clip(r_{i,t}, 1-eps, 1+eps) A_i).
    Per-token weight (unclipped): w_{i,t} = r_{i,t} A_i / (N L_max).
    """
    r = task_rewards(batch, cfg)
    adv = group_mean_advantage(r, batch.group_size)
    ratio = _ratio(batch)
    surr, clipped = _clipped_surrogate(ratio, adv[:, None], cfg.clip_low, cfg.clip_high)
    n = batch.mask.shape[0]

    def agg(x: torch.Tensor) -> torch.Tensor:
        return (x * batch.mask).sum() / (n * cfg.max_len)

    loss = -agg(surr) + kl_term(batch, cfg, agg)
    return ObjectiveOutput(loss, adv.detach(), {"clip_frac": _masked_mean(clipped, batch.mask)})


def overlong_penalty(lengths: torch.Tensor, truncated: torch.Tensor, max_len: int, cache: int) -> torch.Tensor:
    r"""DAPO's soft overlong punishment R_length(y), book eq. (5.19) (label eq:dapo-overlong).

    0 for |y| <= L_max - L_cache, ((L_max - L_cache) - |y|) / L_cache inside the buffer, and -1
    for a response that hit the limit without EOS (|y| > L_max in the book's terms).
    """
    start = max_len - cache
    pen = torch.where(lengths > start, (start - lengths) / max(cache, 1), torch.zeros_like(lengths))
    return torch.where(truncated, torch.full_like(pen, -1.0), pen)


def dapo(batch: PolicyBatch, cfg: ObjectiveConfig) -> ObjectiveOutput:
    r"""DAPO, book eq. (5.18) (label eq:dapo): clip-higher, token-level loss, dynamic sampling, overlong shaping.

    Rewards get R_length of eq. (5.19) added; A_i is the GRPO advantage (5.14) of the shaped rewards.
    Groups whose verifier rewards are all equal are dropped (the constraint 0 < #correct < G).
    Within each kept group, token losses are summed and divided by sum_i |y_i| of that group; the
    result is averaged over the kept groups. Clip range [1 - eps_low, 1 + eps_high].
    Per-token weight (unclipped): w_{i,t} = r_{i,t} A_i / (K sum_{j in group} |y_j|), K kept groups.
    """
    g = batch.group_size
    r = task_rewards(batch, cfg)
    if cfg.overlong_shaping:
        trunc = batch.truncated if batch.truncated is not None else torch.zeros_like(r, dtype=torch.bool)
        r = r + overlong_penalty(batch.lengths.to(r.dtype), trunc, cfg.max_len, cfg.overlong_cache)
    raw = _groups(batch.rewards, g)
    keep = (raw.max(dim=1).values > raw.min(dim=1).values).to(batch.logp.dtype)  # (groups,)
    adv = group_normalised_advantage(r, g, cfg.std_eps)
    ratio = _ratio(batch)
    surr, clipped = _clipped_surrogate(ratio, adv[:, None], cfg.clip_low, cfg.clip_high)
    m = batch.mask
    n_keep = keep.sum().clamp(min=1)

    def agg(x: torch.Tensor) -> torch.Tensor:
        per_group = _groups((x * m).sum(dim=1), g).sum(dim=1) / _groups(m.sum(dim=1), g).sum(dim=1)
        return (per_group * keep).sum() / n_keep

    loss = -agg(surr) + kl_term(batch, cfg, agg)
    kept_tokens = m * keep.repeat_interleave(g)[:, None]
    stats = {"clip_frac": _masked_mean(clipped, kept_tokens), "kept_groups": float(keep.mean())}
    return ObjectiveOutput(loss, adv.detach(), stats)


def gspo(batch: PolicyBatch, cfg: ObjectiveConfig) -> ObjectiveOutput:
    r"""GSPO, book eq. (5.21) (label eq:gspo) with the sequence ratio of eq. (5.20) (label eq:gspo-ratio).

    s_i = exp((1/|y_i|) sum_t (log pi_theta - log pi_old)); J = (1/G) sum_i min(s_i A_i,
    clip(s_i, 1-eps_low, 1+eps_high) A_i) with the GRPO advantage (5.14).
    Per-token weight (unclipped): w_{i,t} = s_i A_i / (N |y_i|), shared by all tokens of response i;
    0 for every token of a clipped response.
    """
    r = task_rewards(batch, cfg)
    adv = group_normalised_advantage(r, batch.group_size, cfg.std_eps)
    m = batch.mask
    log_s = ((batch.logp - batch.old_logp) * m).sum(dim=1) / m.sum(dim=1).clamp(min=1)
    s = torch.exp(log_s)
    surr, clipped = _clipped_surrogate(s, adv, cfg.clip_low, cfg.clip_high)
    loss = -surr.mean() + kl_term(batch, cfg, lambda x: seq_token_mean(x, m))
    return ObjectiveOutput(loss, adv.detach(), {"clip_frac": _masked_mean(clipped[:, None].expand_as(m), m)})


def sapo(batch: PolicyBatch, cfg: ObjectiveConfig) -> ObjectiveOutput:
    r"""SAPO, book eq. (5.24) (label eq:sapo): the soft gate f(u) = (4/tau) sigma(tau (u - 1)).

    tau = tau_pos where A_i > 0, tau_neg otherwise; aggregation as GRPO's (per-response token mean,
    then the mean over responses). Per-token weight: w_{i,t} = sech^2(tau (r_{i,t} - 1) / 2)
    r_{i,t} A_i / (N |y_i|) (book eq. (5.25), label eq:sapo-weight). ``clip_frac`` reports the
    fraction of tokens whose gate sech^2 is below 1/2 (a soft "clip").
    """
    r = task_rewards(batch, cfg)
    adv = group_normalised_advantage(r, batch.group_size, cfg.std_eps)
    ratio = _ratio(batch)
    pos = torch.full_like(adv, cfg.tau_pos)
    tau = torch.where(adv > 0, pos, torch.full_like(adv, cfg.tau_neg))[:, None]
    f = 4.0 / tau * torch.sigmoid(tau * (ratio - 1.0))

    def agg(x: torch.Tensor) -> torch.Tensor:
        return seq_token_mean(x, batch.mask)

    loss = -agg(f * adv[:, None]) + kl_term(batch, cfg, agg)
    gate = 1.0 / torch.cosh(tau * (ratio.detach() - 1.0) / 2.0) ** 2
    return ObjectiveOutput(loss, adv.detach(), {"clip_frac": _masked_mean((gate < 0.5).to(gate.dtype), batch.mask)})


OBJECTIVES: dict[str, Objective] = {
    "reinforce": reinforce,
    "rloo": rloo,
    "grpo": grpo,
    "dr_grpo": dr_grpo,
    "dapo": dapo,
    "gspo": gspo,
    "sapo": sapo,
}

# Each method's published settings (book Table 5.1), scaled to this task where a value only makes
# sense for long responses (see the lab README).
DEFAULTS: dict[str, dict[str, object]] = {
    "reinforce": {},
    "rloo": {},
    "grpo": {"kl_coef": 0.04, "kl_estimator": "k3", "kl_in": "loss"},
    "dr_grpo": {},
    "dapo": {"clip_low": 0.2, "clip_high": 0.28},
    "gspo": {"clip_low": 3e-4, "clip_high": 4e-4},
    "sapo": {"tau_pos": 1.0, "tau_neg": 1.05},
}


def token_weights(objective: Objective, batch: PolicyBatch, cfg: ObjectiveConfig) -> torch.Tensor:
    """w_{i,t} = -d loss / d logp_{i,t}: the weight of grad log pi(y_{i,t}) in the update (N x T)."""
    logp = batch.logp.detach().clone().requires_grad_(True)
    b = PolicyBatch(
        logp=logp,
        old_logp=batch.old_logp,
        mask=batch.mask,
        rewards=batch.rewards,
        group_size=batch.group_size,
        ref_logp=batch.ref_logp,
        truncated=batch.truncated,
    )
    out = objective(b, cfg)
    (grad,) = torch.autograd.grad(out.loss, logp)
    return -grad * batch.mask
