"""A few RL steps of every objective on a tiny model, determinism, and the CLI's input errors."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest
import torch
from alignlab.config import ConfigError, RLConfig, SFTConfig, validate_rl
from alignlab.model import ModelConfig, TinyLM, Tokenizer
from alignlab.objectives import OBJECTIVES
from alignlab.rl import train_rl
from alignlab.sampling import generate
from alignlab.sft import train_sft

TINY_SFT = SFTConfig(d=16, n_layers=1, n_heads=2, steps=5, batch_size=16)
TINY_RL = RLConfig(
    steps=2, batch_prompts=2, group_size=3, epochs=2, minibatches=2, eval_every=2, eval_samples=1
)
KEYS = {
    "reward",
    "test_pass1",
    "kl_k1",
    "kl_k3",
    "entropy",
    "clip_frac",
    "length",
    "grad_norm",
    "zero_std_groups",
}


@pytest.fixture(scope="module")
def tiny_sft() -> TinyLM:
    model, _ = train_sft(TINY_SFT)
    return model


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_every_objective_runs_and_logs_metrics(name: str, tiny_sft: TinyLM, tmp_path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / f"{name}.jsonl"
    res = train_rl(replace(TINY_RL, objective=name), tiny_sft, TINY_SFT, log)
    step_rows = [h for h in res.history if "reward" in h]
    assert len(step_rows) == 2
    assert set(step_rows[0]) | {"test_pass1"} >= KEYS
    assert all(torch.isfinite(torch.tensor(v)) for h in step_rows for v in h.values())
    assert len(log.read_text().splitlines()) == 3  # two steps and the final evaluation
    assert step_rows[0]["kl_k3"] == 0.0  # pi_old = pi_ref at the first step


def test_seeded_run_is_deterministic(tiny_sft: TinyLM) -> None:
    a = train_rl(replace(TINY_RL, objective="grpo", seed=3), tiny_sft, TINY_SFT)
    b = train_rl(replace(TINY_RL, objective="grpo", seed=3), tiny_sft, TINY_SFT)
    strip = lambda h: [{k: v for k, v in r.items() if k != "time"} for r in h]  # noqa: E731
    assert strip(a.history) == strip(b.history)
    for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True):
        assert torch.equal(p, q)
    m1, _ = train_sft(TINY_SFT)
    m2, _ = train_sft(TINY_SFT)
    assert all(torch.equal(p, q) for p, q in zip(m1.parameters(), m2.parameters(), strict=True))


def test_kv_cache_gives_the_same_samples() -> None:
    torch.manual_seed(0)
    tok = Tokenizer()
    model = TinyLM(ModelConfig(tok.vocab_size, 16, 16, 2, 2))
    x = torch.tensor([tok.encode("07+58=")] * 4)
    outs = []
    for cache in (True, False):
        g = torch.Generator()
        g.manual_seed(1)
        outs.append(generate(model, x, 6, tok.eos_id, tok.pad_id, 1.0, g, use_cache=cache))
    assert torch.equal(outs[0].tokens, outs[1].tokens)
    assert torch.allclose(outs[0].sampler_logp, outs[1].sampler_logp, atol=1e-5)


def test_objective_names_match_the_registry() -> None:
    from alignlab.config import OBJECTIVES as NAMES

    assert tuple(OBJECTIVES) == NAMES


def test_validation_names_every_bad_field() -> None:
    with pytest.raises(ConfigError) as e:
        validate_rl(RLConfig(objective="gpro", group_size=1, lr=-1.0, kl_estimator="k2"))
    msg = str(e.value)
    assert msg.startswith("objective: unknown objective 'gpro'")
    assert "group_size: must be at least 2" in msg
    assert "lr: must be in (0, 1], got -1.0" in msg
    assert "kl_estimator: must be one of k1, k3, got 'k2'" in msg


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rl", "--objective", "ppo2"], "alignlab: error: objective: unknown objective 'ppo2'"),
        (
            ["rl", "--group-size", "1"],
            "alignlab: error: group_size: must be at least 2 "
            "(a group baseline needs other responses), got 1",
        ),
        (["rl", "--clip-high", "1.5"], "alignlab: error: clip_high: must be in (0, 1), got 1.5"),
        (
            ["compare", "--objectives", "grpo,dapo2"],
            "alignlab: error: objective: unknown objective 'dapo2'",
        ),
        (["sft", "--sft-d", "30"], "alignlab: error: d: must be divisible by n_heads=4, got 30"),
    ],
)
def test_cli_rejects_bad_input_in_one_line(args: list[str], message: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "alignlab",
            *args,
            *(["--out", str(tmp_path)] if args[0] != "sft" else []),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"ALIGNLAB_CACHE": str(tmp_path), "PATH": ""},
    )
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), r.stderr
    assert not list(tmp_path.glob("*.pt"))  # nothing was trained
