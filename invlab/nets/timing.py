"""How long one forward pass takes: the timer behind every "CPU ms" column of the lecture tables."""
from __future__ import annotations

import statistics
import time

import torch

from .._checks import check_callable, check_int

__all__ = ["forward_ms"]


def forward_ms(fn, *args, repeats: int = 3) -> float:
    r"""Median wall-clock time of one call ``fn(*args)`` in milliseconds, after one warm-up call.

    The calls run under ``torch.no_grad()`` in the current thread setting (the lectures and the
    benchmarks time on one thread, ``torch.set_num_threads(1)``). With :math:`t_1, \dots, t_r` the
    times of ``repeats`` calls,

    .. math:: \mathrm{ms} = 1000\,\operatorname{median}(t_1, \dots, t_r),

    the median because a shared machine's outliers are one-sided (a call is only ever slowed down).
    The warm-up call is not counted: it pays for one-off allocations and kernel selection.

    Parameters
    ----------
    fn : callable
        A network or any reconstructor, e.g. ``net``, ``lambda y: net(y, A)`` or ``A.fbp``.
    *args
        Its inputs.
    repeats : int
        Timed calls (``>= 1``).

    Returns
    -------
    float
        Milliseconds per call.
    """
    check_callable(fn, "fn", allow_none=False)
    repeats = check_int(repeats, "repeats", low=1)
    with torch.no_grad():
        fn(*args)
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            fn(*args)
            times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)
