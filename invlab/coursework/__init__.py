"""Coursework: exercises with automatic feedback, student versions, and a batch grader.

* **Checks** (:mod:`invlab.coursework.checks`): ``check_tikhonov_fourier(fn)`` and friends, one
  per exercise, called from the check cell under each exercise. They compare the student's
  function with the reference on random and edge cases and print ``✓ name: correct.``, or the
  feedback: the failing case, the expected and the returned value, and a hint for the likely
  mistake. They return ``None`` and never raise by default, so Run All continues past an
  unsolved exercise, while nbval still marks the cell (its output differs from the stored ✓).
  ``raise_on_fail=True`` raises an ``AssertionError`` with the feedback instead.
* **Student versions** (:mod:`invlab.coursework.student`): the lecture notebooks are the
  solution notebooks; each exercise is a function whose body is written between
  ``# BEGIN SOLUTION`` and ``# END SOLUTION`` in a cell tagged ``solution``.
  :func:`write_student_versions` (``python -m invlab.coursework student lectures/ OUT/``,
  ``make student``) replaces each solution by a stub that raises ``NotImplementedError`` and
  clears all outputs.
* **Grader** (:mod:`invlab.coursework.grader`): :func:`grade` (``python -m invlab.coursework
  grade SUBMISSIONS/ --out grades.csv``, ``make grade``) runs every submitted notebook in its
  own sandboxed process and judges its exercise functions with the package's reference checks.

Command line::

    python -m invlab.coursework student lectures/ build/student
    python -m invlab.coursework grade submissions/ --out grades.csv
    python -m invlab.coursework list lectures/
"""
from __future__ import annotations

from .checks import (EXERCISES, Exercise, StandInDenoiser, StandInGenerator, Verdict, check_adjoint_mismatch,
                     check_csgm_loss, check_dip_step, check_early_stop, check_huber, check_ista_step,
                     check_landweber_step, check_pixel_shuffle, check_pnp_step, check_psnr_db, check_ramp_filter,
                     check_tikhonov_fourier, check_zero_filled, check_data_consistency)

__all__ = ["EXERCISES", "Exercise", "Verdict", "StandInDenoiser", "StandInGenerator",
           "check_psnr_db", "check_adjoint_mismatch", "check_tikhonov_fourier", "check_ista_step",
           "check_pnp_step", "check_csgm_loss", "check_dip_step", "check_early_stop", "check_pixel_shuffle", "check_huber",
           "check_ramp_filter", "check_landweber_step", "check_zero_filled", "check_data_consistency", "make_student_notebook", "write_student_versions", "solution_functions", "lecture_exercises",
           "grade", "format_table", "write_csv"]

# nbformat is needed only to make student versions and to grade: import those modules on first use.
_LAZY = {"make_student_notebook": "student", "write_student_versions": "student", "solution_functions": "student",
         "lecture_exercises": "student", "grade": "grader", "format_table": "grader", "write_csv": "grader"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
