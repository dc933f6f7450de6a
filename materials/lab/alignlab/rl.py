"""The RL loop: rollouts of G responses per prompt, several optimisation epochs, a frozen reference.

One iteration (book Algorithm 5.1 generalised to every objective of :mod:`alignlab.objectives`):

1. pi_old <- pi_theta; sample ``batch_prompts`` training prompts and G responses for each;
2. score them with the verifier; store log pi_old and log pi_ref of every sampled token;
3. for ``epochs`` passes, split the groups into ``minibatches`` and take one optimiser step on each
   with the chosen objective (so from the second step on the ratios differ from 1);
4. log the metrics; every ``eval_every`` steps estimate held-out pass@1.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from alignlab.config import RLConfig, SFTConfig, validate_rl
from alignlab.device import seed_everything, setup_torch
from alignlab.evaluation import evaluate
from alignlab.model import TinyLM, Tokenizer
from alignlab.objectives import DEFAULTS, OBJECTIVES, ObjectiveConfig, PolicyBatch, token_kl
from alignlab.sampling import generate, response_logprobs
from alignlab.task import AdditionTask, format_reward, verify, verify_contains


def objective_config(cfg: RLConfig, task: AdditionTask) -> ObjectiveConfig:
    """The objective's hyper-parameters: the method's defaults, overridden by ``cfg``'s non-None values."""
    vals: dict[str, Any] = dict(DEFAULTS[cfg.objective])
    for f in ("clip_low", "clip_high", "kl_coef", "kl_estimator", "kl_in", "tau_pos", "tau_neg"):
        v = getattr(cfg, f)
        if v is not None:
            vals[f] = v
    if cfg.clip_low is not None and cfg.clip_high is None and cfg.objective != "dapo":
        vals["clip_high"] = cfg.clip_low
    vals["max_len"] = cfg.max_new_tokens
    vals["overlong_cache"] = max(1, cfg.max_new_tokens - task.answer_max_len)
    return ObjectiveConfig(**vals)


@dataclass
class RunResult:
    """Per-step metrics (a list of dicts, also written as JSONL), the trained policy, wall time."""

    history: list[dict[str, float]]
    model: TinyLM
    wall_time: float
    config: RLConfig
    final_eval: dict[str, float] = field(default_factory=dict)


def _rewards(texts: list[str], prompts: list[str], verifier: str) -> torch.Tensor:
    fn = verify if verifier == "exact" else verify_contains
    return torch.tensor([fn(p, t) for p, t in zip(prompts, texts, strict=True)], dtype=torch.float32)


def train_rl(
    cfg: RLConfig,
    sft_model: TinyLM,
    sft_cfg: SFTConfig | None = None,
    log_path: Path | None = None,
    final_eval_samples: int = 0,
) -> RunResult:
    """Run RL from a copy of ``sft_model`` (which stays the frozen reference). Validates ``cfg`` first.

    Returns the metrics history; with ``log_path`` each step is also appended to that JSONL file.
    ``final_eval_samples`` > 0 adds a larger final held-out evaluation (pass@1 over that many samples
    per prompt) to ``final_eval``.
    """
    validate_rl(cfg)
    sft_cfg = sft_cfg or SFTConfig()
    dev = setup_torch()
    gen = seed_everything(1000 + cfg.seed)
    task = AdditionTask(n_digits=sft_cfg.n_digits)
    tok = Tokenizer()
    ocfg = objective_config(cfg, task)
    objective = OBJECTIVES[cfg.objective]
    dynamic = cfg.dynamic_sampling if cfg.dynamic_sampling is not None else cfg.objective == "dapo"
    ref = sft_model.to(dev).eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    policy = copy.deepcopy(ref)
    for p in policy.parameters():
        p.requires_grad_(True)
    policy.train()
    opt = torch.optim.AdamW(policy.parameters(), lr=cfg.lr, weight_decay=0.0)
    train = np.array(task.train_pairs())
    rng = np.random.default_rng(cfg.seed)
    g = cfg.group_size
    history: list[dict[str, float]] = []
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("")
    t0 = time.perf_counter()
    eval_time = 0.0

    def held_out(step: int) -> float:
        nonlocal eval_time
        te = time.perf_counter()
        r = evaluate(policy, task, cfg.eval_samples, 1.0, seed=step, max_new_tokens=cfg.max_new_tokens)
        eval_time += time.perf_counter() - te
        return r.pass_at(1)

    for step in range(cfg.steps + 1):
        row: dict[str, float] = {"step": float(step)}
        if step % cfg.eval_every == 0 or step == cfg.steps:
            row["test_pass1"] = held_out(step)
        if step == cfg.steps:
            row["time"] = time.perf_counter() - t0 - eval_time
            history.append(row)
            break
        # 1-2. Rollouts from pi_old = the current policy; DAPO-style dynamic sampling refills the
        # batch with groups whose rewards are not all equal (at most 3 extra draws).
        prompts_s: list[str] = []
        tokens_l, mask_l, trunc_l, rew_l, slp_l = [], [], [], [], []
        draws = 0
        while len(prompts_s) < cfg.batch_prompts * g and draws < 4:
            draws += 1
            pairs = train[rng.integers(0, len(train), cfg.batch_prompts)]
            ps = [task.prompt(int(a), int(b)) for a, b in pairs]
            x = torch.tensor([tok.encode(p) for p in ps], device=dev).repeat_interleave(g, 0)
            ro = generate(policy, x, cfg.max_new_tokens, tok.eos_id, tok.pad_id, cfg.temperature, gen)
            texts = [
                tok.decode(r) + ("" if tr else "$")
                for r, tr in zip(ro.tokens.tolist(), ro.truncated.tolist(), strict=True)
            ]
            rep = [p for p in ps for _ in range(g)]
            rew = _rewards(texts, rep, cfg.verifier)
            keep = torch.ones(len(ps), dtype=torch.bool)
            if dynamic and draws < 4:
                rg = rew.view(-1, g)
                keep = rg.max(1).values > rg.min(1).values
            need = cfg.batch_prompts - len(prompts_s) // g
            idx = torch.nonzero(keep).flatten()[:need]
            rows = (idx[:, None] * g + torch.arange(g)[None]).flatten()
            prompts_s += [rep[int(i)] for i in rows]
            tokens_l.append(ro.tokens[rows])
            mask_l.append(ro.mask[rows])
            trunc_l.append(ro.truncated[rows])
            rew_l.append(rew[rows])
            slp_l.append(ro.sampler_logp[rows])
        tokens = torch.cat(tokens_l)
        mask = torch.cat(mask_l)
        truncated = torch.cat(trunc_l)
        rewards = torch.cat(rew_l).to(dev)
        x_all = torch.tensor([tok.encode(p) for p in prompts_s], device=dev)
        with torch.no_grad():
            old_logp, entropy = response_logprobs(policy, x_all, tokens)
            ref_logp, _ = response_logprobs(ref, x_all, tokens)
        n_groups = len(prompts_s) // g
        # 3. Optimisation epochs over minibatches of whole groups.
        clip_fracs, grad_norms, losses = [], [], []
        mb_groups = max(1, n_groups // cfg.minibatches)
        for _ in range(cfg.epochs):
            perm = torch.from_numpy(rng.permutation(n_groups))
            for s in range(0, n_groups, mb_groups):
                gi = perm[s : s + mb_groups]
                rows = (gi[:, None] * g + torch.arange(g)[None]).flatten().to(dev)
                logp, _ = response_logprobs(policy, x_all[rows], tokens[rows])
                batch = PolicyBatch(
                    logp=logp,
                    old_logp=old_logp[rows],
                    mask=mask[rows],
                    rewards=rewards[rows],
                    group_size=g,
                    ref_logp=ref_logp[rows],
                    truncated=truncated[rows].to(dev),
                )
                out = objective(batch, ocfg)
                opt.zero_grad(set_to_none=True)
                out.loss.backward()  # type: ignore[no-untyped-call]
                gn = torch.nn.utils.clip_grad_norm_(policy.parameters(), cfg.grad_clip)
                opt.step()
                clip_fracs.append(out.stats.get("clip_frac", 0.0))
                grad_norms.append(float(gn))
                losses.append(float(out.loss.detach()))
        # 4. Metrics of this step (on the rollouts of pi_old).
        kl3 = (token_kl(old_logp, ref_logp, "k3") * mask).sum(1).mean()
        kl1 = (token_kl(old_logp, ref_logp, "k1") * mask).sum(1).mean()
        fmt = np.mean([format_reward(tok.decode(r) + "$", task.n_digits + 1) for r in tokens.tolist()])
        rg = rewards.view(-1, g)
        row.update(
            reward=float(rewards.mean()),
            kl_k1=float(kl1),
            kl_k3=float(kl3),
            entropy=float((entropy * mask).sum() / mask.sum()),
            clip_frac=float(np.mean(clip_fracs)),
            length=float(mask.sum(1).mean()),
            truncated=float(truncated.float().mean()),
            grad_norm=float(np.mean(grad_norms)),
            loss=float(np.mean(losses)),
            zero_std_groups=float((rg.max(1).values == rg.min(1).values).float().mean()),
            format=float(fmt),
            sampler_logp_gap=float(((torch.cat(slp_l).to(dev) - old_logp).abs() * mask).sum() / mask.sum()),
            time=time.perf_counter() - t0 - eval_time,
        )
        history.append(row)
        if log_path is not None:
            with log_path.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
    wall = time.perf_counter() - t0
    final: dict[str, float] = {}
    if final_eval_samples:
        r = evaluate(policy, task, final_eval_samples, 1.0, seed=10_000, max_new_tokens=cfg.max_new_tokens)
        final = {"test_pass1": r.pass_at(1), "length": r.mean_length}
    if log_path is not None:
        with log_path.open("a") as fh:
            fh.write(json.dumps(history[-1]) + "\n")
    policy.eval()
    return RunResult(history, policy, wall, dataclasses.replace(cfg), final)
