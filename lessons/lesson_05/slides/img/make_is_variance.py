"""Write is_variance.svg: E_q[w^2] = s^2/sqrt(2 s^2 - 1) and N_eff/N for target N(0,1),
proposal N(0,s^2).

Run:  python make_is_variance.py   (pure Python, no plotting library)
"""

from math import sqrt
from pathlib import Path

W, H = 720, 400
X0, X1, Y0, Y1 = 80, 660, 330, 40  # plot box in pixels (y grows downwards)
XMIN, XMAX, YMIN, YMAX = 0.0, 3.0, 0.0, 5.0


def px(x: float, y: float) -> tuple[float, float]:
    return (
        X0 + (x - XMIN) / (XMAX - XMIN) * (X1 - X0),
        Y0 - (y - YMIN) / (YMAX - YMIN) * (Y0 - Y1),
    )


def polyline(f, a: float, b: float, n: int = 300) -> str:
    pts = []
    for i in range(n + 1):
        x = a + (b - a) * i / n
        y = f(x)
        if y <= YMAX:
            pts.append("{:.1f},{:.1f}".format(*px(x, y)))
    return " ".join(pts)


def second(s2):
    return s2 / sqrt(2 * s2 - 1)


def frac(s2):
    return sqrt(2 * s2 - 1) / s2


parts = [
    f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
    'font-family="DejaVu Sans, sans-serif" font-size="18">',
    "  <title>Second moment of importance weights and effective sample size versus proposal "
    "variance</title>",
    f'  <rect width="{W}" height="{H}" fill="#ffffff"/>',
]
# infinite-variance region
xa, _ = px(0.0, 0)
xb, _ = px(0.5, 0)
parts.append(f'  <rect x="{xa}" y="{Y1}" width="{xb - xa}" height="{Y0 - Y1}" fill="#f6e3dd"/>')
parts.append(
    f'  <text x="{(xa + xb) / 2}" y="{Y1 + 30}" text-anchor="middle" fill="#b5482a">infinite</text>'
)
parts.append(
    f'  <text x="{(xa + xb) / 2}" y="{Y1 + 50}" text-anchor="middle" fill="#b5482a">variance</text>'
)
# grid and ticks
for i in range(7):
    x = i * 0.5
    gx, _ = px(x, 0)
    parts.append(f'  <line x1="{gx}" y1="{Y0}" x2="{gx}" y2="{Y1}" stroke="#e5e8ec"/>')
    parts.append(f'  <text x="{gx}" y="{Y0 + 22}" text-anchor="middle">{x:g}</text>')
for j in range(6):
    _, gy = px(0, j)
    parts.append(f'  <line x1="{X0}" y1="{gy}" x2="{X1}" y2="{gy}" stroke="#e5e8ec"/>')
    parts.append(f'  <text x="{X0 - 10}" y="{gy + 5}" text-anchor="end">{j}</text>')
parts.append(f'  <line x1="{X0}" y1="{Y0}" x2="{X1}" y2="{Y0}" stroke="#1f2933" stroke-width="2"/>')
parts.append(f'  <line x1="{X0}" y1="{Y0}" x2="{X0}" y2="{Y1}" stroke="#1f2933" stroke-width="2"/>')
parts.append(
    f'  <line x1="{xb}" y1="{Y0}" x2="{xb}" y2="{Y1}" stroke="#5f6b7a" stroke-width="2" '
    'stroke-dasharray="4 4"/>'
)
# curves
parts.append(
    f'  <polyline points="{polyline(second, 0.5005, 3.0)}" fill="none" stroke="#1d4e89" '
    'stroke-width="3.5"/>'
)
parts.append(
    f'  <polyline points="{polyline(frac, 0.5005, 3.0)}" fill="none" stroke="#b5482a" '
    'stroke-width="3" stroke-dasharray="9 6"/>'
)
cx, cy = px(1.0, 1.0)
parts.append(f'  <circle cx="{cx}" cy="{cy}" r="6" fill="#1f2933"/>')
parts.append(f'  <text x="{cx + 10}" y="{cy + 24}">p = q</text>')
# legend
lx, ly = 400, 80
parts.append(
    f'  <line x1="{lx}" y1="{ly}" x2="{lx + 40}" y2="{ly}" stroke="#1d4e89" stroke-width="3.5"/>'
)
parts.append(f'  <text x="{lx + 50}" y="{ly + 5}">E_q[w²] = 1 + χ²(p‖q)</text>')
parts.append(
    f'  <line x1="{lx}" y1="{ly + 30}" x2="{lx + 40}" y2="{ly + 30}" stroke="#b5482a" '
    'stroke-width="3" stroke-dasharray="9 6"/>'
)
parts.append(f'  <text x="{lx + 50}" y="{ly + 35}">N_eff / N → 1 / E_q[w²]</text>')
# axis labels
parts.append(
    f'  <text x="{(X0 + X1) / 2}" y="{H - 18}" text-anchor="middle">proposal variance s²   (target '
    "N(0,1), proposal N(0,s²))</text>"
)
parts.append("</svg>")
Path(__file__).with_name("is_variance.svg").write_text("\n".join(parts) + "\n")
