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
# # Lesson 10 lab — evaluating trained checkpoints
#
# We evaluate real checkpoints of the course's lab package `alignlab`: the SFT warm start and two RL
# runs from it (GRPO and Dr. GRPO), all trained here in about a minute on a CPU. On them we compute
# the unbiased pass@k estimator, bootstrap confidence intervals, a paired comparison of two methods,
# a power calculation, a regression test, and finally we watch a policy exploit a verifier with a
# loophole and catch it.

# %%
import math
from statistics import NormalDist

import matplotlib.pyplot as plt
import numpy as np
import torch
from alignlab.config import RLConfig
from alignlab.evaluation import (
    bootstrap_ci,
    evaluate,
    paired_comparison,
    pass_at_k,
    required_prompts,
)
from alignlab.rl import train_rl
from alignlab.sft import load_or_train_sft
from alignlab.task import AdditionTask

torch.set_num_threads(1)
task = AdditionTask()
sft = load_or_train_sft()  # trains in well under a minute the first time, then cached

# %%
grpo = train_rl(RLConfig(objective="grpo", steps=30), sft).model
drgrpo = train_rl(RLConfig(objective="dr_grpo", steps=30), sft).model

# %%
N_SAMPLES = 16
ev = {
    name: evaluate(m, task, N_SAMPLES, 1.0, seed=123)
    for name, m in [("SFT", sft), ("GRPO", grpo), ("Dr. GRPO", drgrpo)]
}
for name, r in ev.items():
    print(
        f"{name:9s} pass@1 {r.pass_at(1):.3f}  pass@16 {r.pass_at(16):.3f}  ({len(r.correct)} "
        f"prompts x {r.n})"
    )

# %% [markdown]
# ## 1. The unbiased pass@k estimator
#
# With $n$ samples per prompt of which $c$ are correct,
# $\widehat{\text{pass@}k}=1-\binom{n-c}{k}/\binom nk$ is unbiased for $1-(1-p)^k$; the plug-in
# $1-(1-c/n)^k$ is not (it is biased low, because $x\mapsto1-(1-x)^k$ is concave). We check both by
# simulation at a known $p$.

# %%
rng = np.random.default_rng(0)
n, k, p = 16, 8, 0.2
cs = rng.binomial(n, p, size=200_000)
unbiased = np.mean([pass_at_k(n, int(c), k) for c in cs])
plugin = np.mean(1 - (1 - cs / n) ** k)
truth = 1 - (1 - p) ** k
print(f"true {truth:.4f}  unbiased {unbiased:.4f}  plug-in {plugin:.4f}")
assert abs(unbiased - truth) < 0.003 and plugin < truth - 0.02
assert (
    pass_at_k(16, 0, 1) == 0
    and pass_at_k(16, 16, 4) == 1
    and abs(pass_at_k(16, 4, 1) - 0.25) < 1e-12
)

# %%
ks = [1, 2, 4, 8, 16]
for name, r in ev.items():
    plt.plot(ks, [r.pass_at(k) for k in ks], "o-", label=name)
plt.xscale("log", base=2)
plt.xlabel("k")
plt.ylabel("held-out pass@k (unbiased)")
plt.legend()
plt.grid(alpha=0.3)
plt.show()

# %% [markdown]
# ## 2. Bootstrap confidence intervals
#
# The unit of sampling is the *prompt*: resample the 400 held-out prompts with replacement and
# recompute pass@1. The interval is close to the normal approximation $\pm1.96\,s/\sqrt m$.

# %%
for name, r in ev.items():
    per_prompt = r.correct / r.n
    lo, hi = bootstrap_ci(per_prompt, n_boot=2000, seed=0)
    se = per_prompt.std(ddof=1) / math.sqrt(len(per_prompt))
    print(
        f"{name:9s} pass@1 {per_prompt.mean():.3f}  bootstrap 95% [{lo:.3f}, {hi:.3f}]  normal "
        f"±{1.96 * se:.3f}"
    )
    assert lo < per_prompt.mean() < hi
    assert abs((hi - lo) / 2 - 1.96 * se) < 0.01

# %% [markdown]
# ## 3. A paired comparison
#
# Two methods evaluated on the *same* prompts: the per-prompt differences cancel the prompt
# difficulty, which dominates the variance. The paired standard error is much smaller than the
# unpaired one.

# %%
a, b = ev["SFT"].correct / N_SAMPLES, ev["GRPO"].correct / N_SAMPLES
pc = paired_comparison(a, b)
se_unpaired = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
print(
    f"GRPO - SFT = {pc.diff:+.3f}, paired SE {pc.se:.4f} (unpaired {se_unpaired:.4f}), "
    f"95% CI [{pc.ci[0]:+.3f}, {pc.ci[1]:+.3f}], p = {pc.p_value:.1e}"
)
assert pc.se < se_unpaired and pc.ci[0] > 0
c = ev["Dr. GRPO"].correct / N_SAMPLES
pc2 = paired_comparison(b, c)
print(
    f"Dr. GRPO - GRPO = {pc2.diff:+.3f}, 95% CI [{pc2.ci[0]:+.3f}, {pc2.ci[1]:+.3f}], p = "
    f"{pc2.p_value:.2f}"
)

# %% [markdown]
# The second comparison asks "which objective is better here?". The difference is about one point,
# and whether its per-prompt interval excludes 0 depends on the run. More importantly, this interval
# only sees the sampling noise of *one* trained checkpoint per method: the run-to-run (seed)
# variance of training is not in it. The lab's comparison table (`materials/lab/results/`) reports a
# t-interval over 3 seeds, and there the GRPO and Dr. GRPO intervals overlap. A claim that one
# method beats another needs several training seeds, not just many prompts.
#
# ## 4. Power: how many prompts do we need?
#
# To detect $0.50$ versus $0.53$ with a two-sided 5 % test and 80 % power: against a *known*
# baseline of $0.50$,
# $m=\big(z_{0.975}\sqrt{p_0(1-p_0)}+z_{0.8}\sqrt{p_1(1-p_1)}\big)^2/(p_1-p_0)^2\approx2{,}180$
# prompts; comparing two *independently evaluated* models doubles it (both are estimated).

# %%
za, zb = NormalDist().inv_cdf(0.975), NormalDist().inv_cdf(0.8)
m_one = math.ceil((za * math.sqrt(0.25) + zb * math.sqrt(0.53 * 0.47)) ** 2 / 0.03**2)
m_two = required_prompts(0.50, 0.53)
print(f"one-sample: {m_one} prompts; two independent samples: {m_two} prompts per model")
assert 2150 < m_one < 2200 and 4300 < m_two < 4400
# Our test set (400 prompts) resolves differences of about:
print(
    "difference detectable between two unpaired models with 400 prompts each, p≈0.5:",
    round((za + zb) * math.sqrt(2 * 0.25 / 400), 3),
)

# %% [markdown]
# ## 5. A regression test
#
# A training pipeline should fail loudly when a new checkpoint is worse than the accepted one. The
# test below is one-sided and paired: it fails if the lower end of the 95 % interval of (new −
# accepted) is below $-\delta$ (a tolerated drop of 2 points). We check that it passes for the GRPO
# checkpoint and fails for a broken one (the same weights sampled at temperature 2, a typical
# deployment misconfiguration).


# %%
def regression_ok(accepted: np.ndarray, new: np.ndarray, delta: float = 0.02) -> bool:
    d = new - accepted
    lower = d.mean() - NormalDist().inv_cdf(0.95) * d.std(ddof=1) / math.sqrt(len(d))
    return bool(lower > -delta)


broken = evaluate(grpo, task, N_SAMPLES, 2.0, seed=123).correct / N_SAMPLES
print(
    "GRPO vs SFT:",
    regression_ok(a, b),
    "  GRPO at T=2 vs GRPO:",
    regression_ok(b, broken),
    f"(pass@1 {broken.mean():.3f})",
)
assert regression_ok(a, b) and not regression_ok(b, broken)

# %% [markdown]
# ## 6. Reward hacking: a verifier with a loophole
#
# `alignlab.task.verify_contains` has a one-line bug: it tests `answer in str(a + b)` instead of
# `answer == str(a + b)`. It accepts the right answer `"65"` for `07+58=`, but also `"6"`, `"5"` and
# the empty answer. We train Dr. GRPO against it, sampling at temperature 1.6 (more exploration, as
# in the early phase of a real run), and log the training reward, the held-out pass@1 under the
# *strict* verifier, and the response length.

# %%
hack = train_rl(
    RLConfig(objective="dr_grpo", verifier="contains", lr=3e-4, steps=60, temperature=1.6), sft
)
h = [r for r in hack.history if "reward" in r]
steps = [r["step"] for r in h]
fig, ax = plt.subplots(1, 2, figsize=(11, 3.5))
ax[0].plot(steps, [r["reward"] for r in h], label="loophole verifier (training reward, T = 1.6)")
ax[0].plot(
    *zip(*[(r["step"], r["test_pass1"]) for r in hack.history if "test_pass1" in r], strict=True),
    "o-",
    label="strict verifier, held-out pass@1",
)
ax[0].set_xlabel("RL step")
ax[0].legend(loc="center right", fontsize=8)
ax[0].set_title("reward: training vs strict held-out")
ax[1].plot(steps, [r["length"] for r in h])
ax[1].set_title("response length (tokens)")
ax[1].set_xlabel("RL step")
plt.show()

# %%
from alignlab.model import Tokenizer
from alignlab.sampling import generate
from alignlab.task import verify, verify_contains

tok = Tokenizer()
pairs = task.test_pairs()[:200]
prompts = [task.prompt(x, y) for x, y in pairs]
xt = torch.tensor([tok.encode(p) for p in prompts])
ro = generate(hack.model, xt, 6, tok.eos_id, tok.pad_id, 1.0, torch.Generator().manual_seed(0))
texts = [
    tok.decode(r) + ("" if tr else "$")
    for r, tr in zip(ro.tokens.tolist(), ro.truncated.tolist(), strict=True)
]
loose = np.mean([verify_contains(p, t) for p, t in zip(prompts, texts, strict=True)])
strict = np.mean([verify(p, t) for p, t in zip(prompts, texts, strict=True)])
print("examples:", [f"{p}{t}" for p, t in list(zip(prompts, texts, strict=True))[:6]])
print(
    f"loophole verifier {loose:.3f}   strict verifier {strict:.3f}   mean length "
    f"{ro.lengths.mean():.2f}"
)

# %% [markdown]
# The training reward climbs to 1 while the strict held-out pass@1 falls to 0 and the responses
# shrink to the bare EOS: the policy found that saying nothing is always "correct".
#
# **The check that catches it**: evaluate with a verifier the policy was *not* trained on (here the
# strict one) and monitor the gap between the training reward and that held-out score, together with
# the response length and a sample of raw outputs. A gap that opens while the length moves is the
# signature of a loophole; the fix is in the verifier, not in the policy.

# %%
assert loose - strict > 0.5, "the policy did not exploit the loophole"
assert ro.lengths.float().mean() < ev["SFT"].mean_length - 1.0
assert h[-1]["reward"] > 0.8 and hack.history[-1]["test_pass1"] < 0.1
