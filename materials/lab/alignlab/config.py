"""Run configurations and their validation: every bad value is reported, by field, before training."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
from dataclasses import dataclass

# Kept here, free of torch, so that the command line validates its input in a fraction of a second;
# alignlab.objectives.OBJECTIVES has exactly these keys (a test checks it).
OBJECTIVES = ("reinforce", "rloo", "grpo", "dr_grpo", "dapo", "gspo", "sapo")
KL_ESTIMATORS = ("k1", "k3")
KL_PLACEMENTS = ("loss", "reward")


class ConfigError(ValueError):
    """A configuration value is invalid; the message names every offending field."""


@dataclass(frozen=True)
class SFTConfig:
    """Supervised warm start on (prompt, correct answer) pairs.

    The number of steps is deliberately small: the checkpoint must leave room for RL.
    """

    seed: int = 0
    n_digits: int = 2
    d: int = 64
    n_layers: int = 2
    n_heads: int = 4
    steps: int = 500
    lr: float = 2e-3
    batch_size: int = 64

    def key(self) -> str:
        """A short hash of the configuration, used to name the cached checkpoint."""
        blob = json.dumps(dataclasses.asdict(self), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


@dataclass(frozen=True)
class RLConfig:
    """One RL run: ``objective`` trained from an SFT checkpoint for ``steps`` iterations.

    Per step: ``batch_prompts`` prompts x ``group_size`` responses are sampled from pi_old, then
    ``epochs`` passes of ``minibatches`` optimiser steps each are taken on them (so ratios leave 1
    after the first step). ``None`` for an objective hyper-parameter means the method's default
    (:data:`alignlab.objectives.DEFAULTS`).
    """

    objective: str = "grpo"
    seed: int = 0
    steps: int = 60
    batch_prompts: int = 8
    group_size: int = 8
    epochs: int = 2
    minibatches: int = 2
    lr: float = 1e-4
    temperature: float = 1.0
    max_new_tokens: int = 6
    grad_clip: float = 1.0
    eval_every: int = 10
    eval_samples: int = 2
    clip_low: float | None = None
    clip_high: float | None = None
    kl_coef: float | None = None
    kl_estimator: str | None = None
    kl_in: str | None = None
    tau_pos: float | None = None
    tau_neg: float | None = None
    dynamic_sampling: bool | None = None
    verifier: str = "exact"


def _close(name: str, options: list[str]) -> str:
    near = difflib.get_close_matches(name, options, n=2)
    return f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""


def validate_sft(cfg: SFTConfig) -> None:
    """Raise :class:`ConfigError` naming every invalid field of ``cfg``."""
    errs = []
    if not 1 <= cfg.n_digits <= 4:
        errs.append(f"n_digits: must be between 1 and 4, got {cfg.n_digits}")
    for f in ("d", "n_layers", "n_heads", "steps", "batch_size"):
        if getattr(cfg, f) < 1:
            errs.append(f"{f}: must be a positive integer, got {getattr(cfg, f)}")
    if cfg.d >= 1 and cfg.n_heads >= 1 and cfg.d % cfg.n_heads:
        errs.append(f"d: must be divisible by n_heads={cfg.n_heads}, got {cfg.d}")
    if not 0 < cfg.lr <= 1:
        errs.append(f"lr: must be in (0, 1], got {cfg.lr}")
    if errs:
        raise ConfigError("; ".join(errs))


def validate_rl(cfg: RLConfig) -> None:
    """Raise :class:`ConfigError` naming every invalid field of ``cfg`` (all of them at once)."""
    errs = []
    if cfg.objective not in OBJECTIVES:
        errs.append(
            f"objective: unknown objective {cfg.objective!r}{_close(cfg.objective, list(OBJECTIVES))};"
            f" choose one of {', '.join(OBJECTIVES)}"
        )
    if cfg.group_size < 2:
        errs.append(f"group_size: must be at least 2 (a group baseline needs other responses), got {cfg.group_size}")
    for f in (
        "steps",
        "batch_prompts",
        "epochs",
        "minibatches",
        "max_new_tokens",
        "eval_every",
        "eval_samples",
    ):
        if getattr(cfg, f) < 1:
            errs.append(f"{f}: must be a positive integer, got {getattr(cfg, f)}")
    if cfg.minibatches >= 1 and cfg.batch_prompts >= 1 and cfg.batch_prompts % cfg.minibatches:
        errs.append(
            f"minibatches: must divide batch_prompts={cfg.batch_prompts} (whole groups per minibatch),"
            f" got {cfg.minibatches}"
        )
    if not 0 < cfg.lr <= 1:
        errs.append(f"lr: must be in (0, 1], got {cfg.lr}")
    if not 0 < cfg.temperature <= 10:
        errs.append(f"temperature: must be in (0, 10], got {cfg.temperature}")
    if cfg.grad_clip <= 0:
        errs.append(f"grad_clip: must be positive, got {cfg.grad_clip}")
    for f in ("clip_low", "clip_high"):
        v = getattr(cfg, f)
        if v is not None and not 0 < v < 1:
            errs.append(f"{f}: must be in (0, 1), got {v}")
    if cfg.kl_coef is not None and cfg.kl_coef < 0:
        errs.append(f"kl_coef: must be >= 0, got {cfg.kl_coef}")
    if cfg.kl_estimator is not None and cfg.kl_estimator not in KL_ESTIMATORS:
        errs.append(f"kl_estimator: must be one of {', '.join(KL_ESTIMATORS)}, got {cfg.kl_estimator!r}")
    if cfg.kl_in is not None and cfg.kl_in not in KL_PLACEMENTS:
        errs.append(f"kl_in: must be one of {', '.join(KL_PLACEMENTS)}, got {cfg.kl_in!r}")
    for f in ("tau_pos", "tau_neg"):
        v = getattr(cfg, f)
        if v is not None and v <= 0:
            errs.append(f"{f}: must be positive, got {v}")
    if cfg.verifier not in ("exact", "contains"):
        errs.append(f"verifier: must be 'exact' or 'contains', got {cfg.verifier!r}")
    if errs:
        raise ConfigError("; ".join(errs))
