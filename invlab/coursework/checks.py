"""The exercises of the lectures and their checks, with feedback a student can act on.

Every exercise is one function the student writes in a lecture notebook (``tikhonov_fourier``,
``ista_step``, ...). Its :class:`Exercise` knows

* a few deterministic **cases** (random and edge cases: odd sizes, batches, λ = 0, a complex
  operator, a wrong adjoint, identical images ...), built from fixed seeds;
* how to **run** a function on them: the outputs are turned into plain *records* (tensors,
  numbers, type names, the first line of an exception) -- no student object survives;
* how to **judge** the records against the reference, case by case, naming the first case
  that is wrong, what was expected and what came back, and a hint for the likely mistake
  (each exercise compares the wrong answer with the answers of the common mistakes: a missing
  conjugate, a threshold off by the step size, a mean instead of a sum ...).

``run`` and ``judge`` are separate so that the batch grader (:mod:`invlab.coursework.grader`)
can run the student's function in a sandboxed process and judge the records in its own
process, which never executes student code. In a notebook, ``check_*(fn)`` does both at once:
it prints ``✓ name: correct.`` or the feedback (``✗ name — case …``, expected, got, hint) and
returns ``None``, so a check cell shows only the verdict and Run All goes on to the rest of the
lecture with the exercise unsolved; ``raise_on_fail=True`` raises an ``AssertionError`` with the
feedback instead (for scripts and tests). Under ``pytest --nbval-lax`` a check cell is marked
either way: its printed verdict differs from the stored ``✓``.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import torch

from .. import operators as op
from .._checks import check_bool, check_callable
from ..regularisers import soft_threshold

__all__ = ["Exercise", "Verdict", "EXERCISES", "check_tikhonov_fourier", "check_ista_step", "check_psnr_db",
           "check_adjoint_mismatch", "check_pnp_step", "check_csgm_loss", "check_dip_step", "check_early_stop",
           "StandInDenoiser", "StandInGenerator"]

#: Largest number of entries of a returned tensor that a record keeps (a bigger one keeps its shape).
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


# ----------------------------------------------------------------------------------------
# lecture 0
# ----------------------------------------------------------------------------------------
class PsnrDb(Exercise):
    """``psnr_db(x, x_true)``: :math:`10\\log_{10}(1/\\mathrm{MSE})` in dB, images in [0, 1]."""

    name, signature, lecture = "psnr_db", "psnr_db(x, x_true)", "00"

    def cases(self):
        g = _seeded(2)
        t1 = torch.rand(16, 16, generator=g, dtype=torch.float64)
        x1 = t1 + 0.05 * torch.randn(16, 16, generator=g, dtype=torch.float64)
        t2 = 0.5 * torch.rand(16, 16, generator=g, dtype=torch.float64)
        x2 = t2 + 0.02 * torch.randn(16, 16, generator=g, dtype=torch.float64)
        t3 = torch.rand(10, 24, generator=g, dtype=torch.float64)
        x3 = (t3 + 0.1 * torch.randn(10, 24, generator=g, dtype=torch.float64)).clamp(0, 1)
        t4 = torch.rand(8, 8, generator=g, dtype=torch.float64)
        return [Case("a 16×16 image with noise of std 0.05", (x1, t1)),
                Case("a dark image, values in [0, 0.5]: the peak is still the data range 1", (x2, t2)),
                Case("a non-square 10×24 image", (x3, t3)),
                Case("identical images: the PSNR is +inf", (t4.clone(), t4))]

    def judge_case(self, case, rec):
        x, t = case.args
        got, issue = _number(rec)
        if issue:
            return Verdict(False, hint=issue)
        mse = float(((x - t) ** 2).mean())
        ref = math.inf if mse == 0 else 10 * math.log10(1 / mse)
        if _same_number(got, ref, 1e-3, 1e-6):
            return Verdict(True)
        expected, got_text = f"{_fmt(ref)} dB", f"{_fmt(got)} dB"
        if math.isinf(ref):
            hint = ("identical images have MSE = 0, so the PSNR is +inf (torch's 1 / 0 is inf; with Python floats "
                    "return math.inf)." if not math.isnan(got) else
                    "identical images have MSE = 0 and the PSNR is +inf; you got nan (0/0? compute 1 / MSE).")
            return Verdict(False, hint=hint, expected=expected, got=got_text)
        peak = float(t.max())
        sse = float(((x - t) ** 2).sum())
        mae = float((x - t).abs().mean())
        mistakes = [
            (20 * math.log10(1 / mse), "use 10·log10(1 / MSE) (or 20·log10(1 / RMSE)), not 20·log10 of the MSE."),
            (10 * math.log10(peak**2 / mse), "the peak is the data range 1 (images live in [0, 1]), not x_true.max()."),
            (10 * math.log10(float(x.max()) ** 2 / mse), "the peak is the data range 1 (images live in [0, 1]), "
                                                         "not x.max()."),
            (10 * math.log10(1 / sse), "use the mean squared error (.mean()), not the sum."),
            (10 * math.log10(mse), "the fraction is upside down: PSNR = 10·log10(1 / MSE) is positive."),
            (10 * math.log10(1 / math.sqrt(mse)), "with the root of the MSE the factor is 20: 20·log10(1 / RMSE)."),
            (10 * math.log(1 / mse), "use log10 (torch.log10 or math.log10), not the natural log."),
            (math.log10(1 / mse), "multiply by 10: PSNR in dB is 10·log10(1 / MSE)."),
            (10 * math.log10(1 / mae), "square the errors: the MSE is mean((x − x_true)²), not the mean |x − x_true|."),
        ]
        for wrong, hint in mistakes:
            if _same_number(got, wrong, 1e-3, 1e-6):
                return Verdict(False, hint=hint, expected=expected, got=got_text)
        return Verdict(False, hint="compare with 10·log10(1 / mean((x − x_true)²)).", expected=expected, got=got_text)

    def error_hints(self, case, error):
        if "ZeroDivisionError" in error or "math domain error" in error:
            return ("identical images have MSE = 0 and a PSNR of +inf: return math.inf, or compute with torch "
                    "(1 / torch.tensor(0.0) is inf).")
        return None


class AdjointMismatch(Exercise):
    """``adjoint_mismatch(A, x, y)``: :math:`|\\langle Ax, y\\rangle - \\langle x, A^{*}y\\rangle| / (\\|Ax\\|\\|y\\|)`."""

    name, signature, lecture = "adjoint_mismatch", "adjoint_mismatch(A, x, y)", "00"

    def cases(self):
        g = _seeded(3)
        n = 12
        blur = op.Blur((n, n), _KERNEL)
        flip_wrong = _Operator((n, n), (n, n), blur._forward, blur._forward, label="blur with a wrong adjoint")
        down = op.Downsample((n, n), 2, sigma=0)
        up_wrong = _Operator((n, n), (n // 2, n // 2), down._forward,
                             lambda y: y.repeat_interleave(2, -2).repeat_interleave(2, -1),
                             label="downsampling with a wrong adjoint")
        mask = torch.zeros(n, n, dtype=torch.bool)
        mask[:, ::2] = True
        mask[:, n // 2 - 1: n // 2 + 2] = True
        mri = op.MRI(mask)
        mri_wrong = _Operator((n, n), (n, n), mri._forward, lambda y: mri._adjoint(y.conj()).conj(), is_complex=True,
                              label="MRI with a transpose instead of a conjugate transpose")

        def real(*shape):
            return torch.randn(*shape, generator=g, dtype=torch.float64)

        def cplx(*shape):
            return torch.complex(real(*shape), real(*shape))

        return [Case("a blur and its exact adjoint", (blur, real(n, n), real(n, n))),
                Case("a blur whose adjoint is wrong (it blurs again)", (flip_wrong, real(n, n), real(n, n))),
                Case("downsampling 12×12 → 6×6 with a wrong adjoint (pixel replication)",
                     (up_wrong, real(n, n), real(n // 2, n // 2))),
                Case("MRI (complex) with its exact adjoint", (mri, cplx(n, n), cplx(n, n))),
                Case("MRI (complex) with a transpose but no conjugate as its adjoint",
                     (mri_wrong, cplx(n, n), cplx(n, n)))]

    def judge_case(self, case, rec):
        A, x, y = case.args
        got, issue = _number(rec)
        if issue:
            return Verdict(False, hint=issue)
        Ax, Aty = A(x), A.adjoint(y)
        nAx, ny, nx, nAty = (float(torch.linalg.vector_norm(v)) for v in (Ax, y, x, Aty))
        diff = _inner(Ax, y) - _inner(x, Aty)
        ref = float(abs(diff)) / (nAx * ny)
        if _same_number(got, ref, 1e-8, 1e-6):
            return Verdict(True)
        expected, got_text = _fmt(ref), _fmt(got)
        plain = float(abs((Ax * y).sum() - (x * Aty).sum())) / (nAx * ny)
        mistakes = [
            (plain, "for complex tensors the inner product conjugates its first argument: "
                    "⟨u, v⟩ = Σ conj(u)·v, e.g. torch.vdot(u.flatten(), v.flatten())."),
            (float(abs(diff)), "divide by ‖Ax‖·‖y‖ to make the mismatch relative."),
            (None if diff.is_complex() else float(diff) / (nAx * ny), "take the absolute value of the difference."),
            (None if diff.is_complex() else -float(diff) / (nAx * ny), "take the absolute value of the difference."),
            (float(abs(diff)) / (nx * ny), "normalise by ‖Ax‖·‖y‖, not ‖x‖·‖y‖."),
            (float(abs(diff)) / (nx * nAty), "normalise by ‖Ax‖·‖y‖, not ‖x‖·‖Aᵀy‖."),
        ]
        for wrong, hint in mistakes:
            if wrong is not None and _same_number(got, wrong, 1e-8, 1e-6):
                return Verdict(False, hint=hint, expected=expected, got=got_text)
        return Verdict(False, hint="compare with |⟨Ax, y⟩ − ⟨x, A.adjoint(y)⟩| / (‖Ax‖·‖y‖), "
                                   "with ⟨u, v⟩ = Σ conj(u)·v.", expected=expected, got=got_text)

    def error_hints(self, case, error):
        if "shape" in error:
            return "x lives in the image space and y in the measurement space: apply A to x and A.adjoint to y."
        return None


# ----------------------------------------------------------------------------------------
# lecture 1
# ----------------------------------------------------------------------------------------
def _tikhonov_fourier_ref(A, y, lam, conj=True, lam_power=1.0):
    a = A.spectrum
    num = a.conj() if conj else a
    return torch.fft.irfft2(num * torch.fft.rfft2(y) / (a.abs() ** 2 + lam**lam_power), s=y.shape[-2:])


class TikhonovFourier(Exercise):
    """``tikhonov_fourier(A, y, lam)``: :math:`(A^{\\top}A + \\lambda I)^{-1}A^{\\top}y` in Fourier for a blur."""

    name, signature, lecture = "tikhonov_fourier", "tikhonov_fourier(A, y, lam)", "01"

    def cases(self):
        g = _seeded(0)
        A = op.Blur((16, 18), _KERNEL)
        x = torch.rand(16, 18, generator=g, dtype=torch.float64)
        y = A(x) + 0.01 * torch.randn(16, 18, generator=g, dtype=torch.float64)
        A_odd = op.Blur((15, 17), _KERNEL)
        x_odd = torch.rand(15, 17, generator=g, dtype=torch.float64)
        y_odd = A_odd(x_odd) + 0.01 * torch.randn(15, 17, generator=g, dtype=torch.float64)
        xb = torch.rand(2, 16, 18, generator=g, dtype=torch.float64)
        yb = A(xb) + 0.01 * torch.randn(2, 16, 18, generator=g, dtype=torch.float64)
        return [Case("λ = 0.001, a 16×18 image, non-symmetric 3×3 blur", (A, y, 1e-3)),
                Case("λ = 2, a 16×18 image", (A, y, 2.0)),
                Case("λ = 0.1, an odd-sized 15×17 image", (A_odd, y_odd, 0.1)),
                Case("λ = 0.1, a batch of two 16×18 images (work on the last two dimensions)", (A, yb, 0.1))]

    def judge_case(self, case, rec):
        A, y, lam = case.args
        shape = tuple(y.shape)
        if rec.get("kind") == "tensor" and rec.get("dtype", "").startswith("complex"):
            return Verdict(False, hint="the result is complex: go back to image space with "
                                       "torch.fft.irfft2(..., s=y.shape[-2:]) (or take .real of ifft2).")
        issue = _tensor_issue(rec, shape)
        if issue:
            if rec.get("kind") == "tensor" and tuple(rec["shape"])[:-1] == shape[:-1]:
                if rec["shape"][-1] == shape[-1] // 2 + 1:
                    issue += " That is the rfft2 layout: transform back with torch.fft.irfft2."
                elif rec["shape"][-1] == shape[-1] - 1:
                    issue += " Pass s=y.shape[-2:] to torch.fft.irfft2: without it an odd width comes back short."
            return Verdict(False, hint=issue)
        got = rec["value"]
        ref = _tikhonov_fourier_ref(A, y, lam)
        if _close(got, ref, 1e-5):
            return Verdict(True)
        mistakes = [
            (lambda: _tikhonov_fourier_ref(A, y, lam, conj=False),
             "multiply by the complex conjugate of the spectrum: Aᵀ in Fourier is conj(a_hat)."),
            (lambda: _tikhonov_fourier_ref(A, y, 0.0), "λ is missing from the denominator |a_hat|² + λ."),
            (lambda: _tikhonov_fourier_ref(A, y, lam, lam_power=2.0),
             "the denominator is |a_hat|² + λ, not |a_hat|² + λ²."),
            (lambda: torch.fft.irfft2(A.spectrum.conj() * torch.fft.rfft2(y) / (A.spectrum.abs() + lam),
                                      s=y.shape[-2:]),
             "square the magnitude in the denominator: |a_hat|² + λ."),
        ]
        return _mismatch(self.name, got, ref, mistakes,
                         "compare with x_hat = irfft2(conj(a_hat) · rfft2(y) / (|a_hat|² + λ), s=y.shape[-2:]).", 1e-5)

    def error_hints(self, case, error):
        if "must match the size" in error or "shape" in error:
            return ("A.spectrum is in the rfft2 layout (H, W//2+1): transform y with torch.fft.rfft2 and go back "
                    "with torch.fft.irfft2(..., s=y.shape[-2:]).")
        return None


class IstaStep(Exercise):
    """``ista_step(x, A, y, lam, step)``: one ISTA step for :math:`\\tfrac12\\|Ax-y\\|^2 + \\lambda\\|x\\|_1`."""

    name, signature, lecture = "ista_step", "ista_step(x, A, y, lam, step)", "01"

    def cases(self):
        g = _seeded(1)
        A = op.Matrix(torch.randn(30, 20, generator=g, dtype=torch.float64))

        def r(*shape):
            return torch.randn(*shape, generator=g, dtype=torch.float64)

        return [Case("λ = 10, step = 0.02, a 30×20 matrix (a few entries are thresholded to 0)",
                     (r(20), A, r(30), 10.0, 0.02)),
                Case("a large λ = 40 (step = 0.02): most entries are thresholded to 0", (r(20), A, r(30), 40.0, 0.02)),
                Case("λ = 0: the step is a plain gradient step", (r(20), A, r(30), 0.0, 0.01)),
                Case("a batch of three vectors x (3, 20), λ = 5, step = 0.01", (r(3, 20), A, r(3, 30), 5.0, 0.01))]

    def judge_case(self, case, rec):
        x, A, y, lam, step = case.args
        issue = _tensor_issue(rec, tuple(x.shape))
        if issue:
            return Verdict(False, hint=issue + " One ISTA step returns the next iterate, shaped like x.")
        got = rec["value"]
        z = x - step * A.adjoint(A(x) - y)
        ref = soft_threshold(z, step * lam)
        if _close(got, ref, 1e-8):
            return Verdict(True)
        zp = x + step * A.adjoint(A(x) - y)
        mistakes = [
            (z, "you took the gradient step but not the proximal step: apply soft thresholding."),
            (lambda: soft_threshold(z, lam), "the threshold is step * lam (the prox of step·λ‖·‖₁), not lam."),
            (lambda: soft_threshold(z, lam / step), "the threshold is step * lam (the prox of step·λ‖·‖₁), "
                                                    "not lam / step."),
            (lambda: soft_threshold(zp, step * lam),
             "sign error: the gradient of ½‖Ax − y‖² is Aᵀ(Ax − y); step *against* it."),
            (lambda: z * (z.abs() > step * lam),
             "that is hard thresholding: soft thresholding also shrinks the kept entries by step * lam."),
            (lambda: soft_threshold(x, step * lam) - step * A.adjoint(A(x) - y),
             "the order: first the gradient step on the data term, then soft thresholding."),
        ]
        return _mismatch(self.name, got, ref, mistakes,
                         "compare with x_next = soft(x − step · Aᵀ(Ax − y), step · lam).", 1e-8)

    def error_hints(self, case, error):
        if "shape" in error:
            return "use A.adjoint(...) to bring the residual Ax − y back to the space of x."
        return None


# ----------------------------------------------------------------------------------------
# lecture 2: stand-ins for a denoiser and a generator (fast, no weights)
# ----------------------------------------------------------------------------------------
def standin_denoise(z: torch.Tensor, sigma: float) -> torch.Tensor:
    """The stand-in denoiser's map: a local mean plus the deviation clipped softly at ±sigma."""
    s = (z + z.roll(1, -1) + z.roll(-1, -1) + z.roll(1, -2) + z.roll(-1, -2)) / 5
    return s + sigma * torch.tanh((z - s) / sigma)


class StandInDenoiser:
    """A tiny deterministic "denoiser" with the call shape of the course's networks.

    ``denoiser(x, sigma) -> x`` on a batch ``(B, C, H, W)``: a 5-point local mean plus the
    deviation from it clipped softly at ±``sigma`` (so its output depends on ``sigma``). It
    records how it was called (``calls``, ``sigmas``) so that a check can say "called twice".
    """

    def __init__(self):
        self.calls = 0
        self.sigmas: list[float] = []

    def __call__(self, x, sigma):
        if not isinstance(x, torch.Tensor) or x.ndim != 4:
            raise ValueError(f"the denoiser takes images as a batch (B, 1, H, W), got "
                             f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}; "
                             "x and y are already batches, so pass z as it is.")
        if isinstance(sigma, torch.Tensor):
            if sigma.numel() != 1:
                raise ValueError(f"the denoiser's sigma must be one number here, got a tensor of shape "
                                 f"{tuple(sigma.shape)}.")
            sigma = float(sigma)
        if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real) or not sigma > 0:
            raise ValueError(f"the denoiser's sigma must be a positive number, got {sigma!r}.")
        self.calls += 1
        self.sigmas.append(float(sigma))
        return standin_denoise(x, float(sigma))


def _standin_weights(latent_dim: int, n_pixels: int, seed: int):
    g = _seeded(seed)
    return (torch.randn(n_pixels, latent_dim, generator=g, dtype=torch.float64),
            0.5 * torch.randn(n_pixels, generator=g, dtype=torch.float64))


class StandInGenerator:
    """A tiny deterministic "generator" ``G(z) = sigmoid(W z + b)`` with the course's call shape.

    ``generator(z) -> x`` maps codes ``(B, latent_dim)`` to images ``(B, 1, H, W)``, and has the
    attribute ``latent_dim``. Differentiable in ``z``; fixed weights from a seed.

    Parameters
    ----------
    latent_dim : int
    shape : tuple of int
        Image shape ``(H, W)``.
    seed : int
    """

    def __init__(self, latent_dim: int = 4, shape=(8, 8), seed: int = 5):
        from .._checks import check_int, check_shape

        self.latent_dim, self.shape = check_int(latent_dim, "latent_dim", low=1), check_shape(shape, "shape", ndim=2)
        self.W, self.b = _standin_weights(self.latent_dim, math.prod(self.shape), seed)

    def __call__(self, z):
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"the generator takes codes of shape (B, latent_dim) = (B, {self.latent_dim}), got "
                             f"{tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__}.")
        return torch.sigmoid(z @ self.W.T + self.b).reshape(z.shape[0], 1, *self.shape)


class PnpStep(Exercise):
    """``pnp_step(x, y, A, denoiser, step, sigma)``: :math:`D(x + \\eta A^{\\top}(y - Ax), \\sigma)`."""

    name, signature, lecture = "pnp_step", "pnp_step(x, y, A, denoiser, step, sigma)", "02"

    def cases(self):
        g = _seeded(4)
        n = 12
        x_true = torch.rand(1, 1, n, n, generator=g, dtype=torch.float64)
        out = []
        for label, A, step, sigma in (
                ("deblurring (a non-symmetric blur), step = 1, σ = 0.05", op.Blur((n, n), _KERNEL), 1.0, 0.05),
                ("inpainting (a random mask), step = 0.5, σ = 0.1", op.Mask.random((n, n), 0.5, seed=4), 0.5, 0.1),
                ("×2 super-resolution (y is 6×6), step = 1.5, σ = 0.02", op.Downsample((n, n), 2), 1.5, 0.02)):
            y = A(x_true) + 0.02 * torch.randn((1, 1) + A.out_shape, generator=g, dtype=torch.float64)
            x = A.adjoint(y) + 0.05 * torch.randn(1, 1, n, n, generator=g, dtype=torch.float64)
            out.append(Case(label, (x, y, A, None, step, sigma)))
        return out

    def call(self, fn, case):
        x, y, A, _, step, sigma = case.args
        denoiser = StandInDenoiser()
        out, err = _invoke(fn, (x, y, A, denoiser, step, sigma))
        rec = err if err is not None else record(out)
        if "error" not in rec:
            rec["calls"], rec["sigmas"] = denoiser.calls, denoiser.sigmas[:10]
        return rec

    def judge_case(self, case, rec):
        x, y, A, _, step, sigma = case.args
        issue = _tensor_issue(rec, tuple(x.shape))
        if issue:
            return Verdict(False, hint=issue + " The step returns the next iterate x_new, shaped like x.")
        got = rec["value"]
        z = x + step * A.adjoint(y - A(x))
        ref = standin_denoise(z, sigma)
        if _close(got, ref, 1e-6):
            return Verdict(True)
        calls = rec.get("calls", 1)
        mistakes = [
            (z, "you took the gradient step but did not apply the denoiser: x_new = denoiser(z, sigma)."),
            (lambda: standin_denoise(x - step * A.adjoint(y - A(x)), sigma),
             "sign error: the gradient of ½‖Ax − y‖² is Aᵀ(Ax − y), so z = x + step · Aᵀ(y − Ax)."),
            (lambda: standin_denoise(x + step * A(y - A(x)), sigma),
             "use the adjoint A.T (A.adjoint) to bring the residual back to the image: z = x + step · Aᵀ(y − Ax)."),
            (lambda: standin_denoise(x + A.adjoint(y - A(x)), sigma),
             "multiply the gradient Aᵀ(y − Ax) by step."),
            (lambda: standin_denoise(z, step), "the denoiser's strength is sigma, not step: denoiser(z, sigma)."),
            (lambda: standin_denoise(x, sigma) + step * A.adjoint(y - A(standin_denoise(x, sigma))),
             "the order: first the gradient step on the data term, then the denoiser."),
            (lambda: standin_denoise(x, sigma) + step * A.adjoint(y - A(x)),
             "the order: first the gradient step on the data term, then the denoiser."),
        ]
        default = "compare with z = x + step · A.T(y − A(x)), x_new = denoiser(z, sigma)."
        if calls != 1:
            default = f"call the denoiser exactly once per step (it was called {calls} times)."
        return _mismatch(self.name, got, ref, mistakes, default, 1e-6)

    def error_hints(self, case, error):
        if "trailing dimensions" in error or "shape" in error:
            return ("A maps an image x to a measurement; A.T (A.adjoint) maps a measurement back to an image. "
                    "In super-resolution y is smaller than x.")
        return None


class CsgmLoss(Exercise):
    """``csgm_loss(z, y, A, generator, lam)``: :math:`\\tfrac12\\|y - A\\,G(z)\\|^2 + \\lambda\\|z\\|^2`."""

    name, signature, lecture = "csgm_loss", "csgm_loss(z, y, A, generator, lam)", "02"

    def cases(self):
        g = _seeded(6)
        G = StandInGenerator()
        shape = G.shape
        out = []
        for label, A, batch, lam in (
                ("compressed sensing with 20 Gaussian measurements, λ = 0.01",
                 op.GaussianSensing(20, shape, seed=6), 1, 0.01),
                ("a blur, λ = 0.5", op.Blur(shape, _KERNEL), 1, 0.5),
                ("a batch of three codes (the loss sums over everything), inpainting, λ = 0.1",
                 op.Mask.random(shape, 0.3, seed=6), 3, 0.1)):
            z_true = torch.randn(batch, G.latent_dim, generator=g, dtype=torch.float64)
            y = A(G(z_true)) + 0.05 * torch.randn((batch, 1) + A.out_shape, generator=g, dtype=torch.float64)
            z = torch.randn(batch, G.latent_dim, generator=g, dtype=torch.float64)
            out.append(Case(label, (z, y, A, G, lam)))
        return out

    def call(self, fn, case):
        z, y, A, G, lam = case.args
        z = z.clone().requires_grad_(True)
        out, err = _invoke(fn, (z, y, A, G, lam))
        if err is not None:
            return err
        rec = record(out)
        if rec.get("kind") == "tensor" and isinstance(out, torch.Tensor) and out.requires_grad and out.numel() == 1:
            try:
                grad = torch.autograd.grad(out.sum(), z, allow_unused=True)[0]
                rec["grad"] = None if grad is None else grad.detach().clone()
            except Exception as e:
                rec["grad_error"] = _one_line(f"{type(e).__name__}: {e}")
        return rec

    def judge_case(self, case, rec):
        z, y, A, G, lam = case.args
        if rec.get("kind") == "number":
            return Verdict(False, hint="return a torch tensor, not a Python number (no .item()): the optimiser "
                                       "differentiates the loss with respect to z.")
        if rec.get("kind") != "tensor":
            return Verdict(False, hint=f"return a scalar torch tensor, not {rec.get('type', 'something else')}.")
        if math.prod(rec["shape"]) != 1:
            return Verdict(False, hint=f"return one number for the whole batch (a scalar tensor), not a tensor of "
                                       f"shape {tuple(rec['shape'])}: sum over all entries.")
        if "value" not in rec or rec.get("dtype", "").startswith("complex"):
            return Verdict(False, hint="return a real scalar tensor.")
        got = float(rec["value"].reshape(()))
        zz = z.clone().requires_grad_(True)
        r = y - A(G(zz))
        data, reg = 0.5 * (r**2).sum(), (zz**2).sum()
        loss = data + lam * reg
        ref = float(loss.detach())
        d_v, r_v = float(data.detach()), float(reg.detach())
        expected, got_text = _fmt(ref), _fmt(got)
        if not _same_number(got, ref, 1e-10, 1e-6):
            with torch.no_grad():
                n_r, n_z = r.numel(), zz.numel()
                mistakes = [
                    (2 * d_v + lam * r_v, "the data term is ½‖y − A G(z)‖²: the ½ is missing."),
                    (d_v + 0.5 * lam * r_v, "the regulariser is λ‖z‖², without a ½."),
                    (d_v, "add the regulariser λ‖z‖²."),
                    (d_v + lam * math.sqrt(r_v), "square the norm of z: λ‖z‖² = λ · (z**2).sum()."),
                    (math.sqrt(2 * d_v) + lam * r_v,
                     "square the norm of the residual: ½‖y − A G(z)‖² = 0.5 * ((y − A(G(z)))**2).sum()."),
                    (d_v / n_r + lam * r_v / n_z, "use sums, not means (the course's objectives are "
                                                                 "sums: ½‖r‖² = 0.5 * (r**2).sum())."),
                    (2 * d_v / n_r + lam * r_v / n_z, "use sums, not means (the course's objectives "
                                                                     "are sums: ½‖r‖² = 0.5 * (r**2).sum())."),
                    (d_v / n_r + lam * r_v, "use sums, not means: ½‖r‖² = 0.5 * (r**2).sum()."),
                ]
                if tuple(G(zz).shape[-2:]) == tuple(y.shape[-2:]):
                    mistakes.append((0.5 * float(((y - G(zz)) ** 2).sum()) + lam * r_v,
                                     "apply the forward model: the residual is y − A(G(z))."))
            for wrong, hint in mistakes:
                if _same_number(got, wrong, 1e-10, 1e-6):
                    return Verdict(False, hint=hint, expected=expected, got=got_text)
            return Verdict(False, hint="compare with 0.5 * ((y − A(G(z)))**2).sum() + lam * (z**2).sum().",
                           expected=expected, got=got_text)
        if "grad_error" in rec:
            return Verdict(False, hint=f"the value is right, but differentiating it raised {rec['grad_error']}")
        grad = rec.get("grad")
        if not rec.get("requires_grad") or grad is None:
            return Verdict(False, hint="the value is right, but the loss is not differentiable with respect to z: "
                                       "keep torch operations (no .item(), .detach(), numpy or torch.no_grad()).")
        ref_grad = torch.autograd.grad(loss, zz)[0]
        if not _close(grad, ref_grad, 1e-6):
            e, gt = _describe_pair(grad, ref_grad)
            return Verdict(False, hint="the value is right but its gradient with respect to z is not: part of the "
                                       "loss is detached from z.", expected="gradient " + e, got="gradient " + gt)
        return Verdict(True)

    def error_hints(self, case, error):
        if "generator takes codes" in error:
            return "pass z itself to the generator: generator(z)."
        if "trailing dimensions" in error or "shape" in error:
            return "apply A to the generated image: A(generator(z)), and compare it with y."
        return None


# ----------------------------------------------------------------------------------------
# the registry and the public check functions
# ----------------------------------------------------------------------------------------
#: Every exercise of the course by the name of the student's function (the solution notebooks
#: define these functions in cells tagged ``solution``).
from .lecture3b import DipStep, EarlyStop  # noqa: E402  (the lecture-3b module builds on the machinery above)

EXERCISES: dict[str, Exercise] = {ex.name: ex for ex in (PsnrDb(), AdjointMismatch(), TikhonovFourier(), IstaStep(),
                                                          PnpStep(), CsgmLoss(), DipStep(), EarlyStop())}

_PARAMS = """
    Parameters
    ----------
    fn : callable
        The student's ``{sig}``.
    raise_on_fail : bool
        ``False`` (default, for check cells): print the feedback, so that Run All goes on (nbval
        still marks the cell: its output differs from the stored ``✓``). ``True``: raise
        ``AssertionError`` with the feedback when ``fn`` is wrong (scripts, tests).

    Returns
    -------
    None
        ``✓ {name}: correct.`` is printed when ``fn`` passes every case, the feedback (``✗ …``)
        otherwise.

    Raises
    ------
    AssertionError
        When ``fn`` is wrong (and ``raise_on_fail``): the message names the first failing case,
        the expected and the returned value, and a hint for the likely mistake.
    TypeError
        If ``fn`` is not callable or ``raise_on_fail`` is not a bool.
"""


def _check(name: str, fn, raise_on_fail: bool) -> None:
    __tracebackhide__ = True
    return EXERCISES[name].check(fn, raise_on_fail)


def check_psnr_db(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("psnr_db", fn, raise_on_fail)


def check_adjoint_mismatch(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("adjoint_mismatch", fn, raise_on_fail)


def check_tikhonov_fourier(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("tikhonov_fourier", fn, raise_on_fail)


def check_ista_step(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("ista_step", fn, raise_on_fail)


def check_pnp_step(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("pnp_step", fn, raise_on_fail)


def check_csgm_loss(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("csgm_loss", fn, raise_on_fail)


def check_dip_step(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("dip_step", fn, raise_on_fail)


def check_early_stop(fn, raise_on_fail: bool = False) -> None:
    __tracebackhide__ = True
    return _check("early_stop", fn, raise_on_fail)


check_psnr_db.__doc__ = """Check ``psnr_db(x, x_true)`` = :math:`10\\log_{10}(1/\\mathrm{MSE})` in dB (lecture 0).

    Images live in [0, 1], so the peak is the data range 1; the MSE is the mean of
    :math:`(x - x_{\\text{true}})^2` over the pixels. Cases: a noisy image, a dark image (so
    ``x_true.max()`` as the peak shows), a non-square image, and identical images (+inf).
""" + _PARAMS.format(sig="psnr_db(x, x_true)", name="psnr_db")

check_adjoint_mismatch.__doc__ = """Check ``adjoint_mismatch(A, x, y)`` (lecture 0).

    The relative mismatch of the adjoint identity,
    :math:`|\\langle Ax, y\\rangle - \\langle x, A^{*}y\\rangle| / (\\|Ax\\|\\,\\|y\\|)` with
    :math:`\\langle u, v\\rangle = \\sum \\bar u_i v_i`. Cases: exact adjoints (the answer is
    round-off), operators with deliberately wrong adjoints, a non-square and a complex operator.
""" + _PARAMS.format(sig="adjoint_mismatch(A, x, y)", name="adjoint_mismatch")

check_tikhonov_fourier.__doc__ = """Check ``tikhonov_fourier(A, y, lam)`` (lecture 1).

    The Tikhonov solution :math:`(A^{\\top}A + \\lambda I)^{-1}A^{\\top}y` for a circular blur, in
    Fourier :math:`\\hat x = \\overline{\\hat a}\\,\\hat y / (|\\hat a|^2 + \\lambda)` with
    :math:`\\hat a` = ``A.spectrum`` (rfft2 layout). Cases: a non-symmetric kernel (a missing
    conjugate shows), small and large λ (λ² shows), an odd image size (``s=`` of irfft2) and a batch.
""" + _PARAMS.format(sig="tikhonov_fourier(A, y, lam)", name="tikhonov_fourier")

check_ista_step.__doc__ = """Check ``ista_step(x, A, y, lam, step)`` (lecture 1).

    One ISTA step for :math:`\\tfrac12\\|Ax-y\\|^2 + \\lambda\\|x\\|_1`:
    :math:`x^{+} = \\operatorname{soft}(x - \\eta A^{\\top}(Ax - y),\\ \\eta\\lambda)`. Cases: a
    typical step, a large λ (most entries vanish), λ = 0 and a batch of vectors.
""" + _PARAMS.format(sig="ista_step(x, A, y, lam, step)", name="ista_step")

check_pnp_step.__doc__ = """Check ``pnp_step(x, y, A, denoiser, step, sigma)``: one deep proximal-gradient step (lecture 2).

    :math:`z = x + \\eta A^{\\top}(y - Ax)`, :math:`x_{\\text{new}} = D(z, \\sigma)`, with ``x`` and
    ``y`` batches ``(1, 1, H, W)`` and a fast stand-in :class:`StandInDenoiser` (no weights) whose
    output depends on ``sigma``. Cases: a non-symmetric blur (A vs Aᵀ shows), a mask with
    step 0.5 (a missing step shows) and ×2 super-resolution (y smaller than x).
""" + _PARAMS.format(sig="pnp_step(x, y, A, denoiser, step, sigma)", name="pnp_step")

check_csgm_loss.__doc__ = """Check ``csgm_loss(z, y, A, generator, lam)``: the CSGM objective (lecture 2).

    :math:`\\tfrac12\\|y - A\\,G(z)\\|^2 + \\lambda\\|z\\|^2` as a scalar tensor that autograd can
    differentiate with respect to ``z`` (codes ``(B, latent_dim)``; sums over everything), with a
    stand-in :class:`StandInGenerator` (no weights). The value and its gradient are compared.
""" + _PARAMS.format(sig="csgm_loss(z, y, A, generator, lam)", name="csgm_loss")

check_dip_step.__doc__ = """Check ``dip_step(net, optimizer, A, y)``: one step of the deep image prior (lecture 3b).

    ``optimizer.zero_grad()``, the loss :math:`\\tfrac12\\|A\\,\\Psi(z_0; w) - y\\|^2` with
    :math:`\\Psi(z_0; w)` = ``net()[0, 0]``, ``loss.backward()``, ``optimizer.step()``; return the loss
    (a number) computed before the step. Each case calls it twice on a fresh seeded tiny
    :class:`~invlab.nets.DIPNet` with Adam and compares the image after the two steps and the first
    returned loss. Cases: inpainting (the masked loss must not pull the missing pixels to the
    zeros ``y`` holds there), ×2 super-resolution (``y`` smaller than the image) and denoising.
""" + _PARAMS.format(sig="dip_step(net, optimizer, A, y)", name="dip_step")

check_early_stop.__doc__ = """Check ``early_stop(val_loss, patience)``: when to stop a DIP fit (lecture 3b).

    Walk along the validation curve (iterations numbered from 1), keep the best value so far
    (a strict improvement), stop once ``patience`` iterations passed without one, and return the
    best iteration. Cases: a U-shaped curve, a curve with two dips (patience decides which is
    found), a curve that keeps falling (a tensor), and a plateau (ties keep the earliest).
""" + _PARAMS.format(sig="early_stop(val_loss, patience)", name="early_stop")
