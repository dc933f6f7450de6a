"""Write the two plots of the lesson 6 deck as plain SVG (no plotting library needed).

  baseline_variance.svg  variance of the single-sample estimator vs a constant baseline
                         (Book Example 3.17: 0.16 b^2 - 0.256 b + 0.1424)
  gae_weights.svg        weights (gamma*lambda)^l of the TD errors in GAE, gamma = 0.99

Run:  python make_figures.py
"""

from pathlib import Path

HERE = Path(__file__).parent
INK, ACCENT, RED, GREEN, ORANGE, GREY = (
    "#1f2933",
    "#1d4e89",
    "#b5482a",
    "#2d7d46",
    "#c77c0e",
    "#5f6b7a",
)


class Axes:
    def __init__(self, w, h, box, xr, yr):
        self.w, self.h = w, h
        self.x0, self.y0, self.x1, self.y1 = box  # left, bottom, right, top (pixels)
        self.xr, self.yr = xr, yr
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
            f'height="{h}" '
            'font-family="DejaVu Sans, sans-serif" font-size="18">'
        ]

    def px(self, x, y):
        (a, b), (c, d) = self.xr, self.yr
        return (
            self.x0 + (x - a) / (b - a) * (self.x1 - self.x0),
            self.y0 - (y - c) / (d - c) * (self.y0 - self.y1),
        )

    def add(self, s):
        self.parts.append("  " + s)

    def frame(self, xticks, yticks, xfmt="{:g}", yfmt="{:g}"):
        self.add(f'<rect width="{self.w}" height="{self.h}" fill="#ffffff"/>')
        for x in xticks:
            gx, _ = self.px(x, self.yr[0])
            self.add(
                f'<line x1="{gx:.1f}" y1="{self.y0}" x2="{gx:.1f}" y2="{self.y1}" '
                'stroke="#e5e8ec"/>'
            )
            self.add(
                f'<text x="{gx:.1f}" y="{self.y0 + 22}" '
                f'text-anchor="middle">{xfmt.format(x)}</text>'
            )
        for y in yticks:
            _, gy = self.px(self.xr[0], y)
            self.add(
                f'<line x1="{self.x0}" y1="{gy:.1f}" x2="{self.x1}" y2="{gy:.1f}" '
                'stroke="#e5e8ec"/>'
            )
            self.add(
                f'<text x="{self.x0 - 8}" y="{gy + 5:.1f}" '
                f'text-anchor="end">{yfmt.format(y)}</text>'
            )
        self.add(
            f'<line x1="{self.x0}" y1="{self.y0}" x2="{self.x1}" y2="{self.y0}" stroke="{INK}" '
            'stroke-width="2"/>'
        )
        self.add(
            f'<line x1="{self.x0}" y1="{self.y0}" x2="{self.x0}" y2="{self.y1}" stroke="{INK}" '
            'stroke-width="2"/>'
        )

    def curve(self, f, a, b, color, width=3, dash=None, n=200):
        pts = " ".join(
            "{:.1f},{:.1f}".format(*self.px(a + (b - a) * i / n, f(a + (b - a) * i / n)))
            for i in range(n + 1)
        )
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(
            f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="{width}"{d}/>'
        )

    def dot(self, x, y, color, r=6, label=None, dx=10, dy=-10, anchor="start"):
        cx, cy = self.px(x, y)
        self.add(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{color}"/>')
        if label:
            self.add(
                f'<text x="{cx + dx:.1f}" y="{cy + dy:.1f}" text-anchor="{anchor}">{label}</text>'
            )

    def text(self, x, y, s, anchor="start", color=INK, size=18):
        self.add(
            f'<text x="{x}" y="{y}" text-anchor="{anchor}" fill="{color}" '
            f'font-size="{size}">{s}</text>'
        )

    def legend_line(self, x, y, color, label, dash=None, width=3):
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(
            f'<line x1="{x}" y1="{y}" x2="{x + 36}" y2="{y}" stroke="{color}" '
            f'stroke-width="{width}"{d}/>'
        )
        self.text(x + 44, y + 5, label)

    def save(self, name, title):
        self.parts.insert(1, f"  <title>{title}</title>")
        self.parts.append("</svg>")
        (HERE / name).write_text("\n".join(self.parts) + "\n")


# --- baseline variance parabola -------------------------------------------------------
ax = Axes(760, 400, (90, 330, 720, 30), (-0.2, 1.4), (0.0, 0.25))
ax.frame([0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4], [0, 0.05, 0.1, 0.15, 0.2, 0.25], yfmt="{:.2f}")
ax.curve(lambda b: 0.04, -0.2, 1.4, GREY, width=2.5, dash="8 6")
ax.curve(lambda b: 0.16 * b * b - 0.256 * b + 0.1424, -0.2, 1.4, ACCENT, width=3.5)
ax.dot(0.0, 0.1424, RED, label="b = 0: 0.142")
ax.dot(0.2, 0.0976, RED, label="b = E R = 0.2: 0.098")
ax.dot(0.8, 0.04, RED, label="b* = 0.8: 0.040", dx=0, dy=26, anchor="middle")
ax.legend_line(450, 60, ACCENT, "total variance of ĝ(b)", width=3.5)
ax.legend_line(450, 90, GREY, "reward-noise floor s² E[g²]", dash="8 6", width=2.5)
ax.text(405, 385, "constant baseline b", anchor="middle")
ax.save(
    "baseline_variance.svg",
    "Variance of the score-function estimator as a parabola in the baseline b",
)

# --- GAE weights ----------------------------------------------------------------------
ax = Axes(760, 400, (80, 330, 490, 30), (0, 40), (0.0, 1.05))
ax.frame([0, 10, 20, 30, 40], [0, 0.25, 0.5, 0.75, 1.0])
series = [
    (1.0, INK, "λ = 1 (MC)"),
    (0.95, ACCENT, "λ = 0.95"),
    (0.8, GREEN, "λ = 0.8"),
    (0.5, ORANGE, "λ = 0.5"),
]
for k, (lam, color, label) in enumerate(series):
    pts = [(n, (0.99 * lam) ** n) for n in range(41)]
    ax.add(
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>'.format(
            " ".join("{:.1f},{:.1f}".format(*ax.px(x, y)) for x, y in pts), color
        )
    )
    for x, y in pts:
        cx, cy = ax.px(x, y)
        ax.add(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.6" fill="{color}"/>')
    ax.legend_line(515, 60 + 32 * k, color, label, width=2.5)
cx, cy = ax.px(0, 1.0)
ax.add(f'<rect x="{cx - 6:.1f}" y="{cy - 6:.1f}" width="12" height="12" fill="{RED}"/>')
ax.add(f'<rect x="521" y="{60 + 32 * 4 - 6}" width="12" height="12" fill="{RED}"/>')
ax.text(559, 60 + 32 * 4 + 5, "λ = 0 (TD error)")
ax.text(285, 385, "lag l", anchor="middle")
ax.text(22, 180, "weight (γλ)ˡ of δₜ₊ₗ", anchor="middle")
ax.parts[-1] = ax.parts[-1].replace(
    '<text x="22" y="180"', '<text x="22" y="180" transform="rotate(-90 22 180)"'
)
ax.text(515, 260, "γ = 0.99", color=GREY)
ax.save(
    "gae_weights.svg",
    "Weights of the TD errors in generalised advantage estimation for several lambda",
)
