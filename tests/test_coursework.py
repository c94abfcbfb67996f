"""Exercise checks and student versions (invlab.coursework).

* every check accepts the reference solution of its notebook and rejects each common mistake
  with the hint that names it (so no check can be passed by a wrong answer we know of);
* the feedback names the case and shows expected vs got; checks raise by default, print with
  ``raise_on_fail=False``, and return None;
* judging works on records alone (what the grader gets back from its sandbox);
* the student versions keep the function heads, drop the solutions and outputs, and -- run
  under nbval -- fail exactly their exercise check cells with a clear message.
"""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
import torch

import invlab as il
from invlab import coursework
from invlab import operators as op
from invlab import regularisers as R
from invlab.coursework import EXERCISES
from invlab.coursework import lecture3 as L3
from invlab.coursework import lecture4 as L4
from invlab.coursework import lecture4b as L4B
from invlab import operators as _op
from invlab.coursework.checks import clean_records, standin_denoise
from invlab.coursework.student import (lecture_exercises, make_student_notebook, solution_functions,
                                       write_student_versions)
from invlab.regularisers import soft_threshold

ROOT = Path(__file__).resolve().parents[1]
LECTURES = ROOT / "lectures"


# ------------------------------------------------------------------------ the reference solutions
def _solution_namespace():
    """The exercise functions as written in the solution notebooks (their cells run in a namespace)."""
    ns = {"torch": torch, "il": il, "op": op, "R": R, "math": math}
    for path in sorted(LECTURES.glob("*.ipynb")):
        for cell in nbformat.read(str(path), as_version=4).cells:
            if cell.cell_type == "code" and "solution" in cell.metadata.get("tags", []):
                exec(cell.source, ns)
    return ns


SOLUTIONS = _solution_namespace()


def _pnp_ref(x, y, A, D, step, sigma):
    return D(x + step * A.adjoint(y - A(x)), sigma)


def _csgm_ref(z, y, A, G, lam):
    return 0.5 * ((y - A(G(z))) ** 2).sum() + lam * (z**2).sum()


#: Lecture 2's exercises live in its notebook once it has them; until then these references stand in.
REFERENCE = {"pnp_step": _pnp_ref, "csgm_loss": _csgm_ref, "zero_filled": L4B.reference_zero_filled,
             "data_consistency": L4B.reference_data_consistency}


def reference(name):
    return SOLUTIONS.get(name, REFERENCE.get(name))


def test_every_exercise_of_the_lectures_has_a_check_and_a_check_cell():
    per_lecture = lecture_exercises(LECTURES)
    names = [n for ns in per_lecture.values() for n in ns]
    assert len(names) == len(set(names)), "exercise names must be unique across the lectures"
    assert set(names) <= set(EXERCISES)
    for lecture in ("00_welcome", "01_inverse_problems"):
        assert len(per_lecture[lecture]) >= 2, lecture
    for path in sorted(LECTURES.glob("*.ipynb")):
        cells = nbformat.read(str(path), as_version=4).cells
        for k, cell in enumerate(cells):
            if cell.cell_type == "code" and "solution" in cell.metadata.get("tags", []):
                (name,) = solution_functions(nbformat.v4.new_notebook(cells=[cell]))
                after = cells[k + 1]
                assert f"il.coursework.check_{name}({name})" in after.source, (path.name, k)
                assert "raise_on_fail=False" not in after.source  # check cells are strict (nbval marks them)
                assert EXERCISES[name].lecture == path.name[:2]


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_reference_solution_passes(name, capsys):
    check = getattr(coursework, f"check_{name}")
    assert check(reference(name)) is None
    assert capsys.readouterr().out == f"✓ {name}: correct.\n"


# ------------------------------------------------------------------------ the common mistakes
def _tik(conj=True, lam_pow=1, s=True, sq=True):
    def f(A, y, lam):
        a = A.spectrum
        den = (a.abs() ** 2 if sq else a.abs()) + (lam**lam_pow if lam_pow else 0.0)
        out = (a.conj() if conj else a) * torch.fft.rfft2(y) / den
        return torch.fft.irfft2(out, s=y.shape[-2:]) if s else torch.fft.irfft2(out)
    return f


def _ista(threshold="step*lam", sign=1, prox="soft"):
    def f(x, A, y, lam, step):
        z = x - sign * step * A.adjoint(A(x) - y)
        t = {"step*lam": step * lam, "lam": lam, "lam/step": lam / step if step else lam}[threshold]
        if prox == "none":
            return z
        if prox == "hard":
            return z * (z.abs() > t)
        return soft_threshold(z, t)
    return f


def _adjoint(conj=True, normalise="Ax y", absolute=True):
    def f(A, x, y):
        Ax, Aty = A(x), A.adjoint(y)
        dot = (lambda u, v: (u.conj() * v).sum()) if conj else (lambda u, v: (u * v).sum())
        d = dot(Ax, y) - dot(x, Aty)
        d = abs(d) if absolute else d.real
        den = {"Ax y": Ax.norm() * y.norm(), "x y": x.norm() * y.norm(), "none": 1.0}[normalise]
        return float(d / den)
    return f


def _psnr(expr):
    def f(x, t):
        mse = ((x - t) ** 2).mean()
        return float(eval(expr, {"torch": torch, "math": math}, {"mse": mse, "x": x, "t": t}))
    return f


def _pnp(variant):
    def f(x, y, A, D, step, sigma):
        g = A.adjoint(y - A(x))
        return {"no denoiser": lambda: x + step * g,
                "sign": lambda: D(x - step * g, sigma),
                "A not A.T": lambda: D(x + step * A(y - A(x)), sigma),
                "no step": lambda: D(x + g, sigma),
                "sigma=step": lambda: D(x + step * g, step),
                "order": lambda: D(x, sigma) + step * A.adjoint(y - A(D(x, sigma))),
                "twice": lambda: D(D(x + step * g, sigma), sigma),
                "2-D": lambda: D((x + step * g)[0, 0], sigma)}[variant]()
    return f


def _csgm(variant):
    def f(z, y, A, G, lam):
        r = y - A(G(z))
        return {"no half": lambda: (r**2).sum() + lam * (z**2).sum(),
                "half reg": lambda: 0.5 * (r**2).sum() + 0.5 * lam * (z**2).sum(),
                "no reg": lambda: 0.5 * (r**2).sum(),
                "reg not squared": lambda: 0.5 * (r**2).sum() + lam * z.norm(),
                "mean": lambda: torch.nn.functional.mse_loss(A(G(z)), y) + lam * (z**2).mean(),
                "item": lambda: (0.5 * (r**2).sum() + lam * (z**2).sum()).item(),
                "detached": lambda: 0.5 * ((y - A(G(z.detach()))) ** 2).sum() + lam * (z**2).sum(),
                "per code": lambda: 0.5 * (r**2).flatten(1).sum(1) + lam * (z**2).sum(1)}[variant]()
    return f


def _raise(exc):
    def f(*args):
        raise exc
    return f


MISTAKES = [
    ("tikhonov_fourier", _tik(conj=False), "complex conjugate"),
    ("tikhonov_fourier", _tik(lam_pow=0), "λ is missing"),
    ("tikhonov_fourier", _tik(lam_pow=2), "not |a_hat|² + λ²"),
    ("tikhonov_fourier", _tik(sq=False), "square the magnitude"),
    ("tikhonov_fourier", _tik(s=False), "s=y.shape[-2:]"),
    ("tikhonov_fourier", lambda A, y, lam: torch.fft.ifft2(torch.fft.fft2(y)), "complex"),
    ("tikhonov_fourier", lambda A, y, lam: torch.fft.ifft2(A.spectrum * torch.fft.fft2(y)).real, "rfft2 layout"),
    ("ista_step", _ista(prox="none"), "not the proximal step"),
    ("ista_step", _ista(threshold="lam"), "step * lam (the prox"),
    ("ista_step", _ista(threshold="lam/step"), "the threshold is step * lam"),
    ("ista_step", _ista(sign=-1), "sign error"),
    ("ista_step", _ista(prox="hard"), "hard thresholding"),
    ("psnr_db", _psnr("20 * torch.log10(1 / mse)"), "not 20·log10 of the MSE"),
    ("psnr_db", _psnr("10 * torch.log10(t.max() ** 2 / mse)"), "not x_true.max()"),
    ("psnr_db", _psnr("10 * torch.log10(1 / ((x - t) ** 2).sum())"), "not the sum"),
    ("psnr_db", _psnr("10 * torch.log10(mse)"), "upside down"),
    ("psnr_db", _psnr("10 * torch.log(1 / mse)"), "natural log"),
    ("psnr_db", _psnr("torch.log10(1 / mse)"), "multiply by 10"),
    ("psnr_db", _psnr("10 * torch.log10(1 / (x - t).abs().mean())"), "square the errors"),
    ("psnr_db", lambda x, t: 10 * torch.log10(1 / (x - t) ** 2), "return one number"),
    ("psnr_db", lambda x, t: 10 * math.log10(1 / float(((x - t) ** 2).mean())), "+inf"),
    ("adjoint_mismatch", _adjoint(conj=False), "conjugates its first argument"),
    ("adjoint_mismatch", _adjoint(normalise="none"), "divide by ‖Ax‖·‖y‖"),
    ("adjoint_mismatch", _adjoint(normalise="x y"), "not ‖x‖·‖y‖"),
    ("adjoint_mismatch", _adjoint(absolute=False), "absolute value"),
    ("adjoint_mismatch", lambda A, x, y: complex(torch.vdot(A(x).flatten(), y.flatten())), "complex"),
    ("pnp_step", _pnp("no denoiser"), "did not apply the denoiser"),
    ("pnp_step", _pnp("sign"), "sign error"),
    ("pnp_step", _pnp("A not A.T"), "use the adjoint A.T"),
    ("pnp_step", _pnp("no step"), "by step"),
    ("pnp_step", _pnp("sigma=step"), "strength is sigma, not step"),
    ("pnp_step", _pnp("order"), "first the gradient step"),
    ("pnp_step", _pnp("twice"), "exactly once per step (it was called 2 times)"),
    ("pnp_step", _pnp("2-D"), "the denoiser takes images as a batch"),
    ("csgm_loss", _csgm("no half"), "the ½ is missing"),
    ("csgm_loss", _csgm("half reg"), "without a ½"),
    ("csgm_loss", _csgm("no reg"), "add the regulariser"),
    ("csgm_loss", _csgm("reg not squared"), "square the norm of z"),
    ("csgm_loss", _csgm("mean"), "sums, not means"),
    ("csgm_loss", _csgm("item"), "not a Python number"),
    ("csgm_loss", _csgm("detached"), "gradient with respect to z is not"),
    ("csgm_loss", _csgm("per code"), "one number for the whole batch"),
    ("pixel_shuffle", L3._swapped, "rows and columns inside each f×f block are swapped"),
    ("pixel_shuffle", L3._no_permute, "a reshape alone keeps the memory order"),
    ("pixel_shuffle", L3._channel_last, "the output channel outermost"),
    ("pixel_shuffle", lambda x, f: torch.nn.functional.interpolate(x[:, :x.shape[1] // (f * f)], scale_factor=f),
     "compare with torch.nn.PixelShuffle(f)(x)"),
    ("huber", lambda a, b, d: ((a - b) ** 2 / 2).mean(), "half the mean squared error"),
    ("huber", lambda a, b, d: torch.where((a - b).abs() <= d, (a - b) ** 2, d * ((a - b).abs() - d / 2)).mean(),
     "the quadratic branch is ½ r²"),
    ("huber", lambda a, b, d: torch.where((a - b).abs() <= d, (a - b) ** 2 / 2, d * (a - b).abs()).mean(),
     "the linear branch is δ(|r| − ½δ)"),
    ("huber", lambda a, b, d: L3.reference_huber(a, b, d) * a.numel(), "average over the entries"),
    ("huber", lambda a, b, d: torch.where((a - b) <= d, (a - b) ** 2 / 2, d * ((a - b).abs() - d / 2)).mean(),
     "not the signed error"),
    ("ramp_filter", L4._no_padding, "without zero-padding"),
    ("ramp_filter", L4._radians, "cycles per detector bin"),
    ("ramp_filter", L4._integer_nu, "divide the frequency index by the padded length"),
    ("ramp_filter", L4._wrong_axis, "filter along the detector axis"),
    ("ramp_filter", L4._last_part, "keep the first n values"),
    ("ramp_filter", lambda y: y, "came back unchanged"),
    ("ramp_filter", lambda y: y[..., :-1], "ramp_filter returns a sinogram of the same shape"),
    ("landweber_step", lambda x, y, A, eta, L: x + (eta / L) * A.T(A(x) - y), "sign error"),
    ("landweber_step", lambda x, y, A, eta, L: x - eta * A.T(A(x) - y), "divide the step by L"),
    ("landweber_step", lambda x, y, A, eta, L: x - (eta / L ** 0.5) * A.T(A(x) - y), "not by √L"),
    ("landweber_step", lambda x, y, A, eta, L: x - (eta / L) * A.fbp(A(x) - y), "not the FBP"),
    ("landweber_step", lambda x, y, A, eta, L: -(eta / L) * A.T(A(x) - y), "not only the update"),
    ("zero_filled", lambda y, m: _op.ifft2c(y), "apply the mask first"),
    ("zero_filled", lambda y, m: torch.fft.ifft2(y * m, norm="ortho"), "k-space is centred"),
    ("zero_filled", lambda y, m: _op.ifft2c(y * m) / (y.shape[-1] * y.shape[-2]) ** 0.5, "orthonormal inverse"),
    ("zero_filled", lambda y, m: _op.fft2c(y * m), "not the forward one"),
    ("zero_filled", lambda y, m: _op.ifft2c(y * m).abs(), "the result is real"),
    ("data_consistency", lambda k, y, m, nu: (1 - m.double()) * k + m.double() * y, "noise-free (hard) layer"),
    ("data_consistency", lambda k, y, m, nu: (k + nu * y) / (1 + nu), "mix only where M = 1"),
    ("data_consistency", lambda k, y, m, nu: (1 - m.double()) * k + m.double() * (nu * k + y) / (1 + nu),
     "the weights are swapped"),
    ("data_consistency", lambda k, y, m, nu: (1 - m.double()) * k + m.double() * (k + nu * y), "divide by 1 + ν"),
    ("data_consistency", lambda k, y, m, nu: m.double() * (k + nu * y) / (1 + nu), "keep the prediction"),
]


@pytest.mark.parametrize("name, fn, hint", MISTAKES, ids=[f"{m[0]}:{m[2][:24]}" for m in MISTAKES])
def test_common_mistake_fails_with_its_hint(name, fn, hint):
    check = getattr(coursework, f"check_{name}")
    with pytest.raises(AssertionError) as info:
        check(fn, raise_on_fail=True)
    text = str(info.value)
    first = text.splitlines()[0]
    assert first.startswith(f"✗ {name} — case ") and hint in first, text  # the hint is on the first line


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_every_check_can_fail(name):
    """A slightly wrong answer (0.1 % off), the stub and an exception all fail."""
    ref = reference(name)

    def off(*args):
        out = ref(*args)
        return out * 1.001 + (1e-3 if not isinstance(out, torch.Tensor) or out.ndim == 0 else 0.0)

    check = getattr(coursework, f"check_{name}")
    with pytest.raises(AssertionError, match="case 1 of"):
        check(off, raise_on_fail=True)
    with pytest.raises(AssertionError, match=f"not implemented yet: replace the `raise NotImplementedError` line "
                                             f"of {name}"):
        check(_raise(NotImplementedError("write it")), raise_on_fail=True)
    with pytest.raises(AssertionError, match="your function raised ZeroDivisionError: boom"):
        check(_raise(ZeroDivisionError("boom")), raise_on_fail=True)
    with pytest.raises(AssertionError, match="return"):
        check(lambda *args: "a string", raise_on_fail=True)


def test_feedback_shows_expected_and_got(capsys):
    with pytest.raises(AssertionError) as info:
        coursework.check_tikhonov_fourier(_tik(conj=False), raise_on_fail=True)
    lines = str(info.value).splitlines()
    assert lines[0].startswith("✗ tikhonov_fourier — case 1 of 4 (λ = 0.001")
    assert lines[1].startswith("  expected: tensor (16, 18), ‖·‖ = ")
    assert lines[2].startswith("  got:      tensor (16, 18), ‖·‖ = ") and "relative error" in lines[2]
    # printing instead of raising (the default: Run All goes on): the same text, and None
    assert coursework.check_tikhonov_fourier(_tik(conj=False)) is None
    assert capsys.readouterr().out.splitlines() == lines
    with pytest.raises(AssertionError) as info:
        coursework.check_psnr_db(_psnr("20 * torch.log10(1 / mse)"), raise_on_fail=True)
    expected, got = str(info.value).splitlines()[1:]
    assert float(expected.split()[1]) * 2 == pytest.approx(float(got.split()[1]), rel=1e-6)


def test_first_failing_case_is_reported():
    """Right on the first cases, wrong on the odd size only: case 3 is named."""
    def no_s(A, y, lam):
        a = A.spectrum
        return torch.fft.irfft2(a.conj() * torch.fft.rfft2(y) / (a.abs() ** 2 + lam))   # fine for even widths

    with pytest.raises(AssertionError, match=r"case 3 of 4 \(λ = 0.1, an odd-sized 15×17 image\)"):
        coursework.check_tikhonov_fourier(no_s, raise_on_fail=True)


def test_check_arguments_are_validated():
    with pytest.raises(TypeError, match="fn must be callable"):
        coursework.check_psnr_db(3)
    with pytest.raises(TypeError, match="raise_on_fail must be True or False"):
        coursework.check_psnr_db(reference("psnr_db"), raise_on_fail="yes")


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_judging_needs_only_the_records(name, tmp_path):
    """Records survive torch.save / torch.load(weights_only=True) and judge the same (the grader's path)."""
    ex = EXERCISES[name]
    for fn in (reference(name), _raise(NotImplementedError()), lambda *a: 0.0):
        records = ex.run(fn)
        torch.save(records, tmp_path / "r.pt")
        loaded = torch.load(tmp_path / "r.pt", weights_only=True)
        assert ex.judge(loaded) == ex.judge(records)
    assert ex.judge(ex.run(reference(name))).ok


def test_malformed_records_are_refused():
    ex = EXERCISES["psnr_db"]
    n = len(ex.cases())
    for bad in ([], [{}] * (n + 1), ["x"] * n, [{"kind": "number", "value": "1"}] * n, [{"evil": 1}] * n, None):
        with pytest.raises(ValueError):
            ex.judge(bad)
    assert clean_records([{"kind": "number", "value": 1.0}], 1) == [{"kind": "number", "value": 1.0}]


def test_stand_ins_have_the_course_call_shapes():
    D = coursework.StandInDenoiser()
    x = torch.rand(2, 1, 6, 6, dtype=torch.float64)
    out = D(x, 0.1)
    assert out.shape == x.shape and D.calls == 1 and D.sigmas == [0.1]
    assert not torch.allclose(standin_denoise(x, 0.1), standin_denoise(x, 0.5))   # depends on sigma
    with pytest.raises(ValueError, match=r"batch \(B, 1, H, W\)"):
        D(x[0, 0], 0.1)
    with pytest.raises(ValueError, match="positive number"):
        D(x, -1.0)
    G = coursework.StandInGenerator()
    z = torch.randn(3, G.latent_dim, dtype=torch.float64, requires_grad=True)
    img = G(z)
    assert img.shape == (3, 1, 8, 8) and 0 < float(img.detach().min()) and float(img.detach().max()) < 1
    img.sum().backward()
    assert z.grad is not None and z.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="codes of shape"):
        G(torch.zeros(4))


# ------------------------------------------------------------------------ student versions
@pytest.mark.parametrize("path", sorted(LECTURES.glob("*.ipynb")), ids=lambda p: p.stem)
def test_student_version_drops_solutions_and_outputs(path):
    solution = nbformat.read(str(path), as_version=4)
    before = json.dumps(solution, sort_keys=True)
    student = make_student_notebook(solution)
    assert json.dumps(solution, sort_keys=True) == before  # the input is untouched
    assert len(student.cells) == len(solution.cells)
    names = solution_functions(solution)
    for sol, stu in zip(solution.cells, student.cells):
        assert "BEGIN SOLUTION" not in stu.source and "END SOLUTION" not in stu.source
        # the version markers are gone (other HTML comments, e.g. the app view's, may stay)
        assert "<!-- STUDENT:" not in stu.source and "<!-- BEGIN SOLUTION" not in stu.source
        if stu.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in stu.source:
            # the reference nbval compares with stays: "✓ name: correct." under each exercise
            assert stu.outputs == sol.outputs and stu.execution_count == sol.execution_count
        elif stu.cell_type == "code":
            assert stu.outputs == [] and stu.execution_count is None and "execution" not in stu.metadata
        if "solution" in sol.metadata.get("tags", []):
            assert stu.metadata["tags"] == ["exercise"] and "jupyter" not in stu.metadata
            body = sol.source.split("# BEGIN SOLUTION")[1].split("# END SOLUTION")[0]
            for line in body.strip().splitlines():
                if line.strip() and not line.strip().startswith("#"):
                    assert line.strip() not in stu.source  # no line of the solution is left
            head = sol.source.split("# BEGIN SOLUTION")[0]
            assert stu.source.startswith(head)  # def line and docstring kept
            (name,) = [n for n in names if f"def {n}(" in sol.source]
            assert f'raise NotImplementedError("{name}: replace this line with your code")' in stu.source
        else:
            assert stu.source == sol.source or stu.cell_type == "markdown"
    assert "widgets" not in student.metadata


def test_student_markdown_notes():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "Intro\n<!-- BEGIN SOLUTION -->\nThe solution is collapsed below.\n<!-- END SOLUTION -->\n"
        "<!-- STUDENT: Write your code below. -->\nEnd")])
    assert make_student_notebook(nb).cells[0].source == "Intro\nWrite your code below.\nEnd"


@pytest.mark.parametrize("source, message", [
    ("def f(x):\n    # BEGIN SOLUTION\n    return x\n", "never closed"),
    ("def f(x):\n    # END SOLUTION\n    return x\n", "without a '# BEGIN SOLUTION'"),
    ("def f(x):\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION\n", "before the"),
    ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "not inside a top-level function"),
    ("def f(x):\n    return x\n", "no '# BEGIN SOLUTION'"),
    ("%%time\ndef f(x):\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION\n", "plain Python"),
])
def test_malformed_solution_cells_are_refused(source, message):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["solution"]
    nb = nbformat.v4.new_notebook(cells=[cell])
    with pytest.raises(ValueError, match=re.escape(message)):
        make_student_notebook(nb)


def test_write_student_versions_and_command_line(tmp_path):
    with pytest.raises(ValueError, match="overwrite the solutions"):
        write_student_versions(LECTURES, LECTURES)
    with pytest.raises(FileNotFoundError):
        write_student_versions(tmp_path / "missing", tmp_path / "out")
    out = tmp_path / "student"
    done = subprocess.run([sys.executable, "-m", "invlab.coursework", "student", str(LECTURES), str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in out.glob("*.ipynb"))
    assert names == sorted(p.name for p in LECTURES.glob("*.ipynb"))
    assert done.stdout.split() == [str(out / n) for n in names]
    bad = subprocess.run([sys.executable, "-m", "invlab.coursework", "student", str(tmp_path / "no"), str(out)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "error:" in bad.stderr


def _nbval_failures(notebook: Path, tmp_path: Path) -> dict[int, str]:
    """{code cell index: failure text} of ``pytest --nbval-lax`` on one notebook."""
    report = tmp_path / f"{notebook.stem}.xml"
    subprocess.run([sys.executable, "-m", "pytest", str(notebook), "--nbval-lax", "--nbval-current-env",
                    "-p", "no:cacheprovider", "-q", f"--junitxml={report}", "--rootdir", str(notebook.parent)],
                   capture_output=True, text=True, timeout=600, cwd=notebook.parent)
    failures = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        if bad is not None:
            m = re.search(r"Cell (\d+)", case.get("name", ""))
            failures[int(m.group(1)) if m else -1] = (bad.get("message") or "") + (bad.text or "")
    return failures


@pytest.mark.slow
@pytest.mark.parametrize("lecture", [n for n, ex in lecture_exercises(LECTURES).items() if ex])
def test_student_version_fails_exactly_its_checks_under_nbval(lecture, tmp_path):
    """With every exercise unsolved, the student version runs to the end: nbval marks exactly the
    check cells (each printed ✗ and the not-implemented hint instead of the stored ✓), and no other
    cell fails -- so Run All in JupyterLab, which stops at the first error, reaches the end too."""
    (path,) = write_student_versions(LECTURES / f"{lecture}.ipynb", tmp_path)
    nb = nbformat.read(str(path), as_version=4)
    checks = {}  # nbval numbers the code cells from 0
    for k, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        m = re.search(r"il\.coursework\.check_(\w+)\(", cell.source)
        if m:
            checks[k] = m.group(1)
    assert len(checks) >= 2
    failures = _nbval_failures(path, tmp_path)
    assert set(failures) == set(checks), failures.keys()
    for k, name in checks.items():
        # the check printed its feedback (nbval: output differs from the stored ✓), it did not raise
        assert f"not implemented yet: replace the `raise NotImplementedError` line of {name} with your code" \
               in failures[k]
        assert f"✗ {name}" in failures[k] and "AssertionError" not in failures[k], failures[k]
