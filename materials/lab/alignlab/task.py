"""The task: n-digit addition with a verifiable reward.

A prompt is ``"07+58="`` (operands zero-padded to ``n_digits``, so every prompt has the same length);
the correct response is the decimal sum without leading zeros followed by EOS: ``"65$"``. The
verifier is a rule, not a model, so the reward cannot be argued with, only hacked when the rule has a
loophole (:func:`verify_contains`, lesson 10).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EOS = "$"


@dataclass(frozen=True)
class AdditionTask:
    """All pairs (a, b) with ``n_digits`` digits each, split once into train and test prompts.

    The split depends only on ``split_seed``, never on a run's seed, so every run is evaluated on the
    same held-out prompts.
    """

    n_digits: int = 2
    n_test: int = 400
    split_seed: int = 1234

    def _pairs(self) -> np.ndarray:
        m = 10**self.n_digits
        rng = np.random.default_rng(self.split_seed)
        return rng.permutation(m * m)

    def test_pairs(self) -> list[tuple[int, int]]:
        """The held-out (a, b) pairs, never used by SFT or RL."""
        m = 10**self.n_digits
        return [(int(k // m), int(k % m)) for k in self._pairs()[: self.n_test]]

    def train_pairs(self) -> list[tuple[int, int]]:
        """Every pair that is not held out."""
        m = 10**self.n_digits
        return [(int(k // m), int(k % m)) for k in self._pairs()[self.n_test :]]

    def prompt(self, a: int, b: int) -> str:
        """The prompt text for ``a + b``."""
        return f"{a:0{self.n_digits}d}+{b:0{self.n_digits}d}="

    @property
    def prompt_len(self) -> int:
        """Number of tokens of every prompt."""
        return 2 * self.n_digits + 2

    @property
    def answer_max_len(self) -> int:
        """Tokens of the longest correct response, EOS included."""
        return self.n_digits + 2


def parse_prompt(prompt: str) -> tuple[int, int]:
    """The operands of a prompt ``"aa+bb="``; raises ``ValueError`` if it is not one."""
    if not prompt.endswith("=") or prompt.count("+") != 1:
        raise ValueError(f"not an addition prompt: {prompt!r}")
    a, b = prompt[:-1].split("+")
    return int(a), int(b)


def verify(prompt: str, response: str) -> float:
    """1.0 iff ``response`` is exactly the sum, in canonical decimal form, ended by EOS; else 0.0.

    ``response`` is the raw generated text (it may contain EOS and anything after it). Leading zeros
    (``"065$"``), a missing EOS (truncation), an empty answer or any non-digit give 0.
    """
    a, b = parse_prompt(prompt)
    if EOS not in response:
        return 0.0
    answer = response[: response.index(EOS)]
    return 1.0 if answer == str(a + b) else 0.0


def format_reward(response: str, max_digits: int) -> float:
    """1.0 iff the response is 1..``max_digits`` digits, no leading zero, then EOS; else 0.0."""
    if EOS not in response:
        return 0.0
    answer = response[: response.index(EOS)]
    ok = 0 < len(answer) <= max_digits and answer.isdigit() and (answer == "0" or answer[0] != "0")
    return 1.0 if ok else 0.0


def verify_contains(prompt: str, response: str) -> float:
    """A verifier with a loophole: 1.0 if the answer before EOS is a *substring* of the sum.

    The containment test is written the wrong way round (``answer in str(a + b)`` instead of
    ``answer == str(a + b)``), a one-line bug that accepts the right answer ``"65$"`` but also ``"6$"``,
    ``"5$"`` and the empty answer ``"$"``. A policy trained against it learns to stop early; lesson 10
    catches the exploit with :func:`verify` and the response-length monitor.
    """
    a, b = parse_prompt(prompt)
    if EOS not in response:
        return 0.0
    answer = response[: response.index(EOS)]
    return 1.0 if answer in str(a + b) else 0.0
