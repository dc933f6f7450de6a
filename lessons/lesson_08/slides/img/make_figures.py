"""Draw the SVG figures of the lesson 8 slides (run from anywhere: python make_figures.py).

Every curve and bar is computed from the lesson's formulas:
token_mdp.svg (a response as a trajectory), kl_tilt.svg (pi* = pi_ref e^{r/beta} / Z),
group_adv.svg (GRPO / leave-one-out / Dr. GRPO advantages and the difficulty weight),
clip_ceiling.svg (how far a token can move before the clip stops it), sapo_gate.svg (hard gate vs
sech^2).
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

HERE = Path(__file__).resolve().parent
INK, ACCENT, WARM, MUTED, SOFT, GOLD = (
    "#1f2933",
    "#1d4e89",
    "#b5482a",
    "#5f6b7a",
    "#e8eef7",
    "#d08c2a",
)
plt.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "lesson08",
        "font.family": "DejaVu Sans",
        "mathtext.fontset": "dejavusans",
        "font.size": 20,
        "legend.fontsize": 17,
        "axes.edgecolor": INK,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def save(fig, name):
    fig.savefig(HERE / name, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)


def token_mdp():
    fig, ax = plt.subplots(figsize=(13, 3.2))
    ax.set_xlim(0, 13)
    ax.set_ylim(0, 3.2)
    ax.axis("off")
    boxes = [
        (0.2, r"$s_1=(x)$"),
        (3.2, r"$s_2=(x,y_1)$"),
        (6.4, r"$s_3=(x,y_{\leq 2})$"),
        (10.4, r"$(x,y_{\leq T})$"),
    ]
    for x0, label in boxes:
        ax.add_patch(
            FancyBboxPatch((x0, 1.5), 2.4, 0.9, boxstyle="round,pad=0.05", fc=SOFT, ec=ACCENT, lw=2)
        )
        ax.text(x0 + 1.2, 1.95, label, ha="center", va="center")
    ax.text(9.45, 1.95, r"$\cdots$", ha="center", va="center", fontsize=24)
    arrows = [
        (2.6, 3.2, r"$y_1\sim\pi_\theta$", r"$r_1=0$"),
        (5.6, 6.4, r"$y_2\sim\pi_\theta$", r"$r_2=0$"),
        (8.8, 9.1, "", ""),
        (9.8, 10.4, "", ""),
    ]
    for a, b, top, bottom in arrows:
        ax.add_patch(
            FancyArrowPatch(
                (a, 1.95), (b, 1.95), arrowstyle="-|>", mutation_scale=18, lw=2, color=INK
            )
        )
        if top:
            ax.text((a + b) / 2, 2.65, top, ha="center", fontsize=17)
            ax.text((a + b) / 2, 1.05, bottom, ha="center", fontsize=17, color=MUTED)
    ax.text(11.6, 2.75, r"$y_T=$ EOS", ha="center", fontsize=17)
    ax.text(11.6, 1.05, r"$r_T=r(x,y)$", ha="center", fontsize=17, color=WARM)
    ax.text(
        6.5,
        0.25,
        r"deterministic transitions $s_{t+1}=(s_t,y_t)$,   $\gamma=1$,   reward only at the end",
        ha="center",
        fontsize=17,
        color=MUTED,
    )
    save(fig, "token_mdp.svg")


def kl_tilt():
    pi_ref = np.array([0.5, 0.3, 0.2])
    r = np.array([0.0, 1.0, 2.0])
    betas = [10.0, 2.0, 1.0, 0.5]
    fig, ax = plt.subplots(figsize=(11, 4.2))
    width = 0.16
    colors = [MUTED, "#8fa8c8", "#4f7bb0", ACCENT]
    ax.bar(
        np.arange(3) - 2.5 * width,
        pi_ref,
        width,
        color="white",
        edgecolor=INK,
        hatch="//",
        label=r"$\pi_{\rm ref}$",
    )
    for k, (beta, c) in enumerate(zip(betas, colors, strict=True)):
        p = pi_ref * np.exp(r / beta)
        p /= p.sum()
        ax.bar(
            np.arange(3) + (k - 1.5) * width,
            p,
            width,
            color=c,
            label=rf"$\pi^\star$, $\beta={beta:g}$",
        )
    ax.set_xticks(range(3))
    ax.set_xticklabels([r"$y_1$, $r=0$", r"$y_2$, $r=1$", r"$y_3$, $r=2$"])
    ax.set_ylabel("probability")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    save(fig, "kl_tilt.svg")


def group_adv():
    r = np.array([1, 0, 0, 1, 0, 0, 0, 1.0])
    G = r.size
    grpo = (r - r.mean()) / r.std()
    loo = np.array([r[i] - np.delete(r, i).mean() for i in range(G)])
    dr = r - r.mean()
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.4), gridspec_kw={"width_ratios": [1.5, 1]})
    ax = axes[0]
    x = np.arange(G)
    w = 0.27
    ax.bar(x - w, grpo, w, color=ACCENT, label=r"GRPO $(r_i-\bar r)/{\rm std}$")
    ax.bar(x, loo, w, color=GOLD, label=r"leave-one-out $r_i-\bar r_{-i}$")
    ax.bar(x + w, dr, w, color=MUTED, label=r"Dr. GRPO $r_i-\bar r$")
    ax.axhline(0, color=INK, lw=1)
    ax.set_xticks(x)
    ax.set_xticklabels([f"$y_{i + 1}$\n{int(v)}" for i, v in enumerate(r)], fontsize=17)
    ax.set_ylabel("advantage")
    ax.set_title("3 of 8 correct", fontsize=18, color=INK)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, frameon=False, fontsize=17)
    ax = axes[1]
    p = np.linspace(0.02, 0.98, 200)
    ax.plot(p, 1 / np.sqrt(p * (1 - p)), color=ACCENT, lw=3)
    ax.set_xlabel("success fraction $p$ in the group")
    ax.set_ylabel("weight factor")
    ax.set_ylim(0, 8)
    ax.set_xticks([0, 0.5, 1])
    ax.set_yticks([2, 4, 6, 8])
    ax.set_title("std factor 1/√(p(1−p))", fontsize=18, color=INK)
    fig.tight_layout(w_pad=4)
    save(fig, "group_adv.svg")


def clip_ceiling():
    p = np.linspace(0.001, 1, 400)
    fig, ax = plt.subplots(figsize=(6.4, 5.0))
    ax.plot(p, p, ":", color=MUTED, lw=1.5, label=r"$\pi_{\rm old}$ (no move)")
    ax.plot(p, np.minimum(1, 1.2 * p), color=ACCENT, lw=3, label=r"ceiling, $\epsilon=0.2$")
    ax.plot(
        p,
        np.minimum(1, 1.28 * p),
        "--",
        color=WARM,
        lw=3,
        label=r"ceiling, $\epsilon_{\rm high}=0.28$",
    )
    ax.plot(p, 0.8 * p, color=GOLD, lw=2, label=r"floor, $\epsilon_{\rm low}=0.2$")
    ax.set_xlabel(r"old probability $\pi_{\rm old}$")
    ax.set_ylabel("reachable probability")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.45)
    ax.set_xticks([0, 0.5, 1])
    ax.set_yticks([0.5, 1])
    ax.legend(loc="upper left", frameon=False, fontsize=16, handlelength=1.5)
    fig.tight_layout()
    save(fig, "clip_ceiling.svg")


def sapo_gate():
    r = np.linspace(0, 4, 800)
    fig, ax = plt.subplots(figsize=(12, 4.6))
    ax.step(
        r,
        (r <= 1.2).astype(float),
        where="post",
        color=WARM,
        lw=3,
        label=r"clip gate, $\hat A>0$, $\epsilon=0.2$",
    )
    ax.step(
        r,
        (r >= 0.8).astype(float),
        where="post",
        color=WARM,
        lw=2,
        ls="--",
        alpha=0.6,
        label=r"clip gate, $\hat A<0$",
    )
    ax.plot(
        r,
        1 / np.cosh(0.5 * (r - 1)) ** 2,
        color=ACCENT,
        lw=3,
        label=r"SAPO $w$, $\tau_{\rm pos}=1$",
    )
    ax.plot(
        r,
        1 / np.cosh(0.525 * (r - 1)) ** 2,
        ":",
        color="#2a8a9a",
        lw=3,
        label=r"SAPO $w$, $\tau_{\rm neg}=1.05$",
    )
    ax.plot(
        r,
        1 / np.cosh(2.5 * (r - 1)) ** 2,
        "-.",
        color="#6a4c93",
        lw=2.5,
        label=r"SAPO $w$, $\tau=5$ (illustration)",
    )
    ax.set_xlabel("token ratio $r$")
    ax.set_ylabel("gradient weight")
    ax.set_xlim(0, 4)
    ax.set_ylim(0, 1.12)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0])
    ax.set_xticks([0, 0.8, 1.2, 2, 3, 4])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    save(fig, "sapo_gate.svg")


if __name__ == "__main__":
    token_mdp()
    kl_tilt()
    group_adv()
    clip_ceiling()
    sapo_gate()
    print("wrote", sorted(p.name for p in HERE.glob("*.svg")))
