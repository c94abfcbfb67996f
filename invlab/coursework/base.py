"""The machinery of the coursework checks: records, cases, verdicts and the helpers that judge them.

The exercises of each lecture (``lecture0`` ... ``lecture3b``) build on it; the registry and the
``check_*`` functions are in :mod:`invlab.coursework.checks`.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import torch

from .. import operators as op
from .._checks import check_bool, check_callable

__all__ = ["Exercise", "Verdict", "Case", "record", "clean_records"]

MAX_RECORDED = 100_000


# ----------------------------------------------------------------------------------------
# records: what a student's function returned, as plain data
# ----------------------------------------------------------------------------------------
def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _invoke(fn, args) -> tuple[object, dict | None]:
    """``fn(*args)``, or ``(None, error record)`` if it raised (not for KeyboardInterrupt/timeouts)."""
    try:
        return fn(*args), None
    except NotImplementedError as e:
        return None, {"error": _one_line(f"NotImplementedError: {e}"), "not_implemented": True}
    except (Exception, SystemExit) as e:  # the student's code raised: keep which error and its message
        return None, {"error": _one_line(f"{type(e).__name__}: {e}")}


def record(out) -> dict:
    """What ``out`` is, as a record of plain data (tensors are detached copies on the CPU).

    Parameters
    ----------
    out : object
        A value returned by a student's function.

    Returns
    -------
    dict
        ``{"kind": "tensor", "shape", "dtype", "requires_grad", "value"}`` (``value`` only up to
        :data:`MAX_RECORDED` entries), ``{"kind": "number", "value": float}`` for a real Python or
        numpy number, or ``{"kind": "other", "type": name}``; ``{"error": ...}`` if even looking
        at the value raised.
    """
    try:
        if isinstance(out, torch.Tensor):
            if out.layout != torch.strided:
                return {"kind": "other", "type": f"{out.layout} tensor"}
            rec = {"kind": "tensor", "shape": [int(s) for s in out.shape],
                   "dtype": str(out.dtype).replace("torch.", ""), "requires_grad": bool(out.requires_grad)}
            if out.numel() <= MAX_RECORDED:
                value = out.detach().to("cpu").resolve_conj().resolve_neg().clone().contiguous()
                rec["value"] = value if type(value) is torch.Tensor else value.as_subclass(torch.Tensor)
            return rec
        if isinstance(out, numbers.Real) and not isinstance(out, bool):
            return {"kind": "number", "value": float(out), "type": type(out).__name__}
        return {"kind": "other", "type": type(out).__name__}
    except Exception as e:  # a strange object: say so instead of failing
        return {"error": _one_line(f"{type(e).__name__} while reading the result: {e}")}


_KEYS = {"error": str, "not_implemented": bool, "kind": str, "shape": list, "dtype": str, "requires_grad": bool,
         "value": (torch.Tensor, float), "type": str, "grad": (torch.Tensor, type(None)), "grad_error": str,
         "calls": int, "sigmas": list, "timed_out": bool, "loss": float}


def clean_records(records, n: int) -> list[dict]:
    """Validate records that came from another process: ``n`` dicts with known keys and types.

    Raises
    ------
    ValueError
        If anything is malformed (the grader then reports an error instead of judging).
    """
    if not isinstance(records, list) or len(records) != n:
        raise ValueError(f"expected a list of {n} records, got {type(records).__name__}"
                         f"{' of length %d' % len(records) if isinstance(records, list) else ''}.")
    out = []
    for rec in records:
        if not isinstance(rec, dict):
            raise ValueError(f"a record must be a dict, got {type(rec).__name__}.")
        for key, value in rec.items():
            if key not in _KEYS or not isinstance(value, _KEYS[key]):
                raise ValueError(f"unexpected record entry {key!r} of type {type(value).__name__}.")
        rec = dict(rec)
        if isinstance(rec.get("value"), torch.Tensor):
            rec["shape"] = list(rec["value"].shape)
            rec["dtype"] = str(rec["value"].dtype).replace("torch.", "")
        if "sigmas" in rec and not all(isinstance(s, float) for s in rec["sigmas"]):
            raise ValueError("sigmas must be floats.")
        out.append(rec)
    return out


# ----------------------------------------------------------------------------------------
# verdicts and the Exercise base class
# ----------------------------------------------------------------------------------------
@dataclass
class Verdict:
    """The outcome of judging one exercise.

    Attributes
    ----------
    ok : bool
    name : str
        The exercise (the student's function name).
    case : str or None
        Which case failed, e.g. ``"case 2 of 4 (λ = 2)"``.
    hint : str
        What is wrong and what to do about it (the likely mistake).
    expected, got : str or None
        Short descriptions of the reference answer and of the student's answer.
    not_implemented : bool
        The function still raises ``NotImplementedError`` (the student stub).
    raised : bool
        The function raised another exception (the grader reports ``error``, not ``failed``).
    """

    ok: bool
    name: str = ""
    case: str | None = None
    hint: str = ""
    expected: str | None = None
    got: str | None = None
    not_implemented: bool = False
    raised: bool = False

    def summary(self) -> str:
        """One line: ``"case 2 of 4 (λ = 2): <hint>"`` (the grader's feedback column)."""
        if self.ok:
            return "correct"
        return f"{self.case}: {self.hint}" if self.case else self.hint

    def text(self) -> str:
        """The full feedback: the summary line, then expected and got."""
        if self.ok:
            return f"✓ {self.name}: correct."
        lines = [f"✗ {self.name} — {self.summary()}"]
        if self.expected is not None:
            lines.append(f"  expected: {self.expected}")
        if self.got is not None:
            lines.append(f"  got:      {self.got}")
        return "\n".join(lines)


@dataclass
class Case:
    """One test input: a label for the feedback and the arguments of the student's function."""

    label: str
    args: tuple
    data: dict = field(default_factory=dict)


class Exercise:
    """An exercise: a function the student writes, its cases, and how to judge the answers.

    Subclasses set :attr:`name` and :attr:`signature` and implement :meth:`cases` and
    :meth:`judge_case` (and :meth:`call` when a case needs more than ``fn(*args)``).
    """

    #: the student's function name in the notebook (also the key of :data:`EXERCISES`)
    name: str = ""
    #: how it is called, for messages
    signature: str = ""
    #: the lecture it belongs to (two digits)
    lecture: str = ""

    def cases(self) -> list[Case]:  # pragma: no cover - abstract
        """Deterministic test inputs (fresh tensors on every call)."""
        raise NotImplementedError

    def call(self, fn, case: Case) -> dict:
        """Run ``fn`` on one case and return its record."""
        out, err = _invoke(fn, case.args)
        return err if err is not None else record(out)

    def run(self, fn) -> list[dict]:
        """Records of ``fn`` on every case (the part that executes the student's code)."""
        return [self.call(fn, case) for case in self.cases()]

    def judge_case(self, case: Case, rec: dict) -> Verdict:  # pragma: no cover - abstract
        """The verdict for one case (``ok``, or a hint and expected/got)."""
        raise NotImplementedError

    def judge(self, records: list[dict]) -> Verdict:
        """Judge records made by :meth:`run` (possibly in another process); no student code runs here.

        Raises
        ------
        ValueError
            If the records are malformed.
        """
        cases = self.cases()
        records = clean_records(records, len(cases))
        for i, (case, rec) in enumerate(zip(cases, records), start=1):
            where = f"case {i} of {len(cases)} ({case.label})"
            if "error" in rec:
                v = self._error_verdict(case, rec)
            elif rec.get("timed_out"):
                v = Verdict(False, hint="your function did not return within the time limit (an endless loop?).")
            else:
                v = self.judge_case(case, rec)
            if not v.ok:
                v.name, v.case = self.name, where
                return v
        return Verdict(True, name=self.name)

    def error_hints(self, case: Case, error: str) -> str | None:
        """A hint for an exception raised by the student's function (``None``: no specific hint)."""
        return None

    def _error_verdict(self, case: Case, rec: dict) -> Verdict:
        if rec.get("not_implemented"):
            return Verdict(False, hint=f"not implemented yet: replace the `raise NotImplementedError` line of "
                                       f"{self.name} with your code.", not_implemented=True)
        hint = f"your function raised {rec['error']}"
        extra = self.error_hints(case, rec["error"])
        return Verdict(False, hint=hint if extra is None else f"{hint} — {extra}", raised=True)

    def check(self, fn, raise_on_fail: bool = False) -> None:
        """Run and judge ``fn``; print the verdict (``✓`` or the feedback), or with ``raise_on_fail``
        raise ``AssertionError`` with the feedback when ``fn`` is wrong."""
        __tracebackhide__ = True  # IPython and pytest hide this frame: the message is the point
        check_callable(fn, "fn", allow_none=False)
        check_bool(raise_on_fail, "raise_on_fail")
        verdict = self.judge(self.run(fn))
        if verdict.ok or not raise_on_fail:
            print(verdict.text())
            return None
        raise AssertionError(verdict.text())


# ----------------------------------------------------------------------------------------
# helpers for judging tensors and numbers
# ----------------------------------------------------------------------------------------
def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.to(torch.complex128 if (a.is_complex() or b.is_complex()) else torch.float64), b
    b = b.to(a.dtype)
    denom = float(torch.linalg.vector_norm(b))
    return float(torch.linalg.vector_norm(a - b)) / max(denom, 1e-300)


def _close(got: torch.Tensor, ref: torch.Tensor, rtol: float) -> bool:
    return tuple(got.shape) == tuple(ref.shape) and bool(torch.isfinite(got).all()) and _rel(got, ref) <= rtol


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _describe_pair(got: torch.Tensor, ref: torch.Tensor) -> tuple[str, str]:
    """Expected / got lines for two tensors of the same shape: norm and the worst entry."""
    g, r = got.to(torch.float64), ref.to(torch.float64)
    shape = tuple(ref.shape)
    if not bool(torch.isfinite(g).all()):
        n_bad = int((~torch.isfinite(g)).sum())
        return (f"tensor {shape}, ‖·‖ = {_fmt(float(r.norm()))}",
                f"tensor {shape} with {n_bad} NaN/inf entries")
    idx = tuple(int(i) for i in torch.unravel_index(torch.argmax((g - r).abs()), shape)) if shape else ()
    at = f"; at {list(idx)}: " if shape else "; value "
    return (f"tensor {shape}, ‖·‖ = {_fmt(float(r.norm()))}{at}{_fmt(float(r[idx]))}",
            f"tensor {shape}, ‖·‖ = {_fmt(float(g.norm()))}{at}{_fmt(float(g[idx]))}"
            f"  (relative error {_rel(g, r):.2e})")


def _tensor_issue(rec: dict, shape: tuple, real: bool = True) -> str | None:
    """Why a record is not a usable tensor of ``shape`` (``None`` if it is)."""
    if rec.get("kind") != "tensor":
        return f"return a torch.Tensor, not {rec.get('type', 'something else')}."
    if tuple(rec["shape"]) != tuple(shape):
        return f"the result has shape {tuple(rec['shape'])}, expected {tuple(shape)}."
    if real and rec.get("dtype", "").startswith("complex"):
        return "the result is complex; the answer is a real image."
    if "value" not in rec:
        return "the result is too large to compare."
    return None


def _mismatch(name: str, got: torch.Tensor, ref: torch.Tensor, mistakes, default_hint: str, rtol: float) -> Verdict:
    """The hint of the first common mistake that reproduces ``got``, with expected/got lines."""
    expected, got_text = _describe_pair(got, ref)
    for wrong, hint in mistakes:
        try:
            w = wrong() if callable(wrong) else wrong
        except Exception:  # a mistake that cannot even be computed for this case cannot match
            continue
        if w is not None and tuple(w.shape) == tuple(got.shape) and _close(got, w, rtol):
            return Verdict(False, hint=hint, expected=expected, got=got_text)
    return Verdict(False, hint=default_hint, expected=expected, got=got_text)


def _number(rec: dict) -> tuple[float | None, str | None]:
    """A real number from a record (a Python/numpy number or a one-element real tensor)."""
    if rec.get("kind") == "number":
        return float(rec["value"]), None
    if rec.get("kind") == "tensor":
        if rec.get("dtype", "").startswith("complex"):
            return None, "the result is complex: return a real number (take abs(...))."
        if math.prod(rec["shape"]) != 1:
            return None, (f"return one number, not a tensor of shape {tuple(rec['shape'])}: reduce over all "
                          "entries (e.g. .sum() or .mean()).")
        return float(rec["value"].reshape(())), None
    if rec.get("type") == "complex":
        return None, "the result is complex: return a real number (take abs(...))."
    return None, f"return a number, not {rec.get('type', 'something else')}."


def _same_number(got: float, ref: float, atol: float, rtol: float) -> bool:
    if math.isinf(ref) or math.isinf(got):
        return got == ref
    return math.isfinite(got) and abs(got - ref) <= atol + rtol * abs(ref)


def _seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


_KERNEL = torch.tensor([[0.0, 0.1, 0.0], [0.2, 0.4, 0.05], [0.0, 0.25, 0.0]], dtype=torch.float64)


class _Operator(op.LinearOperator):
    """A linear operator from two functions (for operators whose adjoint is deliberately wrong)."""

    def __init__(self, in_shape, out_shape, forward, adjoint, is_complex=False, label=""):
        super().__init__(in_shape, out_shape, is_complex=is_complex)
        self._f, self._a, self.label = forward, adjoint, label

    def _forward(self, x):
        return self._f(x)

    def _adjoint(self, y):
        return self._a(y)

    def __repr__(self):
        return self.label or super().__repr__()


def _inner(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a.conj() * b).sum() if (a.is_complex() or b.is_complex()) else (a * b).sum()


