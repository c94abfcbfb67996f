"""The exercises of lecture 3 (super-resolution): ``pixel_shuffle`` and ``huber``.

Registered in :data:`invlab.coursework.checks.EXERCISES` like the others; the machinery (cases,
records, verdicts, hints for common mistakes) is :mod:`invlab.coursework.base`.
"""
from __future__ import annotations

import torch

from .._checks import check_int, check_real
from .base import Case, Exercise, Verdict, _invoke, _mismatch, _number, _same_number, _seeded, _tensor_issue, record

__all__ = ["PixelShuffle", "Huber", "reference_pixel_shuffle", "reference_huber"]


def reference_pixel_shuffle(x: torch.Tensor, factor: int) -> torch.Tensor:
    """``(B, C f², h, w) -> (B, C, f h, f w)`` with ``out[b, c, f i + a, f j + k] = x[b, c f² + a f + k, i, j]``."""
    f = check_int(factor, "factor", low=1)
    B, Cf, h, w = x.shape
    if Cf % (f * f):
        raise ValueError(f"x has {Cf} channels, not a multiple of factor² = {f * f}.")
    C = Cf // (f * f)
    return x.reshape(B, C, f, f, h, w).permute(0, 1, 4, 2, 5, 3).reshape(B, C, f * h, f * w)


def _swapped(x, f):      # sub-pixel row and column swapped: x[c f² + k f + a] -> (a, k)
    B, Cf, h, w = x.shape
    C = Cf // (f * f)
    return x.reshape(B, C, f, f, h, w).permute(0, 1, 4, 3, 5, 2).reshape(B, C, f * h, f * w)


def _no_permute(x, f):   # a reshape without moving the sub-pixel axes next to the pixel axes
    B, Cf, h, w = x.shape
    return x.reshape(B, Cf // (f * f), f * h, f * w)


def _channel_last(x, f):  # channel index a f + k taken as k C + c (the block index outermost)
    B, Cf, h, w = x.shape
    C = Cf // (f * f)
    return x.reshape(B, f, f, C, h, w).permute(0, 3, 4, 1, 5, 2).reshape(B, C, f * h, f * w)


class PixelShuffle(Exercise):
    """``pixel_shuffle(x, factor)``: the sub-pixel rearrangement, by hand."""

    name, signature, lecture = "pixel_shuffle", "pixel_shuffle(x, factor)", "03"

    def cases(self):
        g = _seeded(41)
        return [Case("x of shape (1, 4, 3, 5), factor 2 (one output channel, a non-square image)",
                     (torch.randn(1, 4, 3, 5, generator=g, dtype=torch.float64), 2)),
                Case("x of shape (2, 18, 2, 2), factor 3 (a batch of two, two output channels)",
                     (torch.randn(2, 18, 2, 2, generator=g, dtype=torch.float64), 3)),
                Case("x = 0, 1, 2, … of shape (1, 16, 1, 1), factor 4 (one pixel becomes a 4×4 block)",
                     (torch.arange(16, dtype=torch.float64).reshape(1, 16, 1, 1), 4))]

    def call(self, fn, case):
        x, f = case.args
        out, err = _invoke(fn, (x.clone(), f))
        return err if err is not None else record(out)

    def judge_case(self, case, rec):
        x, f = case.args
        B, Cf, h, w = x.shape
        shape = (B, Cf // (f * f), f * h, f * w)
        issue = _tensor_issue(rec, shape)
        if issue:
            return Verdict(False, hint=issue + " pixel_shuffle turns (B, C·f², h, w) into (B, C, f·h, f·w).")
        ref = reference_pixel_shuffle(x, f)
        got = rec["value"]
        if torch.allclose(got.double(), ref, rtol=0, atol=1e-12):
            return Verdict(True)
        mistakes = [
            (lambda: _swapped(x, f), "the rows and columns inside each f×f block are swapped: channel c·f² + a·f + b "
                                     "goes to row f·i + a and column f·j + b (a is the row offset)."),
            (lambda: _no_permute(x, f), "a reshape alone keeps the memory order: each channel becomes a strip of "
                                        "pixels. Split the channels into (C, f, f), move the two f axes next to h "
                                        "and w with permute, then reshape."),
            (lambda: _channel_last(x, f), "the channel index is c·f² + a·f + b (the output channel outermost), not "
                                          "(a·f + b)·C + c."),
        ]
        return _mismatch(self.name, got.double(), ref, mistakes,
                         "out[b, c, f·i + a, f·j + k] = x[b, c·f² + a·f + k, i, j]; compare with "
                         "torch.nn.PixelShuffle(f)(x).", 1e-9)


def reference_huber(x_hat: torch.Tensor, x: torch.Tensor, delta: float) -> torch.Tensor:
    """Mean Huber loss: :math:`\\tfrac12 r^2` where :math:`|r| \\le \\delta`, :math:`\\delta(|r| - \\tfrac12\\delta)` elsewhere."""
    delta = check_real(delta, "delta", low=0, low_open=True)
    r = (x_hat - x).abs()
    return torch.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta)).mean()


class Huber(Exercise):
    """``huber(x_hat, x, delta)``: the mean Huber loss."""

    name, signature, lecture = "huber", "huber(x_hat, x, delta)", "03"

    def cases(self):
        g = _seeded(43)
        a = torch.rand(2, 1, 6, 6, generator=g, dtype=torch.float64)
        b = torch.rand(2, 1, 6, 6, generator=g, dtype=torch.float64)
        return [Case("errors between -1 and 1, δ = 0.2 (both branches occur)", (a, b, 0.2)),
                Case("the same images, δ = 2 (every error is small: half the mean squared error)", (a, b, 2.0)),
                Case("a 3×4 image whose errors are 0, ±0.5 and 3, δ = 1",
                     (torch.tensor([[0.0, 0.5, -0.5, 3.0]] * 3, dtype=torch.float64),
                      torch.zeros(3, 4, dtype=torch.float64), 1.0))]

    def call(self, fn, case):
        a, b, d = case.args
        out, err = _invoke(fn, (a.clone(), b.clone(), d))
        return err if err is not None else record(out)

    def judge_case(self, case, rec):
        a, b, d = case.args
        got, problem = _number(rec)
        if problem:
            return Verdict(False, hint=problem + " huber returns the mean loss, one number.")
        ref = float(reference_huber(a, b, d))
        if _same_number(got, ref, 1e-10, 1e-6):
            return Verdict(True)
        r = (a - b).abs()
        candidates = [
            (torch.where(r <= d, r * r, d * (r - 0.5 * d)).mean(), "the quadratic branch is ½ r², not r²."),
            (torch.where(r <= d, 0.5 * r * r, d * r).mean(), "the linear branch is δ(|r| − ½δ): without the −½δ² "
                                                             "the two branches do not meet at |r| = δ."),
            (torch.where(r <= d, 0.5 * r * r, d * (r - 0.5 * d)).sum(), "average over the entries (mean), do not sum."),
            (torch.where(r < d, 0.5 * r * r, 0.5 * d * d).mean(), "for |r| > δ the loss keeps growing, linearly: "
                                                                  "δ(|r| − ½δ), not a constant."),
            ((0.5 * r * r).mean(), "that is half the mean squared error for every error; use the linear branch "
                                   "δ(|r| − ½δ) where |r| > δ."),
            (torch.where((a - b) <= d, 0.5 * r * r, d * (r - 0.5 * d)).mean(),
             "compare the absolute error |r| with δ, not the signed error."),
        ]
        for value, hint in candidates:
            if _same_number(got, float(value), 1e-10, 1e-6):
                return Verdict(False, hint=hint, expected=f"{ref:.6g}", got=f"{got:.6g}")
        return Verdict(False, hint="r = x_hat − x; ½ r² where |r| ≤ δ, δ(|r| − ½δ) elsewhere; the mean over every "
                                   "entry.", expected=f"{ref:.6g}", got=f"{got:.6g}")
