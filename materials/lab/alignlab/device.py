"""Device, threads and seeds: one place that makes runs reproducible."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def setup_torch(threads: int | None = None) -> torch.device:
    """Set the number of CPU threads (default 1, or ``ALIGNLAB_THREADS``).

    The lab's matrices are tiny: on a 2-core machine one thread was faster than two, and more than
    15 times faster when other processes compete for the cores (two spinning threads wait for
    each other). Set ``ALIGNLAB_THREADS=2`` on an idle machine to try both.

    Returns the device: CUDA when present (unless ``ALIGNLAB_DEVICE=cpu``), otherwise the CPU.
    """
    if threads is None:
        threads = int(os.environ.get("ALIGNLAB_THREADS", 1))
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    want = os.environ.get("ALIGNLAB_DEVICE", "")
    if want:
        return torch.device(want)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch; return a torch generator seeded with ``seed`` for sampling."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    g = torch.Generator()
    g.manual_seed(seed)
    return g
