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
# # Lesson 8 lab — one batch through every objective
#
# The lab package `alignlab` (folder `materials/lab/` of the course repository) implements the
# objectives of Book Chapter 5 as functions with one signature: a batch of sampled tokens in, minus
# the objective out. Here we push **one fixed batch** through each of them and look at the
# *per-token gradient weight*
# $w_{i,t}=-\partial\,\text{loss}/\partial\log\pi_\theta(y_{i,t}\mid\cdot)$, the coefficient of the
# token's score $\nabla\log\pi_\theta(y_{i,t}\mid\cdot)$ in the update. The same batch and the same
# hand-computed numbers are in the lab's tests.
#
# Then we do the same with a real batch sampled from the lab's SFT model (trained on the fly the
# first time, in well under a minute, and cached).

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from alignlab.objectives import OBJECTIVES, ObjectiveConfig, PolicyBatch, token_weights

torch.set_num_threads(1)

# %% [markdown]
# ## 1. The fixed batch
#
# Two groups of $G=4$ responses. Group 1 has rewards $(1,0,0,0)$ and lengths $(2,3,1,3)$; group 2
# was solved by all four responses. The token ratios $\rho_{i,t}=\pi_\theta/\pi_{\mathrm{old}}$
# are chosen so that some tokens fall outside the clip range $[0.8,1.2]$:
#
# | response | $r_i$ | ratios |
# |---|---|---|
# | $y_1$ | 1 | 1.3, 1.0 |
# | $y_2$ | 0 | 0.7, 1.1, 1.0 |
# | $y_3$ | 0 | 0.85 |
# | $y_4$ | 0 | 1.0, 1.25, 0.9 |
# | $y_5..y_8$ | 1 | all 1.0 |

# %%
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


def make_batch() -> PolicyBatch:
    mask = torch.tensor([[float(v is not None) for v in r] for r in RATIOS], dtype=torch.float64)
    rho = torch.tensor(
        [[v if v is not None else 1.0 for v in r] for r in RATIOS], dtype=torch.float64
    )
    old = torch.full_like(rho, math.log(0.5))
    return PolicyBatch(
        logp=torch.log(0.5 * rho),
        old_logp=old,
        mask=mask,
        rewards=torch.tensor([1, 0, 0, 0, 1, 1, 1, 1], dtype=torch.float64),
        group_size=4,
        truncated=torch.zeros(8, dtype=torch.bool),
    )


# Each method with the settings used for the hand computation (std_eps = 0 for exact numbers; a
# GSPO clip of 0.1 so that its sequence clip is visible on ratios of this size).
CFGS = {
    "reinforce": ObjectiveConfig(),
    "rloo": ObjectiveConfig(),
    "grpo": ObjectiveConfig(std_eps=0.0),
    "dr_grpo": ObjectiveConfig(max_len=3),
    "dapo": ObjectiveConfig(clip_high=0.28, max_len=4, overlong_cache=2, std_eps=0.0),
    "gspo": ObjectiveConfig(clip_low=0.1, clip_high=0.1, std_eps=0.0),
    "sapo": ObjectiveConfig(std_eps=0.0),
}
W = {name: token_weights(OBJECTIVES[name], make_batch(), CFGS[name]).numpy() for name in OBJECTIVES}
ADV = {name: OBJECTIVES[name](make_batch(), CFGS[name]).advantages.numpy() for name in OBJECTIVES}
for name in OBJECTIVES:
    print(f"{name:9s} A = {np.round(ADV[name], 3)}")

# %% [markdown]
# **Advantages.** REINFORCE uses one baseline for the whole batch ($b=5/8$), so the four solved
# responses of group 2 are *pushed up* ($+3/8$) although that prompt had nothing left to learn. The
# group baselines (RLOO, GRPO, Dr. GRPO, ...) give group 2 zero advantage. RLOO's
# $(1,-\frac13,-\frac13,-\frac13)$ is $\frac{G}{G-1}=\frac43$ times Dr. GRPO's
# $(\frac34,-\frac14,-\frac14,-\frac14)$ (Proposition 5.6), and GRPO's $(\sqrt3,-1/\sqrt3,\dots)$
# divides the latter by the group std $\sqrt3/4$. DAPO first adds the overlong penalty $-\frac12$ to
# the two 3-token responses ($L_{\max}=4$, $L_{\mathrm{cache}}=2$), which changes its advantages;
# its group 2 also gets non-zero advantages from the penalty on the 3-token $y_7$, but the group is
# dropped by dynamic sampling (its verifier rewards are all 1), so its weights will be 0.

# %%
s3 = math.sqrt(3)
assert np.allclose(ADV["grpo"], [s3, -1 / s3, -1 / s3, -1 / s3, 0, 0, 0, 0], atol=1e-12)
assert np.allclose(ADV["rloo"], [1, -1 / 3, -1 / 3, -1 / 3, 0, 0, 0, 0], atol=1e-12)
assert np.allclose(ADV["rloo"][:4], 4 / 3 * ADV["dr_grpo"][:4], atol=1e-12)
assert np.allclose(ADV["reinforce"], [3 / 8, -5 / 8, -5 / 8, -5 / 8] + [3 / 8] * 4, atol=1e-12)

# %% [markdown]
# ## 2. Which token gets which weight

# %%
fig, axes = plt.subplots(1, 7, figsize=(17, 4.2), sharey=True)
vmax = max(np.abs(w).max() for w in W.values())
for ax, name in zip(axes, OBJECTIVES, strict=True):
    w = np.where(make_batch().mask.numpy() > 0, W[name], np.nan)
    im = ax.imshow(w, cmap="coolwarm", vmin=-vmax, vmax=vmax)
    for (i, t), v in np.ndenumerate(w):
        if not np.isnan(v):
            ax.text(
                t,
                i,
                f"{(0.0 if v == 0 else v):+.3f}\nρ={RATIOS[i][t]}",
                ha="center",
                va="center",
                fontsize=6.5,
            )
    ax.set_title(name)
    ax.set_xticks(range(3), [f"t={t + 1}" for t in range(3)])
    ax.set_yticks(range(8), [f"y{i + 1} r={int(r)}" for i, r in enumerate(make_batch().rewards)])
fig.colorbar(im, ax=axes, shrink=0.8, label="weight of ∇log π(y_t)")
fig.suptitle("Per-token gradient weights on the same batch (white: padding)")
plt.show()

# %% [markdown]
# Read the panels column by column:
#
# * **REINFORCE / RLOO** ignore the ratios: every token of response $i$ gets $A_i/N$; nothing is
#   ever clipped, which is why they are only safe on-policy.
# * **GRPO** divides by $|y_i|$: the one-token wrong answer $y_3$ is pushed down with weight
#   $-0.85/(8\sqrt3)=-0.061$ per token, the three-token $y_4$ only with about $-0.024$. Its two
#   clipped tokens ($\rho=1.3$ with $A>0$, $\rho=0.7$ with $A<0$) get weight $0$, but the token with
#   $\rho=1.25$ in the *wrong* answer $y_4$ is not clipped: the min keeps the more pessimistic
#   unclipped term.
# * **Dr. GRPO** replaces $1/|y_i|$ by the constant $1/L_{\max}$: every token of a response weighs
#   the same whatever the response's length.
# * **DAPO** drops group 2 (all rewards equal) and normalises by the 9 tokens of group 1; with
#   clip-higher ($1+\epsilon_{\mathrm{high}}=1.28$) the token with $\rho=1.25$ would still count if
#   its advantage were positive. The overlong penalty made $y_3$'s advantage exactly 0.
# * **GSPO** gives all tokens of a response one weight $s_iA_i/(N|y_i|)$ and silences *whole*
#   responses: $s_1=\sqrt{1.3}=1.14$ and $s_3=0.85$ are outside $[0.9,1.1]$.
# * **SAPO** never returns an exact zero; the gate $\sech^2(\tau(\rho-1)/2)$ is $0.98$ at
#   $\rho=1.3$, so at these ratios it behaves almost like the unclipped gradient.

# %%
b = -1 / s3
assert abs(W["grpo"][0, 0]) == 0 and abs(W["grpo"][1, 0]) == 0  # clipped tokens
assert abs(W["grpo"][0, 1] - s3 / 16) < 1e-12  # rho A / (N |y|)
assert abs(W["grpo"][3, 1] - 1.25 * b / 24) < 1e-12  # min keeps it
assert abs(W["grpo"][2, 0] - 0.85 * b / 8) < 1e-12
assert np.allclose(W["rloo"][:4].sum(1) / make_batch().mask.numpy()[:4].sum(1), ADV["rloo"][:4] / 8)
assert np.all(W["dapo"][4:] == 0) and W["dapo"][2, 0] == 0  # dropped group, A = 0
assert np.all(W["gspo"][0] == 0) and W["gspo"][2, 0] == 0  # whole responses clipped
assert np.allclose(W["gspo"][1], W["gspo"][1, 0]) and W["gspo"][1, 0] != 0
g13 = 1 / math.cosh(0.3 / 2) ** 2
assert abs(W["sapo"][0, 0] - g13 * 1.3 * s3 / 16) < 1e-12 and g13 > 0.97  # soft gate, not a cut
assert np.all(W["reinforce"][4:][make_batch().mask.numpy()[4:] > 0] > 0)  # solved group pushed up

# %% [markdown]
# ## 3. A real batch from the SFT model
#
# `alignlab.sft.load_or_train_sft()` trains the warm start (2-digit addition, about $10^5$
# parameters) or loads it from the cache folder. We sample $G=8$ answers for 6 training prompts and
# compute each objective's weights at $\theta=\theta_{\mathrm{old}}$ (all ratios 1), then after two
# Adam steps of GRPO on the same batch (ratios have left 1, clipping starts to act).

# %%
import copy

from alignlab.model import Tokenizer
from alignlab.objectives import DEFAULTS
from alignlab.sampling import generate, response_logprobs
from alignlab.sft import load_or_train_sft
from alignlab.task import AdditionTask, verify

sft = load_or_train_sft()
task, tok = AdditionTask(), Tokenizer()
pairs = task.train_pairs()[:6]
prompts = [task.prompt(a, b) for a, b in pairs]
G = 8
x = torch.tensor([tok.encode(p) for p in prompts]).repeat_interleave(G, 0)
gen = torch.Generator().manual_seed(0)
ro = generate(sft, x, 6, tok.eos_id, tok.pad_id, 1.0, gen)
texts = [
    tok.decode(r) + ("" if tr else "$")
    for r, tr in zip(ro.tokens.tolist(), ro.truncated.tolist(), strict=True)
]
rewards = torch.tensor([verify(prompts[i // G], t) for i, t in enumerate(texts)])
with torch.no_grad():
    old, _ = response_logprobs(sft, x, ro.tokens)
for k, p in enumerate(prompts):
    print(
        p,
        " ".join(t.rstrip("$") or "∅" for t in texts[k * G : (k + 1) * G]),
        " reward",
        rewards[k * G : (k + 1) * G].mean().item(),
    )


def real_batch(logp: torch.Tensor) -> PolicyBatch:
    return PolicyBatch(
        logp=logp,
        old_logp=old,
        mask=ro.mask,
        rewards=rewards,
        group_size=G,
        ref_logp=old,
        truncated=ro.truncated,
    )


def cfg_for(name: str) -> ObjectiveConfig:
    return ObjectiveConfig(**{**DEFAULTS[name], "max_len": 6, "overlong_cache": 2})


on_policy = {n: token_weights(OBJECTIVES[n], real_batch(old), cfg_for(n)) for n in OBJECTIVES}
seq_w = {n: (w.sum(1)).numpy() for n, w in on_policy.items()}
corr = {n: np.corrcoef(seq_w[n], seq_w["dr_grpo"])[0, 1] for n in OBJECTIVES if seq_w[n].std() > 0}
print({n: round(c, 3) for n, c in corr.items()})

# %% [markdown]
# At $\theta=\theta_{\mathrm{old}}$ every ratio is 1, nothing is clipped, and all group-baseline
# methods push each response in the direction of its sign of $r_i-\bar r$; they differ in scale
# (std, length normalisation, dropped groups). The response-level weights of GRPO, DAPO, GSPO and
# SAPO are positively correlated with Dr. GRPO's, and every correct response in a mixed group gets a
# positive total weight.

# %%
mixed = rewards.view(-1, G).std(1) > 0
rows = mixed.repeat_interleave(G) & (rewards > 0)
for n in ("rloo", "grpo", "dr_grpo", "dapo", "gspo", "sapo"):
    assert np.all(seq_w[n][rows.numpy()] > 0), n
    assert corr[n] > 0.5, (n, corr[n])
assert np.allclose(on_policy["gspo"].sum(1).numpy(), on_policy["grpo"].sum(1).numpy(), atol=1e-6)

# %% [markdown]
# The last assert is the book's remark after (5.22)–(5.23): on-policy, GSPO's and GRPO's gradients
# coincide. Now two GRPO steps move $\theta$; the ratios spread out and the clip begins to bind.

# %%
policy = copy.deepcopy(sft)
opt = torch.optim.Adam(policy.parameters(), lr=1e-3)
for _ in range(2):
    lp, _ = response_logprobs(policy, x, ro.tokens)
    loss = OBJECTIVES["grpo"](real_batch(lp), cfg_for("grpo")).loss
    opt.zero_grad()
    loss.backward()
    opt.step()
with torch.no_grad():
    lp, _ = response_logprobs(policy, x, ro.tokens)
ratio = torch.exp(lp - old)[ro.mask > 0]
outs = {n: OBJECTIVES[n](real_batch(lp), cfg_for(n)).stats["clip_frac"] for n in OBJECTIVES}
print("ratio range", ratio.min().item(), ratio.max().item())
print({n: round(v, 3) for n, v in outs.items()})
plt.figure(figsize=(6, 3))
plt.hist(ratio.numpy(), bins=40)
plt.axvline(0.8, color="k", ls="--")
plt.axvline(1.2, color="k", ls="--")
plt.xlabel("token ratio π_θ/π_old after two GRPO steps")
plt.ylabel("tokens")
plt.show()
assert ratio.max() > 1.0 and ratio.min() < 1.0
assert outs["reinforce"] == 0 and outs["rloo"] == 0
assert outs["gspo"] >= outs["grpo"]  # GSPO's tiny sequence clip range silences more tokens
