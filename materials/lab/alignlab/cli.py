"""``python -m alignlab``: train the SFT checkpoint, one RL run, or the whole comparison.

Bad input (an unknown objective, a group size of 1, a value out of range) is reported on one line
naming the field, with exit code 2, before any training starts.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path
from typing import NoReturn

from alignlab.config import ConfigError, RLConfig, SFTConfig, validate_rl, validate_sft


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"alignlab: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _add_fields(p: argparse.ArgumentParser, cls: type, skip: tuple[str, ...] = ()) -> None:
    for f in fields(cls):
        if f.name in skip:
            continue
        default = f.default
        kind = {"int": int, "float": float, "str": str}.get(str(f.type).split(" ")[0])
        if "bool" in str(f.type):
            p.add_argument(
                f"--{f.name.replace('_', '-')}",
                dest=f.name,
                default=default,
                type=lambda s: s.lower() in ("1", "true", "yes", "on"),
            )
        else:
            p.add_argument(
                f"--{f.name.replace('_', '-')}",
                dest=f.name,
                default=default,
                type=kind or (float if "float" in str(f.type) else str if "str" in str(f.type) else int),
            )


def _sft_cfg(ns: argparse.Namespace) -> SFTConfig:
    return SFTConfig(**{f.name: getattr(ns, "sft_" + f.name) for f in fields(SFTConfig)})


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m alignlab``."""
    p = _Parser(prog="alignlab", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, help_ in (
        ("sft", "train (or load) the SFT checkpoint and report its held-out pass@1"),
        ("rl", "one RL run from the SFT checkpoint"),
        ("compare", "every objective x seeds from one SFT checkpoint: table + figure"),
    ):
        sp = sub.add_parser(name, help=help_)
        for f in fields(SFTConfig):
            sp.add_argument(
                f"--sft-{f.name.replace('_', '-')}",
                dest="sft_" + f.name,
                default=f.default,
                type=float if f.type in ("float", float) else int,
            )
        if name in ("rl", "compare"):
            _add_fields(sp, RLConfig, skip=("objective", "seed") if name == "compare" else ())
            sp.add_argument("--out", type=Path, default=Path("lab-results"), help="output folder")
            sp.add_argument("--final-eval-samples", type=int, default=8)
        if name == "compare":
            sp.add_argument("--seeds", type=int, default=3)
            sp.add_argument("--objectives", default="reinforce,rloo,grpo,dr_grpo,dapo,gspo,sapo")
    return p


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, validate every configuration, then train. Returns the exit code."""
    ns = build_parser().parse_args(argv)
    try:
        sft_cfg = _sft_cfg(ns)
        validate_sft(sft_cfg)
        if ns.command in ("rl", "compare"):
            rl_fields = {f.name: getattr(ns, f.name) for f in fields(RLConfig) if hasattr(ns, f.name)}
            base = RLConfig(**rl_fields)
            validate_rl(base)
            if ns.command == "compare":
                objs = [o.strip() for o in ns.objectives.split(",") if o.strip()]
                for o in objs:
                    validate_rl(RLConfig(**{**rl_fields, "objective": o}))
                if ns.seeds < 1:
                    raise ConfigError(f"seeds: must be a positive integer, got {ns.seeds}")
    except ConfigError as e:
        print(f"alignlab: error: {e}", file=sys.stderr)
        return 2
    # Heavy imports only once the input is known to be good.
    from alignlab.evaluation import evaluate
    from alignlab.sft import load_or_train_sft
    from alignlab.task import AdditionTask

    if ns.command == "sft":
        model = load_or_train_sft(sft_cfg, log=True)
        r = evaluate(model, AdditionTask(n_digits=sft_cfg.n_digits), 8)
        print(f"SFT held-out pass@1 {r.pass_at(1):.3f} ({model.num_params()} parameters)")
        return 0
    if ns.command == "rl":
        from alignlab.rl import train_rl

        model = load_or_train_sft(sft_cfg)
        ns.out.mkdir(parents=True, exist_ok=True)
        log = ns.out / f"{base.objective}-seed{base.seed}.jsonl"
        res = train_rl(base, model, sft_cfg, log, ns.final_eval_samples)
        print(
            f"{base.objective}: held-out pass@1 {res.final_eval['test_pass1']:.3f} in {res.wall_time:.0f} s; log {log}"
        )
        return 0
    from alignlab.compare import run_comparison

    run_comparison(ns.out, objs, ns.seeds, base, sft_cfg, ns.final_eval_samples)
    print(f"wrote {ns.out / 'results.md'} and {ns.out / 'learning_curves.png'}")
    return 0
