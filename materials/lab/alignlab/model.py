"""A decoder-only transformer in the notation of lesson 3, and a character tokenizer.

Lesson 3 writes one pre-LN block as

    u^l = h^{l-1} + MHA(LN(h^{l-1})),    h^l = u^l + FFN(LN(u^l)),

with causal attention softmax(Q K^T / sqrt(d_k) + M) V, and reads the logits out as
z_t = W_U LN(h^L_t). The code below uses the same names. Attention keeps a key/value cache so that
sampling one token costs one position, not the whole prefix (lesson 9's throughput experiment).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


class Tokenizer:
    """Characters ``0-9 + =`` plus ``$`` (end of sequence, EOS) and ``_`` (padding, id 0)."""

    chars = "_0123456789+=$"

    def __init__(self) -> None:
        self.stoi = {c: i for i, c in enumerate(self.chars)}
        self.pad_id = self.stoi["_"]
        self.eos_id = self.stoi["$"]

    @property
    def vocab_size(self) -> int:
        """Number of tokens, padding included."""
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; raises ``KeyError`` on a character outside the vocabulary."""
        return [self.stoi[c] for c in text]

    def decode(self, ids: list[int]) -> str:
        """The text of ``ids``, stopping before the first EOS and dropping padding."""
        out = []
        for i in ids:
            if i == self.eos_id:
                break
            if i != self.pad_id:
                out.append(self.chars[i])
        return "".join(out)


@dataclass(frozen=True)
class ModelConfig:
    """Sizes of the transformer: vocabulary, context length n_ctx, width d, L blocks, H heads."""

    vocab_size: int = 14
    n_ctx: int = 24
    d: int = 128
    n_layers: int = 4
    n_heads: int = 4


KVCache = list[tuple[torch.Tensor, torch.Tensor]]


class MHA(nn.Module):
    """Multi-head causal self-attention with W_Q, W_K, W_V, W_O (lesson 3, eq. attention)."""

    def __init__(self, d: int, n_heads: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.d_k = d // n_heads
        self.W_Q = nn.Linear(d, d, bias=False)
        self.W_K = nn.Linear(d, d, bias=False)
        self.W_V = nn.Linear(d, d, bias=False)
        self.W_O = nn.Linear(d, d, bias=False)

    def forward(
        self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Attend from the n new positions of ``x`` to the cached ones and themselves."""
        b, n, d = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, n, self.n_heads, self.d_k).transpose(1, 2)

        Q, K, V = heads(self.W_Q(x)), heads(self.W_K(x)), heads(self.W_V(x))
        if past is not None:
            K = torch.cat([past[0], K], dim=2)
            V = torch.cat([past[1], V], dim=2)
        m = K.shape[2]  # positions attended to: cached + new
        scores = Q @ K.transpose(-2, -1) / math.sqrt(self.d_k)
        # Causal mask M: new position i (absolute m - n + i) sees keys 0..m - n + i.
        q_pos = torch.arange(m - n, m, device=x.device)[:, None]
        k_pos = torch.arange(m, device=x.device)[None, :]
        scores = scores.masked_fill(k_pos > q_pos, float("-inf"))
        out = F.softmax(scores, dim=-1) @ V
        out = out.transpose(1, 2).reshape(b, n, d)
        return self.W_O(out), (K, V)


class Block(nn.Module):
    """One pre-LN block: u = h + MHA(LN(h)), h' = u + FFN(LN(u))."""

    def __init__(self, d: int, n_heads: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.mha = MHA(d, n_heads)
        self.ln2 = nn.LayerNorm(d)
        self.ffn = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(
        self, h: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Return h^l and this block's updated key/value cache."""
        a, kv = self.mha(self.ln1(h), past)
        u = h + a
        return u + self.ffn(self.ln2(u)), kv


class TinyLM(nn.Module):
    """Token and position embeddings, L pre-LN blocks, a final LN and the unembedding W_U."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.d)
        self.pos_emb = nn.Embedding(cfg.n_ctx, cfg.d)
        self.blocks = nn.ModuleList([Block(cfg.d, cfg.n_heads) for _ in range(cfg.n_layers)])
        self.ln_f = nn.LayerNorm(cfg.d)
        self.W_U = nn.Linear(cfg.d, cfg.vocab_size, bias=False)
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def num_params(self) -> int:
        """Number of trainable parameters."""
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx: torch.Tensor, cache: KVCache | None = None) -> tuple[torch.Tensor, KVCache]:
        """Logits z for the positions of ``idx`` (shape b x n x |V|) and the new cache.

        With ``cache`` the positions of ``idx`` continue the cached prefix.
        """
        start = 0 if cache is None else cache[0][0].shape[2]
        n = idx.shape[1]
        if start + n > self.cfg.n_ctx:
            raise ValueError(f"sequence of {start + n} tokens exceeds n_ctx={self.cfg.n_ctx}")
        pos = torch.arange(start, start + n, device=idx.device)
        h = self.tok_emb(idx) + self.pos_emb(pos)[None]
        new_cache: KVCache = []
        for layer, block in enumerate(self.blocks):
            h, kv = block(h, None if cache is None else cache[layer])
            new_cache.append(kv)
        return self.W_U(self.ln_f(h)), new_cache
