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
# # Lesson 9 lab — the systems side of an RL loop, on a model you can run
#
# Lesson 9 is about what the frameworks do around the objective: generation throughput, how a loss
# is aggregated when the batch is split into micro-batches, seeds, and what to watch while training.
# This notebook measures each of these on the course's lab package `alignlab` (a $10^5$-parameter
# transformer that learns 2-digit addition) and ends with a table that maps each knob of the lab to
# its name in TRL's `GRPOConfig` and in verl.
#
# Everything runs on the CPU in a couple of minutes; the SFT checkpoint is trained on the fly the
# first time and cached (`alignlab.sft.cache_dir()`).

# %%
import time

import matplotlib.pyplot as plt
import torch
from alignlab.config import RLConfig
from alignlab.model import Tokenizer
from alignlab.rl import train_rl
from alignlab.sampling import generate, response_logprobs
from alignlab.sft import load_or_train_sft
from alignlab.task import AdditionTask, verify

torch.set_num_threads(1)
sft = load_or_train_sft()  # trains in well under a minute the first time, then cached
task, tok = AdditionTask(), Tokenizer()
print(f"{sft.num_params()} parameters")

# %% [markdown]
# ## 1. Rollout throughput: the KV cache and batching
#
# Without a cache, sampling token $t$ recomputes attention over the whole prefix: the cost of a
# response grows quadratically with its length. With the key/value cache each new token costs one
# position. Batching amortises the Python and kernel-launch overhead over many sequences. We time
# 256 responses four ways.

# %%
prompts = [task.prompt(a, b) for a, b in task.train_pairs()[:256]]
x = torch.tensor([tok.encode(p) for p in prompts])


def timed(batch: int, cache: bool) -> tuple[float, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    t0 = time.perf_counter()
    outs = [
        generate(sft, x[i : i + batch], 6, tok.eos_id, tok.pad_id, 1.0, g, use_cache=cache).tokens
        for i in range(0, len(x), batch)
    ]
    return len(x) / (time.perf_counter() - t0), torch.cat(outs)


rates = {}
for batch in (1, 256):
    for cache in (True, False):
        rates[(batch, cache)], toks = timed(batch, cache)
        print(f"batch {batch:3d}  cache {cache!s:5s}: {rates[(batch, cache)]:8.0f} responses/s")
same = [timed(256, c)[1] for c in (True, False)]
assert torch.equal(same[0], same[1])  # the cache changes speed, never the samples
assert rates[(256, True)] > 5 * rates[(1, True)]  # batching is the big win on a CPU

# %% [markdown]
# Batching gives by far the largest factor here. The cache matters less because our responses are at
# most 6 tokens after a 6-token prompt; with responses of thousands of tokens it is indispensable,
# and inference engines (vLLM, SGLang) add paged caches, continuous batching and prefix sharing on
# top.

# %% [markdown]
# ## 2. Loss aggregation and gradient accumulation
#
# A framework rarely computes the loss of a whole batch at once: it splits it into micro-batches,
# back-propagates each and sums the gradients. Whether the result equals the full-batch gradient
# depends on how the loss is normalised. Take one real batch of 4 prompts × 8 responses and split it
# in two micro-batches of unequal size, 1 prompt and 3 prompts (as happens when a framework packs by
# tokens or when dynamic sampling leaves a ragged batch).

# %%
G = 8
xs = torch.tensor([tok.encode(p) for p in prompts[:4]]).repeat_interleave(G, 0)
ro = generate(sft, xs, 6, tok.eos_id, tok.pad_id, 1.0, torch.Generator().manual_seed(1))
texts = [
    tok.decode(r) + ("" if tr else "$")
    for r, tr in zip(ro.tokens.tolist(), ro.truncated.tolist(), strict=True)
]
rewards = torch.tensor([verify(prompts[i // G], t) for i, t in enumerate(texts)])
adv = (rewards.view(-1, G) - rewards.view(-1, G).mean(1, keepdim=True)).reshape(-1)
mask = ro.mask
print("tokens per micro-batch:", mask[:8].sum().item(), mask[8:].sum().item())


def grad_of(loss_fn, rows_list, weights) -> torch.Tensor:
    sft.zero_grad()
    for rows, w in zip(rows_list, weights, strict=True):
        lp, _ = response_logprobs(sft, xs[rows], ro.tokens[rows])
        (w * loss_fn(lp, rows)).backward()
    return torch.cat([p.grad.flatten() for p in sft.parameters()])


def token_mean(lp, rows):
    # DAPO's / verl's "token-mean": divide by the token count of this (micro-)batch
    return -(adv[rows, None] * lp * mask[rows]).sum() / mask[rows].sum()


def token_sum(lp, rows):
    return -(adv[rows, None] * lp * mask[rows]).sum()


def seq_mean(lp, rows):
    # GRPO's per-response token mean, then the mean over responses
    return -((adv[rows, None] * lp * mask[rows]).sum(1) / mask[rows].sum(1)).mean()


full, halves = [slice(0, 32)], [slice(0, 8), slice(8, 32)]
g_full = grad_of(token_mean, full, [1.0])
g_naive = grad_of(token_mean, halves, [0.5, 0.5])  # average of micro-batch token means
n_tok = mask.sum()
g_right = grad_of(token_sum, halves, [1 / n_tok, 1 / n_tok])  # sum, then divide by the global count


def rel(a, b):
    return float((a - b).norm() / b.norm())


print(f"token-mean, averaged micro-batch means: relative error {rel(g_naive, g_full):.3%}")
print(f"token-mean, global token count:         relative error {rel(g_right, g_full):.1e}")
g_seq_full = grad_of(seq_mean, full, [1.0])
g_seq_naive = grad_of(seq_mean, halves, [0.5, 0.5])
g_seq_acc = grad_of(seq_mean, halves, [8 / 32, 24 / 32])  # weight by number of sequences
print(
    f"sequence-mean, averaged micro-batch means: relative error {rel(g_seq_naive, g_seq_full):.3%}"
)
print(f"sequence-mean, weighted by sequences:     relative error {rel(g_seq_acc, g_seq_full):.1e}")
assert rel(g_right, g_full) < 1e-5 and rel(g_seq_acc, g_seq_full) < 1e-5
assert rel(g_naive, g_full) > 1e-2 and rel(g_seq_naive, g_seq_full) > 1e-2

# %% [markdown]
# The token-mean loss is a ratio of sums; averaging the micro-batch ratios weights a token of a
# micro-batch with few tokens more than a token of one with many. The fix is the one TRL's
# `loss_type="dapo"` documents: divide by the token count of the *whole* (accumulated) batch. The
# per-sequence mean (GRPO's $\frac1G\sum_i\frac1{|y_i|}$) has the same problem one level up: the
# micro-batch means must be weighted by their numbers of sequences (equal micro-batches make the
# plain average right). Dr. GRPO's constant normaliser $\frac1{GL_{\max}}$ accumulates exactly with
# any split, because it never looks at the other micro-batch.

# %% [markdown]
# ## 3. Seeds and reproducibility
#
# `alignlab` seeds Python, NumPy and torch, draws every sample from an explicit `torch.Generator`,
# and uses one CPU thread. Two runs with the same seed are then identical to the last bit; a
# different seed gives a different run (and that spread is what a comparison must beat).

# %%
short = RLConfig(objective="grpo", steps=6, eval_every=3, eval_samples=1)
a = train_rl(short, sft)
b = train_rl(short, sft)
c = train_rl(RLConfig(objective="grpo", steps=6, eval_every=3, eval_samples=1, seed=1), sft)


def strip(h):
    return [{k: v for k, v in r.items() if k != "time"} for r in h]


assert strip(a.history) == strip(b.history)
assert all(
    torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True)
)
assert strip(a.history) != strip(c.history)
print(
    "same seed: identical; seed 1: reward",
    [round(r["reward"], 3) for r in c.history if "reward" in r],
)

# %% [markdown]
# On a GPU the same code is reproducible only with deterministic kernels
# (`torch.use_deterministic_algorithms(True)`) and, in a real framework, with the inference engine's
# own seed; the sampler and the trainer also compute log-probabilities with different kernels, which
# is why frameworks recompute $\log\pi_{\mathrm{old}}$ with the trainer instead of trusting the
# sampler's numbers. The lab logs that gap (`sampler_logp_gap`): here both come from the same model
# code, one with the KV cache and one without, so it is at rounding level ($\sim10^{-7}$); a gap of
# $10^{-2}$ would be a bug.

# %% [markdown]
# ## 4. What to monitor
#
# A 40-step GRPO run with the lab's default settings, and the dashboard a practitioner watches.

# %%
run = train_rl(RLConfig(objective="grpo", steps=40), sft)
h = [r for r in run.history if "reward" in r]
steps = [r["step"] for r in h]
panels = [
    ("reward", "reward (train)"),
    ("kl_k3", "KL to π_ref (k3)"),
    ("kl_k1", "KL to π_ref (k1)"),
    ("entropy", "entropy / token"),
    ("clip_frac", "clip fraction"),
    ("length", "length"),
    ("grad_norm", "grad norm (before clip)"),
    ("zero_std_groups", "groups with zero std"),
    ("sampler_logp_gap", "|log π_sampler − log π_old|"),
]
fig, axes = plt.subplots(3, 3, figsize=(13, 8))
for ax, (k, t) in zip(axes.flat, panels, strict=True):
    ax.plot(steps, [r[k] for r in h])
    ax.set_title(t)
    ax.set_xlabel("RL step")
    ax.grid(alpha=0.3)
ev = [(r["step"], r["test_pass1"]) for r in run.history if "test_pass1" in r]
axes[0, 0].plot(*zip(*ev, strict=True), "o-", label="held-out pass@1")
axes[0, 0].legend()
fig.tight_layout()
plt.show()
assert h[0]["kl_k3"] == 0 and max(r["kl_k3"] for r in h) > 0  # the policy leaves π_ref
assert (
    all(r["kl_k3"] >= 0 for r in h) and max(r["sampler_logp_gap"] for r in h) < 1e-4
)  # k3 is never negative
assert min(r["entropy"] for r in h[-10:]) > 0.1  # no entropy collapse at this lr
assert max(p for _, p in ev[1:]) > ev[0][1] + 0.05  # held-out pass@1 went up

# %% [markdown]
# What each panel tells you: **reward** and **held-out pass@1** rising together is learning; reward
# rising while held-out pass@1 stalls is overfitting or hacking (lesson 10). **KL** growing without
# bound means the regulariser (or the learning rate) is too weak; $k_1$ can be negative on a step,
# $k_3$ cannot. **Entropy** falling is the usual sign of sharpening, and a collapse to 0 ends
# exploration (DAPO's clip-higher exists for this); at this small learning rate it stays nearly flat
# over 40 steps, while held-out pass@1 rises quickly and then plateaus. **Clip fraction** near 0
# means the inner epochs are nearly on-policy; large values mean the step size is too big for
# $\epsilon$. **Length** drifting is the first symptom of the length bias of lesson 8. **Groups with
# zero std** give no signal: when most groups are solved or failed, the batch is wasted (DAPO's
# dynamic sampling). **Grad norm** spikes precede divergence.

# %% [markdown]
# ## 5. The knobs and their names in TRL and verl
#
# | lab (`RLConfig` / `ObjectiveConfig`) | meaning | TRL `GRPOConfig` | verl config |
# |---|---|---|---|
# | `group_size` | $G$ responses per prompt | `num_generations` | `actor_rollout_ref.rollout.n` |
# | `batch_prompts` | prompts per rollout batch | via `per_device_train_batch_size` × devices × `steps_per_generation` / `num_generations` | `data.train_batch_size` |
# | `minibatches` | optimiser steps per pass over a batch | `steps_per_generation` | `actor_rollout_ref.actor.ppo_mini_batch_size` (size, not count) |
# | `epochs` | passes over one batch ($\mu$) | `num_iterations` | `actor_rollout_ref.actor.ppo_epochs` |
# | `clip_low`, `clip_high` | $\epsilon_{\mathrm{low}}$, $\epsilon_{\mathrm{high}}$ | `epsilon`, `epsilon_high` | `actor_rollout_ref.actor.clip_ratio_low`, `clip_ratio_high` |
# | `kl_coef` with `kl_in="loss"` | $\beta$ on the KL in the loss | `beta` | `actor_rollout_ref.actor.use_kl_loss`, `kl_loss_coef` |
# | `kl_estimator` | $k_1$ / $k_3$ | ($k_3$ fixed) | `actor_rollout_ref.actor.kl_loss_type` |
# | `kl_in="reward"` | KL in the reward | — | `algorithm.use_kl_in_reward`, `algorithm.kl_penalty` |
# | objective `grpo` / `dr_grpo` / `dapo` aggregation | $\frac1G\sum\frac1{\lvert y_i\rvert}$ / $\frac1{GL_{\max}}$ / token mean | `loss_type="grpo"` / `"dr_grpo"` / `"dapo"` | `actor_rollout_ref.actor.loss_agg_mode` = `seq-mean-token-mean` / `seq-mean-token-sum-norm` / `token-mean` |
# | std normalisation on/off (GRPO vs Dr. GRPO) | divide by $\std(\mathbf r)$ | `scale_rewards` (`"group"`, `"batch"`, `"none"`) | `algorithm.norm_adv_by_std_in_grpo` |
# | objective `gspo` | sequence-level ratio | `importance_sampling_level="sequence"` | `actor_rollout_ref.actor.policy_loss.loss_mode="gspo"` |
# | `dynamic_sampling` | drop all-equal groups and refill | — | `algorithm.filter_groups.enable` (DAPO recipe) |
# | overlong shaping ($L_{\max}$, $L_{\mathrm{cache}}$) | soft length penalty | `mask_truncated_completions` is the *filtering* variant | `reward_model.overlong_buffer.len`, `.penalty_factor` (DAPO recipe) |
# | `temperature` | sampling temperature | `temperature` | `actor_rollout_ref.rollout.temperature` |
# | `max_new_tokens` | $L_{\max}$ | `max_completion_length` | `data.max_response_length` |
#
# Checked against: the TRL documentation's paper index (GSPO entry: `importance_sampling_level`,
# `loss_type`, `beta`, `epsilon`, `epsilon_high`, `steps_per_generation`) and its GRPO trainer
# parameter descriptions (`num_iterations`, `scale_rewards`, `loss_type` values
# `grpo`/`dr_grpo`/`dapo`/`bnpo`, `mask_truncated_completions`); verl's documentation pages "Verl
# LLM Best Practices (DAPO + Qwen3-235B)", the DAPO recipe and the PPO example's configuration notes
# (`data.train_batch_size`, `rollout.n`, `ppo_mini_batch_size`, `ppo_epochs`, `clip_ratio`). Names
# in the verl column that those pages did not show verbatim (`kl_loss_type`, `use_kl_in_reward`,
# `norm_adv_by_std_in_grpo`, `policy_loss.loss_mode`, `filter_groups`, `overlong_buffer`) are taken
# from verl's configuration files and should be checked against the version you install: these names
# change between releases.
