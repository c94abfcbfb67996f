"""Argument checks shared by the whole package (the error policy of ``docs/CONVENTIONS.md``).

Bad input fails early with a ``TypeError`` (not a number, not a tensor, not callable ...) or a
``ValueError`` (NaN, out of range, not an integer, unknown name ...) whose message names the
parameter, the value received and what is allowed. This module imports nothing from invlab, so
every other module may use it.
"""
from __future__ import annotations

import math
import numbers
import os
from pathlib import Path

import torch

__all__ = ["stream_seed", "check_real", "check_int", "check_shape", "check_choice", "check_callable", "check_bool",
           "make_generator", "check_path", "check_notebook"]


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"a {type(value).__name__}"


def check_real(value, name: str, *, low=None, high=None, low_open: bool = False, high_open: bool = False,
               allow_none: bool = False, allow_inf: bool = False):
    """A real number in a range, returned as ``float``.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str
        Parameter name for the messages.
    low, high : float, optional
        Bounds of the allowed interval (closed unless ``low_open`` / ``high_open``).
    allow_none : bool
        Let ``None`` through (returned as ``None``).
    allow_inf : bool
        Let ``+inf`` / ``-inf`` through (NaN never passes).

    Raises
    ------
    TypeError
        If ``value`` is not a real number (strings, arrays, tensors, ``None``, bools).
    ValueError
        If it is NaN, infinite (unless allowed) or outside the interval.
    """
    if value is None and allow_none:
        return None
    allowed = _interval(low, high, low_open, high_open)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {allowed}, got {_describe(value)} of type {type(value).__name__}.")
    v = float(value)
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise ValueError(f"{name} must be {allowed}, got {value!r}.")
    if low is not None and (v < low or (low_open and v == low)):
        raise ValueError(f"{name} must be {allowed}, got {value!r}.")
    if high is not None and (v > high or (high_open and v == high)):
        raise ValueError(f"{name} must be {allowed}, got {value!r}.")
    return v


def _interval(low, high, low_open, high_open) -> str:
    if low is not None and high is not None:
        return f"a finite number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"a finite number {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"a finite number {'<' if high_open else '<='} {high:g}"
    return "a finite number"


def check_int(value, name: str, *, low=None, high=None, allow_none: bool = False):
    """An integer in ``[low, high]``, returned as ``int``.

    A float, even an integral one like ``2.0``, is refused (``ValueError``): a size or a count
    of 32.5 is an error, never silently 32.

    Raises
    ------
    TypeError
        If ``value`` is not a number (strings, arrays, tensors, ``None``) or is a bool.
    ValueError
        If it is a non-integer number or outside the range.
    """
    if value is None and allow_none:
        return None
    if low is not None and high is not None:
        allowed = f"an integer in [{low}, {high}]"
    else:
        allowed = "an integer" + (f" >= {low}" if low is not None else "") + (f" <= {high}" if high is not None else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {allowed}, got {_describe(value)} of type {type(value).__name__}.")
    if not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be {allowed}, got {value!r} (not an integer).")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        raise ValueError(f"{name} must be {allowed}, got {value!r}.")
    return v


def check_shape(shape, name: str = "shape", ndim: int | None = None) -> tuple:
    """A shape: a tuple (or list, or ``torch.Size``) of positive integers, returned as a tuple.

    Parameters
    ----------
    shape : sequence of int
    name : str
    ndim : int, optional
        Required number of entries (e.g. 2 for ``(H, W)``).

    Raises
    ------
    TypeError
        If ``shape`` is not a sequence of numbers (e.g. a string, a single int, a tensor).
    ValueError
        For a wrong length, a non-integer entry (``32.5``) or an entry < 1.
    """
    like = "(H, W)" if ndim == 2 else "(256, 256)"
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (tuple, list, torch.Size)):
        raise TypeError(f"{name} must be a tuple of positive integers like {like}, got {_describe(shape)}.")
    if ndim is not None and len(shape) != ndim:
        raise ValueError(f"{name} must have {ndim} entries like {like}, got {shape!r}.")
    if len(shape) == 0:
        raise ValueError(f"{name} must hold at least one size, got {shape!r}.")
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, numbers.Real):
            raise TypeError(f"{name} must be a tuple of positive integers like {like}, got {shape!r}.")
        if not isinstance(s, numbers.Integral) or s < 1:
            raise ValueError(f"{name} must hold positive integers like {like}, got {shape!r}.")
    return tuple(int(s) for s in shape)


def check_choice(value, name: str, choices) -> str:
    """One of a fixed set of names (``ValueError`` listing the valid ones otherwise)."""
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {valid}, got {_describe(value)}.")
    return value


def check_callable(fn, name: str, allow_none: bool = True):
    """A callable (or ``None`` when allowed); ``TypeError`` otherwise."""
    if fn is None and allow_none:
        return None
    if not callable(fn):
        raise TypeError(f"{name} must be callable{' or None' if allow_none else ''}, "
                        f"got {_describe(fn)} of type {type(fn).__name__}.")
    return fn


def check_bool(value, name: str) -> bool:
    """``True`` or ``False`` (numpy bools too); ``TypeError`` otherwise."""
    if not isinstance(value, bool) and type(value).__name__ != "bool_":
        raise TypeError(f"{name} must be True or False, got {_describe(value)}.")
    return bool(value)


def make_generator(seed=0, device="cpu", name: str = "seed") -> torch.Generator:
    """A ``torch.Generator`` from an int seed (a generator passes through unchanged).

    Raises
    ------
    TypeError
        If ``seed`` is neither an int nor a ``torch.Generator`` (a string, a float, a bool).
    ValueError
        If the int is outside the range torch accepts.
    """
    if isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an int or a torch.Generator, got {_describe(seed)} "
                        f"of type {type(seed).__name__}.")
    if not -(2**63) <= int(seed) < 2**64:
        raise ValueError(f"{name} must fit in 64 bits, got {seed!r}.")
    return torch.Generator(device=device).manual_seed(int(seed))


def check_path(value, name: str, allow_none: bool = False):
    """A path given as ``str`` or ``os.PathLike``, returned as :class:`pathlib.Path`.

    Anything else (a number, ``None`` where no default applies, a list) is a ``TypeError``
    naming ``name``. Whether the path exists is for the caller to check (a missing file or
    folder is a ``FileNotFoundError`` that names the parameter).
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, os.PathLike)) or (isinstance(value, str) and not value):
        raise TypeError(f"{name} must be a path (a non-empty str or pathlib.Path), got {_describe(value)} "
                        f"of type {type(value).__name__}.")
    return Path(value)


def check_notebook(nb, name: str = "nb"):
    """A notebook object from a notebook (``nbformat.NotebookNode`` or a dict) or a ``.ipynb`` path.

    A path that does not exist is a ``FileNotFoundError``, anything else that is not a notebook a
    ``TypeError``; both name ``name``. A notebook object is returned as it is (not copied).
    """
    import nbformat

    if isinstance(nb, (str, os.PathLike)):
        if not Path(nb).is_file():
            raise FileNotFoundError(f"{name}: notebook {str(nb)!r} not found.")
        return nbformat.read(str(nb), as_version=4)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise TypeError(f"{name} must be a notebook (nbformat.NotebookNode) or the path of a .ipynb file, "
                        f"got {type(nb).__name__}.")
    return nb if isinstance(nb, nbformat.NotebookNode) else nbformat.from_dict(nb)


def stream_seed(seed: int, stream: int) -> int:
    """An integer seed for random stream ``stream`` derived from ``seed``.

    Different streams give statistically independent draws even for the same ``seed`` (the
    mask of a task and its noise must never share a seed, or they are correlated).
    ``numpy.random.SeedSequence`` does the mixing.

    Parameters
    ----------
    seed : int
        The user's seed (>= 0).
    stream : int
        Which stream (e.g. :data:`invlab.tasks.MASK_STREAM`, :data:`invlab.tasks.NOISE_STREAM`).
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}.")
    import numpy as np

    return int(np.random.SeedSequence([int(seed), int(stream)]).generate_state(1, dtype=np.uint32)[0])
