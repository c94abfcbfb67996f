"""invlab: machine learning for inverse problems in imaging, as an interactive course.

The package behind the lecture notebooks in ``lectures/``: forward operators
(:mod:`invlab.operators`), data, noise, metrics and plotting, regularisers and classical
solvers (lecture 1), networks with their training loop and shipped weights (:mod:`invlab.nets`,
:mod:`invlab.train`, :mod:`invlab.pretrained`; lecture 2 on), and the interactive panels
(:mod:`invlab.widgets`).
"""
import os as _os

import torch as _torch

# One intra-op thread by default (override with INVLAB_NUM_THREADS). The course's problems are
# small (<= 512^2) and interactive; on a 2-core laptop a second OpenMP thread competing with the
# browser or another process made a 128^2 FFT ~200x slower (24 ms instead of 0.1 ms, measured
# while a notebook and Chromium shared the cores), and it gains little when the machine is idle.
_torch.set_num_threads(int(_os.environ.get("INVLAB_NUM_THREADS", "1")))

from . import operators, noise, metrics, viz, data  # noqa: E402
from . import _mrdata  # noqa: E402

# lecture 4b's MR images are part of the data API (il.data.mr_slices ...): _mrdata builds on data,
# so data cannot import it (imports point one way, tests/test_imports.py); attach them here.
for _name in _mrdata.__all__:
    setattr(data, _name, getattr(_mrdata, _name))
data.__all__ = list(data.__all__) + [n for n in _mrdata.__all__ if n not in data.__all__]
from . import regularisers, solvers, losses, nets, train, pretrained, recipes  # noqa: E402
from . import analysis, tasks, coursework, widgets  # noqa: E402

__all__ = ["operators", "noise", "metrics", "viz", "data", "regularisers", "solvers", "losses", "nets", "train",
           "pretrained", "recipes", "analysis", "tasks",
           "coursework", "widgets"]
__version__ = "0.1.0"
