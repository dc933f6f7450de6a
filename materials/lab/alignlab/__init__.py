"""alignlab: a tiny decoder-only transformer trained by SFT and by policy-gradient objectives.

The lab of the course "Mathematical Fundamentals of Reinforcement Learning for LLM Alignment".
Every objective of lesson 8 is one function in :mod:`alignlab.objectives` with one signature;
:mod:`alignlab.rl` is the loop that calls it; :mod:`alignlab.evaluation` holds lesson 10's
statistics.
"""

from __future__ import annotations

__version__ = "0.1.0"
