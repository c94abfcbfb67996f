"""The batch grader (invlab.coursework.grader) on fixture submissions, hostile ones included.

The fixtures (tests/fixtures/submissions/<student>/00_welcome.ipynb) are made from lecture 0's
student version by scripts/make_grading_fixtures.py; its docstring says what each student did.
Grading them must give exactly the table below, leave the submissions and the grader's output
folder untouched (apart from the CSV), and leave no temporary folder behind.
"""
from __future__ import annotations

import csv
import glob
import hashlib
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from invlab.coursework import grader
from invlab.coursework.grader import RESULTS, Row, find_submissions, format_table, grade, write_csv

ROOT = Path(__file__).resolve().parents[1]
LECTURES = ROOT / "lectures"
FIXTURES = ROOT / "tests" / "fixtures" / "submissions"
LIMITS = dict(timeout=8.0, call_timeout=3.0, startup_grace=15.0, memory_mb=3072, workers=2)

#: (student, exercise) -> (result, a piece of the feedback). Cells are numbered from 1.
EXPECTED = {
    ("broken", "adjoint_mismatch"): ("error", "your function raised NameError: name 'torch' is not defined"),
    ("broken", "psnr_db"): ("error", "your function raised NameError: name 'torch' is not defined"),
    ("cheater", "adjoint_mismatch"): ("failed", "not implemented yet"),
    ("cheater", "psnr_db"): ("failed", "not implemented yet"),
    ("complete", "adjoint_mismatch"): ("passed", "correct"),
    ("complete", "psnr_db"): ("passed", "correct"),
    ("deleted_cells", "adjoint_mismatch"): ("passed", "correct"),
    ("deleted_cells", "psnr_db"): ("error", "psnr_db is not defined after running the notebook"),
    ("endless", "adjoint_mismatch"): ("timed out", "did not finish within 8 s (stopped in cell 6)"),
    ("endless", "psnr_db"): ("timed out", "did not finish within 8 s (stopped in cell 6)"),
    ("huge_output", "adjoint_mismatch"): ("passed", "correct"),
    ("huge_output", "psnr_db"): ("passed", "correct"),
    ("memory_hog", "adjoint_mismatch"): ("passed", "correct"),
    ("memory_hog", "psnr_db"): ("passed", "correct"),
    ("partial", "adjoint_mismatch"): ("failed", "case 1 of 5 (a blur and its exact adjoint): not implemented yet: "
                                                "replace the `raise NotImplementedError` line of adjoint_mismatch"),
    ("partial", "psnr_db"): ("passed", "correct"),
    ("quitter", "adjoint_mismatch"): ("error", "the notebook's process ended before grading (exit code 3"),
    ("quitter", "psnr_db"): ("error", "the notebook's process ended before grading (exit code 3"),
    ("reordered", "adjoint_mismatch"): ("passed", "correct"),
    ("reordered", "psnr_db"): ("passed", "correct"),
    ("slow_function", "adjoint_mismatch"): ("timed out", "adjoint_mismatch did not return within 3 s"),
    ("slow_function", "psnr_db"): ("passed", "correct"),
    ("snoop", "adjoint_mismatch"): ("error", "adjoint_mismatch is not defined after running the notebook"),
    ("snoop", "psnr_db"): ("error", "psnr_db is not defined after running the notebook"),
    ("stubborn", "adjoint_mismatch"): ("timed out", "(killed)"),
    ("stubborn", "psnr_db"): ("timed out", "(killed)"),
    ("wrong", "adjoint_mismatch"): ("failed", "case 4 of 5 (MRI (complex) with its exact adjoint): for complex "
                                              "tensors the inner product conjugates its first argument"),
    ("wrong", "psnr_db"): ("failed", "case 1 of 4 (a 16×16 image with noise of std 0.05): use 10·log10(1 / MSE)"),
}

#: students whose notebook notes must say something (the notebook column of the CSV)
NOTES = {"broken": "cell 2 RuntimeError: a typo in the first cell", "huge_output": "M characters of output (dropped)",
         "memory_hog": "DefaultCPUAllocator: can't allocate", "reordered": "NameError"}


def _snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _sandboxes() -> set:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "invlab-grade-*")))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("grader-out")
    before, boxes = _snapshot(FIXTURES), _sandboxes()
    t0 = time.monotonic()
    rows = grade(FIXTURES, out=out_dir / "grades.csv", lectures=LECTURES, **LIMITS)
    return {"rows": rows, "out_dir": out_dir, "before": before, "boxes": boxes, "seconds": time.monotonic() - t0}


def test_fixture_table_is_the_expected_table(graded):
    rows = graded["rows"]
    got = {(r.student, r.exercise): r for r in rows}
    assert len(got) == len(rows) == len(EXPECTED)
    assert set(got) == set(EXPECTED)
    for key, (result, piece) in EXPECTED.items():
        row = got[key]
        assert row.lecture == "00_welcome"
        assert (row.result, piece in row.feedback) == (result, True), (key, row)
    for student, piece in NOTES.items():
        assert piece in got[(student, "psnr_db")].notebook, got[(student, "psnr_db")]
    print("\n" + format_table(rows), f"\n{graded['seconds']:.1f} s")


def test_csv_is_the_table_and_nothing_else_was_written(graded):
    out_dir = graded["out_dir"]
    assert sorted(p.name for p in out_dir.iterdir()) == ["grades.csv"]  # no forged file next to it
    with open(out_dir / "grades.csv", newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [Row(**r) for r in table] == graded["rows"]
    assert _snapshot(FIXTURES) == graded["before"]  # the submissions are untouched
    assert _sandboxes() <= graded["boxes"]  # every temporary folder is gone


def test_fixtures_are_made_by_the_script(tmp_path):
    """The committed fixtures are what scripts/make_grading_fixtures.py makes from the current lecture 0."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_grading_fixtures.py"), str(tmp_path / "s")],
                   check=True, capture_output=True, timeout=120)
    assert _snapshot(tmp_path / "s") == _snapshot(FIXTURES)


# ------------------------------------------------------------------------ pieces, without child processes
LECTURE_SET = {"00_welcome": ["adjoint_mismatch", "psnr_db"], "01_inverse_problems": ["tikhonov_fourier"]}


def test_find_submissions_layout(tmp_path):
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "00_welcome.ipynb").write_text("{}")
    (tmp_path / "ann" / "01.ipynb").write_text("{}")              # matched by its number
    (tmp_path / "ann" / "notes.ipynb").write_text("{}")           # matches no lecture
    (tmp_path / "ben").mkdir()
    (tmp_path / "ben" / "00_welcome.ipynb").write_text("{}")
    (tmp_path / "ben" / "00-copy.ipynb").write_text("{}")         # a second notebook for lecture 00
    (tmp_path / "loose.ipynb").write_text("{}")                    # not in a student folder
    (tmp_path / "ben" / "01_link.ipynb").symlink_to(tmp_path / "ann" / "01.ipynb")   # a link, not a file
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "00_welcome.ipynb").write_text("{}")
    jobs = {(j.student, j.lecture): j for j in find_submissions(tmp_path, LECTURE_SET)}
    assert set(jobs) == {("ann", "00_welcome"), ("ann", "01_inverse_problems"), ("ann", "notes"),
                         ("ben", "00_welcome"), ("ben", "01_link"), ("loose", "?")}
    assert "not a regular file" in jobs[("ben", "01_link")].problem
    assert jobs[("ann", "01_inverse_problems")].path.name == "01.ipynb" and not jobs[("ann", "00_welcome")].problem
    assert "matches no lecture" in jobs[("ann", "notes")].problem
    assert "2 notebooks for this lecture" in jobs[("ben", "00_welcome")].problem
    assert "not in a student folder" in jobs[("loose", "?")].problem


def test_problem_jobs_become_error_rows_without_running(tmp_path):
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "notes.ipynb").write_text("{}")
    rows = grade(tmp_path, lectures=LECTURES, **LIMITS)
    assert [(r.student, r.result) for r in rows] == [("ann", "error")]
    assert "matches no lecture" in rows[0].feedback


def test_lecture_without_exercises_gives_no_rows(tmp_path):
    (tmp_path / "lectures").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), str(tmp_path / "lectures" / "05_later.ipynb"))
    (tmp_path / "subs" / "ann").mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(), str(tmp_path / "subs" / "ann" / "05_later.ipynb"))
    assert grade(tmp_path / "subs", lectures=tmp_path / "lectures", **LIMITS) == []


@pytest.mark.parametrize("data, res, result, piece", [
    (None, {"killed": True, "hard": 40.0, "returncode": -9, "why": "no result"}, "timed out", "killed"),
    (None, {"killed": False, "returncode": -9, "why": "no result"}, "error", "killed by signal 9"),
    ({"notebook_error": "JSONDecodeError: x"}, {"killed": False}, "error", "not a readable notebook"),
    ({"timed_out_cell": 4}, {"killed": False}, "timed out", "stopped in cell 5"),
    ({"timed_out_cell": -1, "exercises": {}}, {"killed": True, "returncode": -9, "why": ""}, "timed out", "killed"),
    ({"timed_out_cell": -1, "exercises": {"psnr_db": {"missing": True}}, "errors": [[2, "NameError: x"]]},
     {"killed": False}, "error", "first error was in cell 3"),
    ({"timed_out_cell": -1, "exercises": {"psnr_db": {"not_callable": "float"}}}, {"killed": False}, "error",
     "is a float, not a function"),
    ({"timed_out_cell": -1, "exercises": {"psnr_db": {"timed_out": True}}}, {"killed": False}, "timed out",
     "did not return"),
    ({"timed_out_cell": -1, "exercises": {"psnr_db": {"records": [{"evil": 1}] * 4}}}, {"killed": False}, "error",
     "malformed result"),
    ({"timed_out_cell": -1, "exercises": {"psnr_db": {"records": "nope"}}}, {"killed": False}, "error",
     "malformed result"),
    ({"timed_out_cell": -1, "exercises": {"psnr_db": {"records": [{"kind": "number", "value": 0.0}] * 4}}},
     {"killed": False}, "failed", "case 1 of 4"),
    ({"timed_out_cell": -1, "exercises": "garbage"}, {"killed": False, "returncode": 0, "why": ""}, "error",
     "not graded"),
])
def test_judging_what_came_back(data, res, result, piece):
    cfg = {"timeout": 10.0, "call_timeout": 5.0, "memory_mb": 3072}
    res = {"why": "", "returncode": 0, **res}
    got = grader._judge_one("psnr_db", res, data, cfg)
    assert got[0] == result and piece in got[1], got


def test_grade_arguments_are_checked(tmp_path):
    with pytest.raises(FileNotFoundError, match="submissions must be a folder"):
        grade(tmp_path / "missing", lectures=LECTURES)
    with pytest.raises(FileNotFoundError, match="lectures_dir must be a folder"):
        grade(tmp_path, lectures=tmp_path / "missing")
    with pytest.raises(ValueError, match="timeout"):
        grade(tmp_path, lectures=LECTURES, timeout=0)
    with pytest.raises(TypeError, match="call_timeout"):
        grade(tmp_path, lectures=LECTURES, call_timeout="5")
    with pytest.raises(ValueError, match="memory_mb"):
        grade(tmp_path, lectures=LECTURES, memory_mb=100)
    with pytest.raises(ValueError, match="workers"):
        grade(tmp_path, lectures=LECTURES, workers=0)
    with pytest.raises(ValueError, match="user must be an existing user"):
        grade(tmp_path, lectures=LECTURES, user="no-such-user-xyz")
    assert grade(tmp_path, lectures=LECTURES) == []  # nothing submitted: an empty table


def test_table_text_and_csv(tmp_path):
    rows = [Row("ann", "00_welcome", "psnr_db", "passed", "correct", "1.0 s"),
            Row("bob, jr", "00_welcome", "psnr_db", "failed", "case 1 of 4 (x): " + "long " * 40, "")]
    text = format_table(rows, width=40)
    assert text.splitlines()[0].split() == ["student", "lecture", "exercise", "result", "feedback"]
    assert all(len(line) < 120 for line in text.splitlines())
    assert text.splitlines()[-1] == "1 passed, 1 failed, 0 error, 0 timed out"
    path = write_csv(rows, tmp_path / "sub" / "g.csv")
    with open(path, newline="", encoding="utf-8") as f:
        assert [Row(**r) for r in csv.DictReader(f)] == rows
    assert set(RESULTS) == {"passed", "failed", "error", "timed out"}


def test_command_line(tmp_path):
    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    shutil.copy(FIXTURES / "partial" / "00_welcome.ipynb", subs / "ann" / "00_welcome.ipynb")
    (subs / "ann" / "draft.ipynb").write_text("{}")
    out = tmp_path / "grades.csv"
    done = subprocess.run([sys.executable, "-m", "invlab.coursework", "grade", str(subs), "--out", str(out),
                           "--lectures", str(LECTURES), "--timeout", "20", "--workers", "1", "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.split()[:4] == ["ann", "00_welcome", "psnr_db", "passed"] for line in lines)
    assert any(line.split()[:4] == ["ann", "00_welcome", "adjoint_mismatch", "failed"] for line in lines)
    assert any("draft.ipynb matches no lecture" in line for line in lines)
    assert "1 passed, 1 failed, 1 error, 0 timed out" in done.stdout
    with open(out, newline="", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 3
    bad = subprocess.run([sys.executable, "-m", "invlab.coursework", "grade", str(tmp_path / "none")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "submissions must be a folder" in bad.stderr


@pytest.mark.skipif(os.geteuid() != 0 or not hasattr(pwd, "getpwnam"), reason="switching users needs root")
def test_children_as_another_user_cannot_read_or_write_the_graders_files(tmp_path):
    """With user='nobody' the sandbox is a real boundary for files the grader keeps private."""
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user 'nobody'")
    secret = tmp_path / "private"
    secret.mkdir(mode=0o700)
    (secret / "answer.txt").write_text("the solutions")
    subs = tmp_path / "subs"
    (subs / "eve").mkdir(parents=True)
    nb = nbformat.read(str(FIXTURES / "complete" / "00_welcome.ipynb"), as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell(
        f"stolen = None\ntry:\n    stolen = open({str(secret / 'answer.txt')!r}).read()\nexcept OSError:\n    pass\n"
        f"try:\n    open({str(secret / 'forged.txt')!r}, 'w').write('x')\nexcept OSError:\n    pass\n"
        "assert stolen is None, 'read a private file'"))
    nbformat.write(nb, str(subs / "eve" / "00_welcome.ipynb"))
    os.chmod(subs, 0o700)
    try:
        rows = grade(subs, lectures=LECTURES, user="nobody", **LIMITS)
    except ValueError as e:  # e.g. this Python lives under /root, which nobody may not enter
        assert "cannot run" in str(e)
        pytest.skip(f"nobody cannot run this interpreter here: {e}")
    assert [(r.exercise, r.result) for r in rows] == [("adjoint_mismatch", "passed"), ("psnr_db", "passed")]
    assert rows[0].notebook.endswith(" s")  # no cell raised: the read failed quietly, the assert held
    assert sorted(p.name for p in secret.iterdir()) == ["answer.txt"]


def test_sandbox_removal_outlasts_a_process_still_writing_into_it(tmp_path):
    """A dying child may add files while the tree is removed (rmdir then fails: not empty); the sandbox
    must still be gone when the removal returns."""
    import threading
    from invlab.coursework.grader import _remove_tree
    base = tmp_path / "invlab-grade-x"
    work = base / "work"
    work.mkdir(parents=True)
    stop = time.monotonic() + 0.5
    started = threading.Event()

    def writer():   # writes into the sandbox for half a second (it never re-creates a removed folder)
        i = 0
        while time.monotonic() < stop:
            try:
                (work / f"late{i}.txt").write_text("x")
            except OSError:
                pass
            i += 1
            if i == 50:
                started.set()
        started.set()
    t = threading.Thread(target=writer)
    t.start()
    started.wait()
    _remove_tree(base)
    gone = not base.exists()
    t.join()
    assert gone
