# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 3 — BPE, causal attention and decoding
#
# Three small pieces of a language model, each built from scratch and checked:
#
# 1. **byte-pair encoding** trained on a short inline corpus: the merge table, and encoding
#    followed by decoding gives back the text;
# 2. **causal self-attention**: rows of the attention matrix are distributions over the past, the
#    output at position $t$ does not change when later tokens change, unmasked attention is
#    permutation-equivariant and the causal mask breaks that; $\mathrm{Var}[q^\top k]=d_k$;
# 3. **decoding**: greedy, temperature, top-$k$ and top-$p$ (nucleus) as transformations of one
#    next-token distribution; sampled frequencies match them, and truncation has a price in KL.
#
# numpy and matplotlib only, fixed seeds, a few seconds.

# %%
import itertools
from collections import Counter

import matplotlib.pyplot as plt
import numpy as np

corpus = (
    "the cat sat on the mat. the cat ate the rat. a rat sat on a hat. "
    "that cat is the fattest cat that ever sat on that mat. "
    "the mat is flat and the hat is on the cat. the rat ran at the cat."
)

# %% [markdown]
# ## 1. Byte-pair encoding
#
# Words are split on spaces and get an end-of-word marker `_`, so merges never cross words.
# Each step counts adjacent symbol pairs (weighted by word frequency), merges the most frequent
# pair (ties: the lexicographically smallest) everywhere, and records the merge.


# %%
def word_counts(text):
    return Counter((*tuple(w), "_") for w in text.split())


def pair_counts(words):
    pairs = Counter()
    for w, c in words.items():
        for a, b in itertools.pairwise(w):
            pairs[a, b] += c
    return pairs


def merge_word(w, pair):
    out, i = [], 0
    while i < len(w):
        if i + 1 < len(w) and (w[i], w[i + 1]) == pair:
            out.append(w[i] + w[i + 1])
            i += 2
        else:
            out.append(w[i])
            i += 1
    return tuple(out)


def train_bpe(text, n_merges):
    words = word_counts(text)
    merges = []
    for _ in range(n_merges):
        pairs = pair_counts(words)
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append((best, pairs[best]))
        words = Counter({merge_word(w, best): c for w, c in words.items()})
    return merges, words


def encode(text, merges):
    tokens = []
    for w in text.split():
        symbols = (*tuple(w), "_")
        for pair, _ in merges:  # apply merges in the order they were learned
            symbols = merge_word(symbols, pair)
        tokens.extend(symbols)
    return tokens


def decode(tokens):
    return "".join(tokens).replace("_", " ").strip()


merges, _ = train_bpe(corpus, 25)
for k, ((a, b), c) in enumerate(merges[:10], 1):
    print(f"merge {k:2d}: {a!r} + {b!r} -> {a + b!r}  (count {c})")

lengths = [len(encode(corpus, merges[:m])) for m in range(len(merges) + 1)]
print(
    "tokens in the corpus after 0, 5, 10, 25 merges:",
    lengths[0],
    lengths[5],
    lengths[10],
    lengths[25],
)
assert decode(encode(corpus, merges)) == " ".join(corpus.split())  # lossless
assert all(
    a >= b for a, b in itertools.pairwise(lengths)
)  # every merge shortens (or keeps) the text
assert lengths[-1] < 0.5 * lengths[0]  # 25 merges halve the sequence length on this corpus
# The first merge is the most frequent adjacent pair of the raw text: "at", as a direct count
# confirms.
assert merges[0] == (("a", "t"), corpus.count("at"))
print("a new sentence:", encode("the fat rat sat", merges))
assert decode(encode("the fat rat sat", merges)) == "the fat rat sat"

# %% [markdown]
# ## 2. Causal self-attention
#
# $\mathrm{Attn}(X)=\mathrm{softmax}\big(QK^\top/\sqrt{d_k}+M\big)V$ with $Q=XW_Q$, $K=XW_K$,
# $V=XW_V$ and
# $M_{ts}=-\infty$ for $s>t$.

# %%
rng = np.random.default_rng(0)
T, d, dk = 6, 16, 8
WQ, WK, WV = (rng.normal(0, 1 / np.sqrt(d), (d, dk)) for _ in range(3))


def attention(X, causal=True):
    Q, K, V = X @ WQ, X @ WK, X @ WV
    S = Q @ K.T / np.sqrt(dk)
    if causal:
        S = np.where(np.tril(np.ones((len(X), len(X)), dtype=bool)), S, -np.inf)
    A = np.exp(S - S.max(axis=1, keepdims=True))
    A /= A.sum(axis=1, keepdims=True)
    return A @ V, A


X = rng.normal(size=(T, d))
out, A = attention(X)
print(np.round(A, 3))
assert np.allclose(A.sum(axis=1), 1.0)  # each row is a distribution
assert np.all(A[np.triu_indices(T, 1)] == 0.0)  # no weight on the future

# Changing the last three tokens leaves the outputs at positions 0..2 unchanged.
X2 = X.copy()
X2[3:] = rng.normal(size=(T - 3, d))
out2, _ = attention(X2)
assert np.allclose(out[:3], out2[:3]) and not np.allclose(out[3:], out2[3:])

# Without the mask, permuting the inputs permutes the outputs (equivariance); with it, not.
perm = rng.permutation(T)
full, _ = attention(X, causal=False)
full_p, _ = attention(X[perm], causal=False)
caus_p, _ = attention(X[perm], causal=True)
assert np.allclose(full_p, full[perm])
assert not np.allclose(caus_p, out[perm])

# The scaling 1/sqrt(d_k): for independent unit-variance q, k the dot product has variance d_k.
for dk_test in (4, 64, 512):
    q = rng.normal(size=(20000, dk_test))
    k = rng.normal(size=(20000, dk_test))
    var = np.var(np.sum(q * k, axis=1))
    print(f"d_k={dk_test:3d}: Var[q.k]={var:.1f}")
    assert abs(var / dk_test - 1) < 0.05

# %%
fig, ax = plt.subplots(figsize=(4, 3.6))
im = ax.imshow(A, cmap="Blues", vmin=0, vmax=1)
ax.set_xlabel("key position s")
ax.set_ylabel("query position t")
ax.set_title("causal attention weights")
fig.colorbar(im)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Decoding strategies
#
# One next-token distribution $\pi=\mathrm{softmax}(z)$ over 12 tokens.  Each decoder maps it to a
# sampling distribution $q$: greedy puts all mass on the argmax; temperature $\tau$ uses
# $\mathrm{softmax}(z/\tau)$; top-$k$ keeps the $k$ most likely tokens; top-$p$ keeps the smallest
# set of most likely tokens whose mass reaches $p$.  Truncated distributions are renormalised.

# %%
z = np.array([3.1, 2.6, 2.2, 1.9, 1.2, 0.9, 0.6, 0.2, -0.3, -0.8, -1.5, -2.0])
vocab = [f"w{i}" for i in range(len(z))]


def softmax(v):
    e = np.exp(v - v.max())
    return e / e.sum()


def greedy(z):
    q = np.zeros_like(z)
    q[np.argmax(z)] = 1.0
    return q


def temperature(z, tau):
    return softmax(z / tau)


def top_k(z, k):
    p = softmax(z)
    keep = np.argsort(-p)[:k]
    q = np.zeros_like(p)
    q[keep] = p[keep]
    return q / q.sum()


def top_p(z, p_nucleus):
    p = softmax(z)
    order = np.argsort(-p)
    cum = np.cumsum(p[order])
    size = int(np.searchsorted(cum, p_nucleus) + 1)  # smallest prefix with mass >= p
    q = np.zeros_like(p)
    q[order[:size]] = p[order[:size]]
    return q / q.sum()


def entropy(q):
    q = q[q > 0]
    return float(-(q * np.log(q)).sum())


pi = softmax(z)
assert np.argmax(greedy(z)) == np.argmax(pi)
assert np.allclose(temperature(z, 1.0), pi)
assert np.allclose(temperature(z, 0.01), greedy(z), atol=1e-12)  # tau -> 0 is greedy
taus = np.array([0.25, 0.5, 1.0, 1.5, 2.0, 4.0])
H = [entropy(temperature(z, t)) for t in taus]
assert all(a < b for a, b in itertools.pairwise(H)) and H[-1] < np.log(
    len(z)
)  # entropy rises with tau
assert np.count_nonzero(top_k(z, 3)) == 3
q_p = top_p(z, 0.8)
S = q_p > 0
print(f"top-p=0.8 keeps {S.sum()} tokens with mass {pi[S].sum():.3f} under pi")
assert pi[S].sum() >= 0.8 and pi[S].sum() - pi[S].min() < 0.8  # smallest such set

# Sampling 100,000 tokens from each q reproduces q (largest frequency error below 0.005).
rng = np.random.default_rng(1)
for name, q in [("tau=0.5", temperature(z, 0.5)), ("top-k=3", top_k(z, 3)), ("top-p=0.8", q_p)]:
    draws = rng.choice(len(z), size=100_000, p=q)
    freq = np.bincount(draws, minlength=len(z)) / len(draws)
    assert np.abs(freq - q).max() < 0.005, name

# The price of truncation: with m = pi(S) the nucleus mass, KL(q || pi) = -log m, and a token
# outside the nucleus has probability 0 under q but not under pi, so KL(pi || q) is infinite.
# This is why RL must score sampled tokens with the distribution that actually produced them.
kl = float(np.sum(q_p[S] * np.log(q_p[S] / pi[S])))
assert abs(kl + np.log(pi[S].sum())) < 1e-12
print(f"KL(q_top-p || pi) = {kl:.4f} = -log {pi[S].sum():.3f}")

# %%
fig, axes = plt.subplots(1, 4, figsize=(13, 3.2), sharey=True)
panels = [
    ("softmax, τ = 1", pi),
    ("τ = 0.5", temperature(z, 0.5)),
    ("top-k, k = 3", top_k(z, 3)),
    ("top-p, p = 0.8", q_p),
]
for ax, (title, q) in zip(axes, panels, strict=False):
    ax.bar(range(len(z)), pi, color="#c9d6e8", label="π")
    ax.bar(range(len(z)), q, width=0.5, color="#1d4e89", label="sampling q")
    ax.set_title(title)
    ax.set_xlabel("token (sorted by π)")
axes[0].set_ylabel("probability")
axes[0].legend()
plt.tight_layout()
plt.show()
