"""Lesson 10's statistics on the lab: pass@k, bootstrap intervals, paired comparisons, power."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from alignlab.model import TinyLM, Tokenizer
from alignlab.sampling import generate
from alignlab.task import AdditionTask, verify


@dataclass
class EvalResult:
    """``correct[j]`` = number of correct samples out of ``n`` for held-out prompt j."""

    correct: np.ndarray
    n: int
    mean_length: float

    def pass_at(self, k: int) -> float:
        """Unbiased pass@k averaged over prompts (:func:`pass_at_k`)."""
        return float(np.mean([pass_at_k(self.n, int(c), k) for c in self.correct]))


def pass_at_k(n: int, c: int, k: int) -> float:
    r"""Unbiased estimate of pass@k from n samples with c correct: 1 - C(n-c, k) / C(n, k).

    Computed as 1 - prod_{i=n-c+1}^{n} (1 - k/i) to avoid huge binomials; raises ``ValueError``
    unless 0 <= c <= n and 1 <= k <= n.
    """
    if not (0 <= c <= n and 1 <= k <= n):
        raise ValueError(f"pass_at_k needs 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - float(np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


@torch.no_grad()
def evaluate(
    model: TinyLM,
    task: AdditionTask,
    n_samples: int,
    temperature: float = 1.0,
    seed: int = 0,
    max_new_tokens: int = 6,
    pairs: list[tuple[int, int]] | None = None,
) -> EvalResult:
    """Sample ``n_samples`` responses per held-out prompt and count the verifier's successes."""
    tok = Tokenizer()
    pairs = task.test_pairs() if pairs is None else pairs
    prompts = [task.prompt(a, b) for a, b in pairs]
    dev = next(model.parameters()).device
    x = torch.tensor([tok.encode(p) for p in prompts], device=dev).repeat_interleave(n_samples, 0)
    g = torch.Generator()
    g.manual_seed(seed)
    ro = generate(model, x, max_new_tokens, tok.eos_id, tok.pad_id, temperature, g)
    texts = [
        tok.decode(row) + ("$" if not tr else "")
        for row, tr in zip(ro.tokens.tolist(), ro.truncated.tolist(), strict=True)
    ]
    ok = np.array([verify(prompts[i // n_samples], t) for i, t in enumerate(texts)])
    correct = ok.reshape(len(prompts), n_samples).sum(axis=1).astype(int)
    return EvalResult(correct=correct, n=n_samples, mean_length=float(ro.lengths.float().mean()))


def bootstrap_ci(values: np.ndarray, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval for the mean of ``values`` (resampling prompts)."""
    rng = np.random.default_rng(seed)
    v = np.asarray(values, dtype=float)
    idx = rng.integers(0, len(v), size=(n_boot, len(v)))
    means = v[idx].mean(axis=1)
    a = (1 - level) / 2
    return float(np.quantile(means, a)), float(np.quantile(means, 1 - a))


@dataclass
class PairedComparison:
    """Mean difference B - A over the same prompts, its standard error, CI and two-sided p-value."""

    diff: float
    se: float
    ci: tuple[float, float]
    p_value: float


def paired_comparison(a: np.ndarray, b: np.ndarray) -> PairedComparison:
    """Compare per-prompt scores of two methods on the same prompts with a paired z-test."""
    d = np.asarray(b, float) - np.asarray(a, float)
    se = float(d.std(ddof=1) / math.sqrt(len(d)))
    diff = float(d.mean())
    z = diff / se if se > 0 else math.inf
    p = math.erfc(abs(z) / math.sqrt(2))
    return PairedComparison(diff, se, (diff - 1.96 * se, diff + 1.96 * se), p)


def required_prompts(p_a: float, p_b: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Prompts per arm that an unpaired two-proportion z-test needs to detect p_a vs p_b.

    m = (z_{1-alpha/2} sqrt(2 pbar (1 - pbar)) + z_power sqrt(p_a(1-p_a) + p_b(1-p_b)))^2 / (p_a - p_b)^2.
    """
    from statistics import NormalDist

    za = NormalDist().inv_cdf(1 - alpha / 2)
    zb = NormalDist().inv_cdf(power)
    pbar = (p_a + p_b) / 2
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p_a * (1 - p_a) + p_b * (1 - p_b))
    return math.ceil(num**2 / (p_a - p_b) ** 2)
