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
# # Lesson 12 lab — the pass@k crossover, reproduced on a tiny model
#
# Yue et al. (2025) report that RL with verifiable rewards raises pass@1 of a base model but that,
# for large $k$, the *base* model's pass@k catches up and overtakes it: RL sharpens the distribution
# onto answers the base model could already sample rather than teaching new ones. We reproduce the
# shape of that finding with the course's lab package `alignlab`: the SFT checkpoint plays the base
# model, a GRPO run from it the RL model, and both are scored with the unbiased pass@k estimator on
# the 400 held-out prompts with $n=64$ samples each.

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from alignlab.config import RLConfig
from alignlab.evaluation import evaluate, pass_at_k
from alignlab.rl import train_rl
from alignlab.sft import load_or_train_sft
from alignlab.task import AdditionTask

torch.set_num_threads(1)
task = AdditionTask()
sft = load_or_train_sft()  # trains in well under a minute the first time, then cached

# %%
rl = train_rl(RLConfig(objective="grpo", steps=60, lr=3e-4), sft).model

# %%
N = 64
ev = {"SFT (base)": evaluate(sft, task, N, 1.0, seed=7), "GRPO": evaluate(rl, task, N, 1.0, seed=7)}
ks = [1, 2, 4, 8, 16, 32, 64]
curves = {name: np.array([r.pass_at(k) for k in ks]) for name, r in ev.items()}
for name, c in curves.items():
    print(f"{name:11s}", " ".join(f"k={k}:{v:.3f}" for k, v in zip(ks, c, strict=True)))

# %%
fig, ax = plt.subplots(1, 2, figsize=(12, 4))
for name, c in curves.items():
    ax[0].plot(ks, c, "o-", label=name)
ax[0].set_xscale("log", base=2)
ax[0].set_xlabel("k")
ax[0].set_ylabel("held-out pass@k")
ax[0].legend()
ax[0].grid(alpha=0.3)
diff = curves["GRPO"] - curves["SFT (base)"]
ax[1].plot(ks, diff, "o-", color="k")
ax[1].axhline(0, color="gray")
ax[1].set_xscale("log", base=2)
ax[1].set_xlabel("k")
ax[1].set_ylabel("pass@k(GRPO) − pass@k(SFT)")
ax[1].grid(alpha=0.3)
plt.show()

# %% [markdown]
# The gap is largest at small $k$ and shrinks as $k$ grows; at $k=32$ and $64$ the base model is
# ahead. The per-prompt view explains why: RL moves prompts the base model solved *sometimes* to
# *often*; it rescues a handful of prompts the base never solved in 64 samples, but it loses more
# prompts whose rare correct answers it has sharpened away.

# %%
c_sft, c_rl = ev["SFT (base)"].correct, ev["GRPO"].correct
never_base = c_sft == 0
print(
    f"prompts the base never solved in {N} samples: {never_base.sum()}, "
    f"of which GRPO solves {(c_rl[never_base] > 0).sum()}"
)
print(f"prompts the base solved at least once but GRPO never: {((c_sft > 0) & (c_rl == 0)).sum()}")
plt.figure(figsize=(5, 4))
plt.scatter(
    c_sft / N + np.random.default_rng(0).normal(0, 0.005, len(c_sft)), c_rl / N, s=8, alpha=0.5
)
plt.plot([0, 1], [0, 1], "k--")
plt.xlabel("per-prompt success rate, SFT")
plt.ylabel("per-prompt success rate, GRPO")
plt.show()

# %%
assert diff[0] > 0.05  # RL wins clearly at k = 1
assert diff[-1] < diff[0] / 2  # the advantage shrinks with k
assert diff[-1] <= 0.01  # and is gone (or reversed) at k = 64
assert abs(pass_at_k(N, 1, 64) - 1.0) < 1e-12
assert ((c_sft > 0) & (c_rl == 0)).sum() > (
    never_base & (c_rl > 0)
).sum()  # loses more than it rescues
