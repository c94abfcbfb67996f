"""invlab: machine learning for inverse problems in imaging, as an interactive course.

The package behind the lecture notebooks in ``lectures/``: forward operators
(:mod:`invlab.operators`), data (:mod:`invlab.data`), noise, metrics and plotting.
"""
from . import operators, noise, metrics, viz, data

__all__ = ["operators", "noise", "metrics", "viz", "data"]
__version__ = "0.1.0"
