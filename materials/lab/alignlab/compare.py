"""The comparison: every objective from the same SFT checkpoint, several seeds, a table and a figure."""

from __future__ import annotations

import csv
import json
import math
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from alignlab.config import RLConfig, SFTConfig, validate_rl, validate_sft
from alignlab.evaluation import evaluate
from alignlab.objectives import OBJECTIVES
from alignlab.rl import train_rl
from alignlab.sft import load_or_train_sft
from alignlab.task import AdditionTask

# Two-sided 95 % Student t quantiles for n - 1 degrees of freedom (n seeds).
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


@dataclass(frozen=True)
class RunSummary:
    """Final numbers of one (objective, seed) run."""

    objective: str
    seed: int
    test_pass1: float
    kl_k3: float
    length: float
    wall_time: float


def summarise(runs: list[RunSummary], sft_pass1: float) -> list[dict[str, object]]:
    """One row per objective: mean held-out pass@1 with a t-interval over seeds, spread, KL, time."""
    rows: list[dict[str, object]] = []
    for name in dict.fromkeys(r.objective for r in runs):
        rs = [r for r in runs if r.objective == name]
        p = np.array([r.test_pass1 for r in rs])
        half = T95.get(len(p) - 1, 1.96) * p.std(ddof=1) / math.sqrt(len(p)) if len(p) > 1 else float("nan")
        rows.append(
            {
                "objective": name,
                "seeds": len(rs),
                "pass1_mean": float(p.mean()),
                "pass1_ci95": float(half),
                "pass1_min": float(p.min()),
                "pass1_max": float(p.max()),
                "gain_over_sft": float(p.mean() - sft_pass1),
                "spread": float(p.max() - p.min()),
                "kl_k3": float(np.mean([r.kl_k3 for r in rs])),
                "length": float(np.mean([r.length for r in rs])),
                "wall_time_s": float(np.mean([r.wall_time for r in rs])),
            }
        )
    return rows


def write_table(rows: list[dict[str, object]], sft_pass1: float, out: Path, note: str) -> None:
    """Write ``results.csv`` and ``results.md`` (the Markdown table the README includes)."""
    with (out / "results.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{v:.4f}" if isinstance(v, float) else v) for k, v in r.items()})
    lines = [
        "| objective | held-out pass@1 (mean ± 95% CI) | min–max over seeds | gain over SFT "
        "| gain > spread | KL(π‖π_ref), k3 | length | wall time (s) |",
        "|---|---|---|---|---|---|---|---|",
        f"| SFT checkpoint | {sft_pass1:.3f} | – | – | – | 0 | – | – |",
    ]
    for r in rows:
        gain, spread = float(r["gain_over_sft"]), float(r["spread"])  # type: ignore[arg-type]
        lines.append(
            f"| {r['objective']} | {r['pass1_mean']:.3f} ± {r['pass1_ci95']:.3f} | "
            f"{r['pass1_min']:.3f}–{r['pass1_max']:.3f} | {gain:+.3f} | {'yes' if gain > spread else 'no'} | "
            f"{r['kl_k3']:.3f} | {r['length']:.2f} | {r['wall_time_s']:.0f} |"
        )
    (out / "results.md").write_text("\n".join(lines) + "\n\n" + note + "\n")


def plot_curves(out: Path, objectives: list[str]) -> Path:
    """Draw held-out pass@1, KL, clip fraction and entropy against the step from the JSONL logs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("test_pass1", "held-out pass@1 (T = 1)"),
        ("reward", "training reward (mean r)"),
        ("kl_k3", "KL(π_θ‖π_ref) per response, k3"),
        ("clip_frac", "clip fraction (tokens)"),
        ("entropy", "entropy per token (nats)"),
        ("length", "response length (tokens, EOS incl.)"),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5))
    colors = plt.get_cmap("tab10")
    for k, name in enumerate(objectives):
        logs = sorted((out / "runs").glob(f"{name}-seed*.jsonl"))
        if not logs:
            continue
        hist = [[json.loads(line) for line in p.read_text().splitlines()] for p in logs]
        for ax, (key, title) in zip(axes.flat, panels, strict=False):
            series = []
            for h in hist:
                pts = {int(r["step"]): r[key] for r in h if key in r}
                series.append(pts)
            steps = sorted(set.intersection(*(set(s) for s in series)))
            if not steps:
                continue
            vals = np.array([[s[t] for t in steps] for s in series])
            if key != "test_pass1" and len(steps) > 5:
                kern = np.ones(5) / 5  # smooth noisy per-step metrics over 5 steps
                vals = np.array([np.convolve(v, kern, mode="valid") for v in vals])
                steps = steps[2:-2]
            m = vals.mean(0)
            ax.plot(steps, m, color=colors(k), label=name, lw=1.8)
            ax.fill_between(steps, vals.min(0), vals.max(0), color=colors(k), alpha=0.12)
            ax.set_title(title, fontsize=11)
            ax.set_xlabel("RL step")
            ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=9, loc="lower right")
    fig.suptitle(
        "Every objective from the same SFT checkpoint (line: mean over seeds; band: min–max)",
        fontsize=12,
    )
    fig.tight_layout()
    path = out / "learning_curves.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run_comparison(
    out: Path,
    objectives: list[str] | None = None,
    seeds: int = 3,
    base: RLConfig | None = None,
    sft_cfg: SFTConfig | None = None,
    final_eval_samples: int = 8,
    log: bool = True,
) -> list[dict[str, object]]:
    """Train every objective with ``seeds`` seeds from one SFT checkpoint; write the table and figure.

    Every configuration is validated before the first run starts. Returns the table rows.
    """
    objectives = objectives or list(OBJECTIVES)
    base = base or RLConfig()
    sft_cfg = sft_cfg or SFTConfig()
    validate_sft(sft_cfg)
    configs = [replace(base, objective=o, seed=s) for o in objectives for s in range(seeds)]
    for c in configs:
        validate_rl(c)
    out.mkdir(parents=True, exist_ok=True)
    (out / "runs").mkdir(exist_ok=True)
    t0 = time.perf_counter()
    sft = load_or_train_sft(sft_cfg)
    task = AdditionTask(n_digits=sft_cfg.n_digits)
    sft_eval = evaluate(sft, task, final_eval_samples, 1.0, seed=10_000, max_new_tokens=base.max_new_tokens)
    sft_pass1 = sft_eval.pass_at(1)
    if log:
        print(f"SFT checkpoint: held-out pass@1 {sft_pass1:.3f}", flush=True)
    runs: list[RunSummary] = []
    for c in configs:
        res = train_rl(c, sft, sft_cfg, out / "runs" / f"{c.objective}-seed{c.seed}.jsonl", final_eval_samples)
        last = [h for h in res.history if "kl_k3" in h][-1]
        runs.append(
            RunSummary(
                c.objective,
                c.seed,
                res.final_eval["test_pass1"],
                last["kl_k3"],
                res.final_eval["length"],
                res.wall_time,
            )
        )
        if log:
            print(
                f"{c.objective:10s} seed {c.seed}: pass@1 {runs[-1].test_pass1:.3f}  KL {last['kl_k3']:.3f}  "
                f"{res.wall_time:.0f} s  (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    rows = summarise(runs, sft_pass1)
    load = os.getloadavg()
    note = (
        f"Held-out pass@1: {task.n_test} test prompts x {final_eval_samples} samples at temperature 1, "
        f"unbiased estimator; CI: Student t over {seeds} seeds. Each run: {base.steps} steps of "
        f"{base.batch_prompts} prompts x {base.group_size} responses, {base.epochs} epochs x "
        f"{base.minibatches} minibatches, lr {base.lr}. Wall time includes rollouts and updates, not "
        f"evaluation; total {time.perf_counter() - t0:.0f} s, load average at the end "
        f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} on {os.cpu_count()} cores."
    )
    write_table(rows, sft_pass1, out, note)
    (out / "runs.json").write_text(json.dumps([r.__dict__ for r in runs], indent=1) + "\n")
    plot_curves(out, objectives)
    return rows
