"""Draw the SVG figures of the lesson 7 slides (run from anywhere: python make_figures.py).

Each figure is computed from the formulas of the lesson, so the pictures and the text agree:
ppo_clip.svg (clipped objective for A>0 and A<0), mm.svg (minorize-maximize),
cpi_chain.svg (CPI bound on the two-state chain), natural_gradient.svg (KL ellipse and steps).
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

HERE = Path(__file__).resolve().parent
INK, ACCENT, WARM, MUTED, SOFT = "#1f2933", "#1d4e89", "#b5482a", "#5f6b7a", "#e8eef7"
plt.rcParams.update(
    {
        "svg.fonttype": "none",
        "svg.hashsalt": "lesson07",
        "font.family": "DejaVu Sans",
        "mathtext.fontset": "dejavusans",
        "font.size": 18,
        "legend.fontsize": 16,
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


def ppo_clip(eps=0.2):
    r = np.linspace(0, 2, 401)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, A in zip(axes, (1.0, -1.0), strict=True):
        ell = np.minimum(r * A, np.clip(r, 1 - eps, 1 + eps) * A)
        lo, hi = (1 + eps, 2) if A > 0 else (0, 1 - eps)
        ax.axvspan(lo, hi, color=WARM, alpha=0.10, lw=0)
        ax.plot(r, r * A, "--", color=MUTED, lw=1.5, label=r"unclipped $rA$")
        ax.plot(r, ell, color=ACCENT, lw=3, label=r"$\ell(r,A)$")
        for x in (1 - eps, 1 + eps):
            ax.axvline(x, ls=":", color=INK, lw=1)
        ax.text(
            (lo + hi) / 2,
            0.5 if A > 0 else -1.5,
            "gradient = 0",
            ha="center",
            color=WARM,
            fontsize=16,
        )
        ax.set_xlim(0, 2)
        ax.set_ylim((0, 2.05) if A > 0 else (-2.05, 0))
        ax.set_xticks([0, 0.8, 1.2, 2])
        ax.set_xlabel("ratio $r$")
        ax.set_title(f"$A={A:+.0f}$", color=INK)
        ax.legend(loc="upper left" if A > 0 else "upper right", frameon=False)
    fig.tight_layout(w_pad=3)
    save(fig, "ppo_clip.svg")


def mm():
    th = np.linspace(-1.6, 2.2, 300)
    eta = 0.6 * np.sin(1.1 * th) + 0.3 * th + 0.2
    slope = 0.6 * 1.1 + 0.3
    M = 0.2 + slope * th - 1.1 * th**2
    fig, ax = plt.subplots(figsize=(9, 4.4))
    ax.plot(th, eta, color=INK, lw=2.5, label=r"true objective $\eta(\theta)$")
    ax.plot(
        th,
        M,
        "--",
        color=ACCENT,
        lw=2.2,
        label=r"$M_i(\theta)=L_i(\theta)-C\,\mathrm{KL}_i^{\max}(\theta)$",
    )
    t_star = slope / 2.2
    ax.plot([0], [0.2], "o", color=INK)
    ax.plot([t_star], [0.2 + slope * t_star - 1.1 * t_star**2], "o", color=ACCENT)
    ax.plot([t_star], [0.6 * np.sin(1.1 * t_star) + 0.3 * t_star + 0.2], "o", color=WARM)
    ax.axvline(t_star, ls=":", color=MUTED)
    ax.annotate(
        r"$\theta_i$: $M_i=\eta$",
        (0, 0.2),
        (-1.45, 0.6),
        arrowprops={"arrowstyle": "->", "color": MUTED},
    )

    ax.set_ylim(-0.9, 1.7)
    ax.set_xticks([0], [r"$\theta_i$"])
    ax.text(t_star + 0.04, 1.5, r"$\theta_{i+1}=\arg\max\,M_i$", color=INK)
    ax.set_yticks([])
    ax.set_xlabel(r"policy parameter $\theta$")
    ax.legend(loc="upper left", frameon=False)
    fig.tight_layout()
    save(fig, "mm.svg")


def evaluate(P, R, pi, mu, gamma):
    nS = P.shape[0]
    P_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = np.einsum("sa,sa->s", pi, R)
    M = np.eye(nS) - gamma * P_pi
    V = np.linalg.solve(M, r_pi)
    A = R + gamma * P @ V - V[:, None]
    d = np.linalg.solve(M.T, mu)
    return mu @ V, A, d


def cpi_chain():
    """Two-state chain of the book, proposal pi' = 'always move' (bad in s2)."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, 0, 1] = P[1, 1, 0] = 1.0
    R = np.array([[0.0, 0.0], [1.0, 1.0]])
    mu, gamma = np.array([1.0, 0.0]), 0.5
    pi = np.full((2, 2), 0.5)
    prop = np.array([[0.0, 1.0], [0.0, 1.0]])
    eta0, A, d = evaluate(P, R, pi, mu, gamma)
    abar = (prop * A).sum(1)
    big_a = ((1 - gamma) * d) @ abar
    eps = np.abs(abar).max()
    alphas = np.linspace(0, 1, 201)
    exact = np.array([evaluate(P, R, (1 - a) * pi + a * prop, mu, gamma)[0] - eta0 for a in alphas])
    lin = alphas * big_a / (1 - gamma)
    bound = alphas / (1 - gamma) * (big_a - 2 * alphas * gamma * eps / (1 - gamma * (1 - alphas)))
    fig, ax = plt.subplots(figsize=(11, 4.2))
    ax.axhline(0, color=MUTED, lw=0.8)
    ax.plot(alphas, lin, "--", color=MUTED, lw=1.8, label="surrogate gain (linear)")
    ax.plot(alphas, exact, color=INK, lw=2.5, label=r"true gain $\eta(\pi_{\rm new})-\eta(\pi)$")
    ax.plot(alphas, bound, color=ACCENT, lw=2.5, label="CPI lower bound")
    k = np.argmax(bound)
    ax.plot([alphas[k]], [bound[k]], "o", color=ACCENT)
    ax.set_xlabel(r"mixture weight $\alpha$")
    ax.set_xlim(0, 1)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    fig.tight_layout()
    save(fig, "cpi_chain.svg")
    return big_a, eps, alphas[k], bound[k], exact[-1]


def natural_gradient(delta=0.5):
    F = np.array([[3.0, 1.2], [1.2, 1.0]])
    g = np.array([1.0, -0.5])
    nat = np.linalg.solve(F, g)
    d_star = np.sqrt(2 * delta / (g @ nat)) * nat
    d_plain = np.sqrt(2 * delta / (g @ F @ g)) * g  # plain direction scaled onto the ellipse
    t = np.linspace(0, 2 * np.pi, 400)
    L = np.linalg.cholesky(F)
    circle = np.sqrt(2 * delta) * np.stack([np.cos(t), np.sin(t)])
    ell = np.linalg.solve(L.T, circle)
    fig, ax = plt.subplots(figsize=(5.6, 5.2))
    ax.fill(ell[0], ell[1], color=SOFT)
    ax.plot(ell[0], ell[1], color=ACCENT, lw=2)
    ax.arrow(0, 0, *d_plain, width=0.02, color=MUTED, length_includes_head=True)
    ax.arrow(0, 0, *d_star, width=0.02, color=WARM, length_includes_head=True)
    ax.text(d_plain[0] + 0.03, d_plain[1] + 0.05, r"along $g$", color=MUTED)
    ax.text(d_star[0] + 0.04, d_star[1] - 0.05, r"$\Delta\theta^\star\propto F^{-1}g$", color=WARM)
    lim = 1.25 * np.abs(ell).max()
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel(r"$\Delta\theta_1$")
    ax.set_ylabel(r"$\Delta\theta_2$")
    ax.set_title("KL trust region", color=INK)
    fig.tight_layout()
    save(fig, "natural_gradient.svg")
    return g @ d_star, g @ d_plain


if __name__ == "__main__":
    ppo_clip()
    mm()
    print("CPI chain (A, eps, best alpha, bound at best, exact gain at alpha=1):", cpi_chain())
    print("predicted gain natural vs plain on the ellipse:", natural_gradient())
