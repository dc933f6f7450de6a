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
# # Lesson 3: Third steps
#
# TODO(course): say what this notebook demonstrates. Every code cell checks its result with
# `assert`; edit this file, then run `jupytext --sync notebooks/explore.py`.

# %%
import numpy as np

rng = np.random.default_rng(0)
x = rng.standard_normal(10_000)
print(f"sample mean {x.mean():.4f}")
assert abs(x.mean()) < 0.05

# %% [markdown]
# **Exercise.** Estimate the variance of `x` and check that it is close to 1.

# %% tags=["solution"]
variance = x.var()
print(f"sample variance {variance:.4f}")
assert abs(variance - 1.0) < 0.05
