"""Sampling with temperature, batched, with or without the key/value cache."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from alignlab.model import TinyLM


@dataclass
class Rollout:
    """Sampled responses: ``tokens`` and ``mask`` are N x T (T = max_new_tokens).

    ``mask`` is 1 on the response's tokens, its EOS included, and 0 on the padding after it;
    ``truncated`` marks responses that reached T tokens without EOS; ``sampler_logp`` holds the
    log-probabilities the sampler used (at temperature 1 they equal log pi_old).
    """

    tokens: torch.Tensor
    mask: torch.Tensor
    truncated: torch.Tensor
    sampler_logp: torch.Tensor

    @property
    def lengths(self) -> torch.Tensor:
        """|y_i| for each response, EOS included."""
        return self.mask.sum(dim=1)


@torch.no_grad()
def generate(
    model: TinyLM,
    prompts: torch.Tensor,
    max_new_tokens: int,
    eos_id: int,
    pad_id: int,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
    use_cache: bool = True,
) -> Rollout:
    """Sample up to ``max_new_tokens`` tokens after each (equal-length) prompt row.

    Temperature 0 means greedy decoding. Without the cache, every step recomputes the whole prefix
    (lesson 9 measures the difference). Sampling draws on ``generator`` on the CPU so that a seeded
    run gives the same tokens on every device.
    """
    was_training = model.training
    model.eval()
    n = prompts.shape[0]
    dev = prompts.device
    seq = prompts
    out = torch.full((n, max_new_tokens), pad_id, dtype=torch.long, device=dev)
    mask = torch.zeros((n, max_new_tokens), device=dev)
    logps = torch.zeros((n, max_new_tokens), device=dev)
    done = torch.zeros(n, dtype=torch.bool, device=dev)
    logits, cache = model(prompts)
    z = logits[:, -1]
    for t in range(max_new_tokens):
        if temperature == 0:
            tok = z.argmax(dim=-1)
        else:
            probs = F.softmax(z.float() / temperature, dim=-1).cpu()
            tok = torch.multinomial(probs, 1, generator=generator).squeeze(1).to(dev)
        lp = F.log_softmax(z.float() / max(temperature, 1e-8), dim=-1)
        active = ~done
        out[:, t] = torch.where(active, tok, torch.full_like(tok, pad_id))
        mask[:, t] = active.float()
        logps[:, t] = torch.where(active, lp.gather(1, tok[:, None]).squeeze(1), 0.0)
        done = done | (tok == eos_id)
        if bool(done.all()) or t == max_new_tokens - 1:
            break
        if use_cache:
            logits, cache = model(tok[:, None], cache)
        else:
            seq = torch.cat([prompts, out[:, : t + 1]], dim=1)
            logits, _ = model(seq)
        z = logits[:, -1]
    if was_training:
        model.train()
    return Rollout(tokens=out, mask=mask, truncated=~done, sampler_logp=logps)


def response_logprobs(model: TinyLM, prompts: torch.Tensor, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """log pi(y_t | x, y_<t) of each response token (N x T) and the policy's entropy there (N x T).

    One forward pass over prompt + response; positions after EOS hold padding and must be masked by
    the caller.
    """
    full = torch.cat([prompts, tokens], dim=1)
    logits, _ = model(full[:, :-1])
    z = logits[:, prompts.shape[1] - 1 :]
    logp_all = F.log_softmax(z.float(), dim=-1)
    logp = logp_all.gather(2, tokens[:, :, None]).squeeze(2)
    entropy = -(logp_all.exp() * logp_all).sum(dim=-1)
    return logp, entropy
