"""Supervised warm start: next-token cross-entropy on the answer tokens of training prompts."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from alignlab.config import SFTConfig, validate_sft
from alignlab.device import seed_everything, setup_torch
from alignlab.model import ModelConfig, TinyLM, Tokenizer
from alignlab.task import AdditionTask


def cache_dir() -> Path:
    """Where checkpoints go: ``$ALIGNLAB_CACHE`` or ``~/.cache/alignlab`` (created if missing)."""
    d = Path(os.environ.get("ALIGNLAB_CACHE", Path.home() / ".cache" / "alignlab"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def build_model(cfg: SFTConfig) -> TinyLM:
    """A freshly initialised model sized for ``cfg``'s task."""
    task = AdditionTask(n_digits=cfg.n_digits)
    n_ctx = task.prompt_len + task.answer_max_len + 4
    return TinyLM(ModelConfig(Tokenizer().vocab_size, n_ctx, cfg.d, cfg.n_layers, cfg.n_heads))


def sft_batch(task: AdditionTask, pairs: np.ndarray, tok: Tokenizer) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets for teacher forcing; targets are -100 (ignored) on the prompt."""
    rows = [tok.encode(task.prompt(int(a), int(b)) + str(int(a) + int(b)) + "$") for a, b in pairs]
    width = max(map(len, rows))
    x = torch.full((len(rows), width), tok.pad_id)
    for i, r in enumerate(rows):
        x[i, : len(r)] = torch.tensor(r)
    y = x[:, 1:].clone()
    y[:, : task.prompt_len - 1] = -100
    y[y == tok.pad_id] = -100
    return x[:, :-1], y


def train_sft(cfg: SFTConfig, log: bool = False) -> tuple[TinyLM, float]:
    """Train the warm start; returns the model and the wall time in seconds. Seeded."""
    validate_sft(cfg)
    dev = setup_torch()
    seed_everything(cfg.seed)
    task = AdditionTask(n_digits=cfg.n_digits)
    tok = Tokenizer()
    model = build_model(cfg).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.0)
    train = np.array(task.train_pairs())
    rng = np.random.default_rng(cfg.seed)
    t0 = time.perf_counter()
    for step in range(cfg.steps):
        idx = rng.integers(0, len(train), cfg.batch_size)
        x, y = sft_batch(task, train[idx], tok)
        logits, _ = model(x.to(dev))
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.to(dev).reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()  # type: ignore[no-untyped-call]
        opt.step()
        if log and step % 50 == 0:
            print(f"sft step {step:4d} loss {loss.item():.3f}")
    return model, time.perf_counter() - t0


def load_or_train_sft(cfg: SFTConfig | None = None, log: bool = False) -> TinyLM:
    """The SFT checkpoint for ``cfg`` from the cache folder, training and saving it if missing."""
    cfg = cfg or SFTConfig()
    validate_sft(cfg)
    path = cache_dir() / f"sft-{cfg.key()}.pt"
    dev = setup_torch()
    if path.exists():
        model = build_model(cfg).to(dev)
        model.load_state_dict(torch.load(path, map_location=dev, weights_only=True))
        return model
    model, _ = train_sft(cfg, log=log)
    tmp = path.with_suffix(".tmp")
    torch.save(model.state_dict(), tmp)
    tmp.replace(path)
    return model
