"""Batch grader: run every submitted notebook in a sandboxed process and grade each exercise.

Layout of the submissions (one folder per student, the notebooks as the student saved them)::

    SUBMISSIONS/
        alice/01_inverse_problems.ipynb
        alice/00_welcome.ipynb
        bob/01_inverse_problems.ipynb

A notebook belongs to the lecture whose file name it has (``01_inverse_problems.ipynb``) or
whose number it starts with (``01.ipynb``, ``01_inverse_problems-bob.ipynb``). Which exercises a
lecture has comes from the *solution* notebooks (``lectures/``, see
:func:`invlab.coursework.student.solution_functions`), never from the submission, so deleting
a solution cell cannot remove an exercise.

How one notebook is graded
--------------------------
1. It is copied alone into a fresh temporary folder (the copy only: no other file of the
   submissions, no path to them in the child's environment).
2. A child process (:mod:`invlab.coursework._sandbox`) starts there, in its own session, with
   a minimal environment (``HOME``, ``TMPDIR`` and ``PWD`` = that folder), ``RLIMIT_AS``
   (memory), ``RLIMIT_FSIZE`` (file size), ``RLIMIT_CPU`` and no core dumps. It runs the code
   cells in order in an in-process IPython shell -- a failing cell is recorded and the next
   one runs, as ``pytest --nbval-lax`` does -- under a wall-clock alarm, and captures at most
   ``max_output_chars`` of printed output (the rest is counted and dropped).
3. The child then looks up each exercise function **by name** and runs the package's
   reference cases on it (each exercise under its own time limit), recording only plain data
   (tensors, numbers, strings). The notebook's own check cells play no part in the grade: a
   check redefined to always pass changes nothing.
4. The grader kills the child's process group if it outlives ``timeout + call_timeout × (number
   of exercises) + startup_grace`` seconds, loads ``result.pt`` with
   ``torch.load(weights_only=True)`` (data only, no code), and **judges the records in its own
   process**, which never runs student code: the comparison with the reference and the
   feedback come from :meth:`invlab.coursework.checks.Exercise.judge`. The temporary folder is
   removed.

Notebooks are graded in parallel, ``workers`` at a time (default: the CPUs this process may
use), each job a thread that waits on its child process.

Why not nbval or nbclient for step 2? Both run the notebook in a Jupyter kernel and judge it
by the outputs of its own cells, which the student controls (a redefined check prints "✓").
Grading needs the functions themselves, in a process whose limits we set, followed by a step
the notebook cannot influence. An in-process IPython shell gives exactly that: the same cell
semantics as a kernel (magics, ``display``), no ZeroMQ kernel to start (about a second less
per notebook) and the namespace at hand for step 3. nbval still checks the *solution*
notebooks in the test suite, and a student can run ``pytest --nbval-lax`` on their notebook.

Results per exercise
--------------------
One row per student and exercise of the lectures they submitted (a lecture without exercises
gives no row). Cells are numbered from 1 in notebook order, markdown cells included.
``passed``; ``failed`` (a wrong answer, or still the ``NotImplementedError`` stub: the first
line of the feedback says which case and the likely mistake); ``error`` (the function raised,
is not defined after running the notebook, is not a function, or the process died, e.g. at
the memory limit); ``timed out`` (the notebook did not finish within ``timeout`` -- then every
exercise of that notebook -- or the function did not return within ``call_timeout``).

Limits of this sandbox (read before grading a hostile class)
------------------------------------------------------------
The child runs as the grader's user unless ``user=`` is given. Resource limits, a private
working directory and a minimal environment stop accidents and casual cheating: endless
loops, memory hogs, huge outputs, exceptions, deleted or reordered cells, redefined or
patched checks, printed fake verdicts, files written to relative paths (they land in the
temporary folder) and other submissions looked for by relative paths. They are **not** a
security boundary. A notebook written to attack the grader can still read any file and write
anywhere its user may (it can find the submissions folder through ``/proc``), interfere with
other children running at the same time, leave a process behind that escapes the process
group (``setsid``), or -- after reading this module -- make its function return the
reference's answer by calling the package (as calling ``il.solvers.tikhonov`` inside
``tikhonov_fourier`` would). Only the final CSV is protected by ordering: the grader writes it
after every child has been killed. For an untrusted class run the grader inside a disposable
container or VM, with ``user=`` (``--user nobody``) when the grader runs as root, so that the
children cannot read the submissions folder (make it ``chmod 700``) nor write outside their
temporary folder.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path

import torch

from .._checks import check_int, check_path, check_real
from .checks import EXERCISES, _one_line
from .student import lecture_exercises

__all__ = ["Row", "grade", "find_submissions", "format_table", "write_csv", "RESULTS", "default_lectures_dir"]

#: The possible results of one exercise.
RESULTS = ("passed", "failed", "error", "timed out")

_RESULT_FILE_LIMIT = 32 * 2**20  # bytes; a bigger result.pt is not loaded


@dataclass
class Row:
    """One line of the grade table: one exercise of one student's notebook."""

    student: str
    lecture: str
    exercise: str
    result: str
    feedback: str
    notebook: str = ""


@dataclass
class _Job:
    student: str
    lecture: str
    path: Path | None
    exercises: list
    problem: str = ""


def default_lectures_dir() -> Path | None:
    """The repository's ``lectures/`` next to the installed package (editable install), if present."""
    here = Path(__file__).resolve().parents[2] / "lectures"
    return here if here.is_dir() else None


def _lecture_of(stem: str, lectures: dict) -> str | None:
    if stem in lectures:
        return stem
    m = re.match(r"^(\d\d)(?!\d)", stem)
    if m:
        hits = [name for name in lectures if name.startswith(m.group(1))]
        if len(hits) == 1:
            return hits[0]
    return None


def find_submissions(submissions, lectures: dict) -> list[_Job]:
    """One job per (student, lecture) found under ``submissions/<student>/*.ipynb``.

    Files directly in ``submissions/``, hidden files and folders, and notebooks that match no
    lecture become jobs with a ``problem`` (reported as an error row, never run).
    """
    root = check_path(submissions, "submissions")
    if not root.is_dir():
        raise FileNotFoundError(f"submissions must be a folder (SUBMISSIONS/<student>/<lecture>.ipynb), got {str(root)!r}.")
    jobs: list[_Job] = []
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            if entry.suffix == ".ipynb":
                jobs.append(_Job(entry.stem, "?", None, [], f"{entry.name} is not in a student folder: put it in "
                                                                 f"SUBMISSIONS/<student>/{entry.name}."))
            continue
        by_lecture: dict[str, list[Path]] = {}
        for nb in sorted(entry.glob("*.ipynb"), key=lambda p: p.name):
            if nb.name.startswith("."):
                continue
            if nb.is_symlink() or not nb.is_file():
                jobs.append(_Job(entry.name, nb.stem, None, [], f"{nb.name} is not a regular file (a link?): "
                                                                 "submit the notebook itself."))
                continue
            lecture = _lecture_of(nb.stem, lectures)
            if lecture is None:
                jobs.append(_Job(entry.name, nb.stem, None, [], f"{nb.name} matches no lecture; name it like one of "
                                                                 f"{', '.join(sorted(lectures))}.ipynb."))
                continue
            by_lecture.setdefault(lecture, []).append(nb)
        for lecture, paths in sorted(by_lecture.items()):
            if len(paths) > 1:
                jobs.append(_Job(entry.name, lecture, None, lectures[lecture],
                                 f"{len(paths)} notebooks for this lecture ({', '.join(p.name for p in paths)}): "
                                 "keep one."))
            else:
                jobs.append(_Job(entry.name, lecture, paths[0], lectures[lecture]))
    return jobs


def _child_command() -> list[str]:
    root = str(Path(__file__).resolve().parents[2])  # the folder that holds the invlab package
    code = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from invlab.coursework._sandbox import main; main(sys.argv[2])")
    return [sys.executable, "-I", "-c", code, root, "grader.json"]


def _child_env(work: Path) -> dict:
    w = str(work)
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": w, "PWD": w, "TMPDIR": w,
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": os.path.join(w, ".mpl"),
            "IPYTHONDIR": os.path.join(w, ".ipython"), "XDG_CACHE_HOME": os.path.join(w, ".cache"),
            "INVLAB_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _load_result(work: Path):
    """``result.pt`` as data, or ``(None, why)``."""
    path = work / "result.pt"
    try:  # no symlink, and a FIFO must not block the grader
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None, "no result"
    except OSError as e:
        return None, f"result unreadable ({e.strerror})"
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            return None, "result is not a file"
        size = st.st_size
        if size > _RESULT_FILE_LIMIT:
            return None, f"result too large ({size / 2**20:.0f} MB)"
        try:
            data = torch.load(f, weights_only=True, map_location="cpu")
        except Exception as e:
            return None, f"result unreadable ({type(e).__name__})"
    if not isinstance(data, dict):
        return None, "result malformed"
    return data, ""


def _run_child(job: _Job, cfg: dict, user) -> dict:
    """Run one notebook in its sandbox; return what came back (plain data) and how it ended."""
    base = Path(tempfile.mkdtemp(prefix="invlab-grade-"))  # private (0700); the notebook runs in base/work
    work = base / "work"
    work.mkdir()
    try:
        size = job.path.stat().st_size
        if size > cfg["max_notebook_mb"] * 2**20:
            return {"result": None, "why": f"the notebook file is {size / 2**20:.0f} MB, over the "
                                           f"{cfg['max_notebook_mb']} MB limit (clear its outputs)",
                    "killed": False, "returncode": None, "seconds": 0.0}
        name = re.sub(r"[^A-Za-z0-9._-]", "_", job.path.name)
        shutil.copyfile(job.path, work / name)
        hard = cfg["timeout"] + cfg["call_timeout"] * max(1, len(job.exercises)) + cfg["startup_grace"]
        child_cfg = dict(cfg, notebook=name, exercises=list(job.exercises), cpu_seconds=int(hard) + 10)
        (work / "grader.json").write_text(json.dumps(child_cfg), encoding="utf-8")
        if user is not None:
            for p in [base, work, *work.iterdir()]:
                os.chown(p, user[0], user[1])
        os.chmod(work, 0o700)
        t0 = time.monotonic()
        with open(os.devnull, "wb") as devnull:
            kwargs = dict(cwd=work, env=_child_env(work), stdin=subprocess.DEVNULL, stdout=devnull,
                          stderr=devnull, start_new_session=True, close_fds=True)
            if user is not None:
                kwargs.update(user=user[0], group=user[1], extra_groups=[])
            proc = subprocess.Popen(_child_command(), **kwargs)
            killed = False
            try:
                proc.wait(timeout=hard)
            except subprocess.TimeoutExpired:
                killed = True
            _kill_group(proc)  # also whatever the notebook started in the same group
            proc.wait()
        seconds = time.monotonic() - t0
        data, why = _load_result(work)
        return {"result": data, "why": why, "killed": killed, "returncode": proc.returncode, "seconds": seconds,
                "hard": hard}
    finally:
        _remove_tree(base)


def _remove_tree(path: Path, patience: float = 10.0) -> None:
    """Remove the sandbox folder, even where the notebook took the permissions away.

    A process of the notebook's group may still be dying after its SIGKILL (a kill is delivered
    asynchronously) and write a last file while the tree is removed, so that removing a folder fails
    with "not empty"; the removal is repeated until the folder is gone or ``patience`` seconds passed.
    """
    def retry(func, p, exc_info):
        try:
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
            func(p)
        except OSError:
            pass
    deadline = time.monotonic() + patience
    while True:
        if sys.version_info >= (3, 12):
            shutil.rmtree(path, onexc=retry)
        else:
            shutil.rmtree(path, onerror=retry)
        if not os.path.lexists(path) or time.monotonic() > deadline:
            return
        time.sleep(0.05)


def _notes(res: dict, data: dict | None) -> str:
    parts = [f"{res.get('seconds', 0.0):.1f} s"]
    if data:
        n_err = data.get("n_errors", 0)
        if isinstance(n_err, int) and n_err:
            first = data.get("errors") or [[-1, ""]]
            try:
                parts.append(f"{n_err} cell(s) raised, first: cell {int(first[0][0]) + 1} {_one_line(first[0][1], 100)}")
            except Exception:
                parts.append(f"{n_err} cell(s) raised")
        out = data.get("output_chars", 0)
        if isinstance(out, int) and out > 10**6:
            parts.append(f"{out / 1e6:.0f} M characters of output (dropped)")
    return "; ".join(parts)


def _grade_job(job: _Job, cfg: dict, user) -> list[Row]:
    if job.problem:
        names = job.exercises or ["-"]
        return [Row(job.student, job.lecture, n, "error", job.problem) for n in names]
    if not job.exercises:  # nothing to grade in this lecture (yet): no row
        return []
    try:
        res = _run_child(job, cfg, user)
    except Exception as e:  # could not even start (permissions, disk): one row per exercise
        return [Row(job.student, job.lecture, n, "error", f"grader could not run the notebook: "
                                                          f"{type(e).__name__}: {e}") for n in job.exercises]
    data = res["result"]
    notes = _notes(res, data)
    rows = []
    for name in job.exercises:
        result, feedback = _judge_one(name, res, data, cfg)
        rows.append(Row(job.student, job.lecture, name, result, _one_line(feedback, 300), notes))
    return rows


def _judge_one(name: str, res: dict, data: dict | None, cfg: dict) -> tuple[str, str]:
    """(result, feedback) for one exercise, from what the child sent back."""
    if data is None:
        if res.get("why", "").startswith("the notebook file"):
            return "error", res["why"]
        if res["killed"]:
            return "timed out", f"the notebook did not finish within {res['hard']:.0f} s (killed)"
        code = res["returncode"]
        how = f"killed by signal {-code}" if isinstance(code, int) and code < 0 else f"exit code {code}"
        return "error", (f"the notebook's process ended before grading ({how}; {res['why']}): did it exceed the "
                         f"{cfg['memory_mb']} MB memory limit or exit?")
    if data.get("notebook_error"):
        return "error", f"not a readable notebook: {data['notebook_error']}"
    cell = data.get("timed_out_cell", -1)
    if isinstance(cell, int) and cell >= 0:
        return "timed out", f"the notebook did not finish within {cfg['timeout']:g} s (stopped in cell {cell + 1})"
    entries = data.get("exercises")
    entry = entries.get(name) if isinstance(entries, dict) else None
    if not isinstance(entry, dict):
        if res["killed"]:
            return "timed out", f"{name} did not return within {cfg['call_timeout']:g} s (killed)"
        return "error", f"not graded: the process ended while grading ({res['why'] or 'exit code ' + str(res['returncode'])})"
    if entry.get("missing"):
        first = data.get("errors") or []
        why = ""
        if first and isinstance(first[0], list) and len(first[0]) == 2:
            why = f" (the first error was in cell {int(first[0][0]) + 1}: {_one_line(str(first[0][1]), 120)})"
        return "error", f"{name} is not defined after running the notebook: was its cell deleted or renamed?{why}"
    if "not_callable" in entry:
        return "error", f"{name} is a {entry['not_callable']}, not a function, after running the notebook"
    if entry.get("timed_out"):
        return "timed out", f"{name} did not return within {cfg['call_timeout']:g} s (an endless loop?)"
    if "crash" in entry:
        return "error", f"grading {name} was interrupted: {entry['crash']}"
    if "records" not in entry:
        return "error", "not graded: malformed result"
    try:
        verdict = EXERCISES[name].judge(entry["records"])
    except Exception as e:  # malformed records: never let one notebook stop the batch
        return "error", f"not graded: malformed result ({_one_line(str(e), 120)})"
    if verdict.ok:
        return "passed", "correct"
    if verdict.raised:
        return "error", verdict.summary()
    return "failed", verdict.summary()


def _resolve_user(user):
    if user is None:
        return None
    import pwd
    if not isinstance(user, str) or not user:
        raise TypeError(f"user must be a user name (str) or None, got {user!r}.")
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise ValueError(f"user must be an existing user name, got {user!r}.") from None
    if os.geteuid() != 0:
        raise ValueError(f"user={user!r} needs the grader to run as root (it switches the children to that user); "
                         "leave it out otherwise.")
    uid_gid = entry.pw_uid, entry.pw_gid
    probe = _child_command()[:3] + ["import sys; sys.path.insert(0, sys.argv[1]); import invlab.coursework._sandbox",
                                    _child_command()[4]]
    try:
        done = subprocess.run(probe, cwd="/", env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/"},
                              user=uid_gid[0], group=uid_gid[1], extra_groups=[], capture_output=True, timeout=300)
        why = "" if done.returncode == 0 else _one_line(done.stderr.decode(errors="replace")[-300:])
    except (OSError, subprocess.SubprocessError) as e:
        why = f"{type(e).__name__}: {e}"
    if why:
        raise ValueError(f"user={user!r} cannot run {sys.executable} and import invlab ({why}); install the "
                         "environment where that user can read it, or leave user out.")
    return uid_gid


def grade(submissions, out=None, lectures=None, timeout: float = 120.0, call_timeout: float = 10.0,
          memory_mb: int = 4096, workers: int | None = None, user: str | None = None, startup_grace: float = 60.0,
          max_output_chars: int = 100_000, max_notebook_mb: int = 20, progress: bool = False) -> list[Row]:
    """Grade every submitted notebook; return (and optionally write) the per-exercise table.

    Parameters
    ----------
    submissions : str or Path
        Folder with one sub-folder per student holding their notebooks (see the module docstring).
    out : str or Path, optional
        Write the table there as CSV (columns ``student, lecture, exercise, result, feedback,
        notebook``), after every child process has ended.
    lectures : str or Path, optional
        Folder of the solution notebooks that define the exercises (default: the repository's
        ``lectures/`` next to the package).
    timeout : float
        Wall-clock seconds for running one notebook's cells (> 0).
    call_timeout : float
        Seconds for grading one exercise function on all its cases (> 0).
    memory_mb : int
        Address-space limit of each child process in MiB (``RLIMIT_AS``; importing torch alone
        takes about 1 GiB of address space, so at least 1024).
    workers : int, optional
        Notebooks graded at the same time (default: the number of CPUs this process may use).
    user : str, optional
        Run the children as this user (the grader must be root), e.g. ``"nobody"``.
    startup_grace : float
        Extra seconds before a child is killed, for its interpreter start and imports.
    max_output_chars : int
        Printed output kept per notebook (the rest is counted and dropped).
    max_notebook_mb : int
        Larger notebook files are not run (an ``error`` row).
    progress : bool
        Print one line per graded notebook to stderr.

    Returns
    -------
    list of Row
        Sorted by student, lecture and exercise order. ``result`` is one of :data:`RESULTS`.

    Raises
    ------
    FileNotFoundError
        If ``submissions`` or ``lectures`` is not a folder.
    TypeError, ValueError
        For invalid limits or an unknown user.
    """
    submissions = check_path(submissions, "submissions")
    if not submissions.is_dir():
        raise FileNotFoundError(f"submissions must be a folder (SUBMISSIONS/<student>/<lecture>.ipynb), got "
                                f"{str(submissions)!r}.")
    if lectures is None:
        lectures = default_lectures_dir()
        if lectures is None:
            raise FileNotFoundError("no lectures folder next to the package: pass lectures= (the solution notebooks).")
    timeout = check_real(timeout, "timeout", low=0, low_open=True)
    call_timeout = check_real(call_timeout, "call_timeout", low=0, low_open=True)
    startup_grace = check_real(startup_grace, "startup_grace", low=0)
    memory_mb = check_int(memory_mb, "memory_mb", low=1024)
    max_output_chars = check_int(max_output_chars, "max_output_chars", low=0)
    max_notebook_mb = check_int(max_notebook_mb, "max_notebook_mb", low=1)
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = check_int(workers, "workers", low=1)
    uid_gid = _resolve_user(user)
    exercises = lecture_exercises(lectures)
    unknown = sorted({n for names in exercises.values() for n in names} - set(EXERCISES))
    if unknown:
        raise ValueError(f"the solution notebooks define exercises without a check in invlab.coursework: "
                         f"{', '.join(unknown)}; add them to invlab.coursework.checks.EXERCISES.")
    cfg = {"timeout": timeout, "call_timeout": call_timeout, "memory_mb": memory_mb, "startup_grace": startup_grace,
           "file_mb": 64, "max_output_chars": max_output_chars, "max_notebook_mb": max_notebook_mb}
    jobs = find_submissions(submissions, exercises)
    lock = threading.Lock()
    done = [0]

    def work(job):
        rows = _grade_job(job, cfg, uid_gid)
        if progress:
            with lock:
                done[0] += 1
                summary = ", ".join(f"{r.exercise}: {r.result}" for r in rows) or "no exercises"
                print(f"[{done[0]}/{len(jobs)}] {job.student}/{job.lecture}: {summary}", file=sys.stderr, flush=True)
        return rows

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(work, jobs))
    rows = [row for rows in results for row in rows]
    if out is not None:
        write_csv(rows, out)
    return rows


def _check_rows(rows) -> None:
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, Row) for r in rows):
        raise TypeError(f"rows must be a list of grader Rows (what grade() returns), got {rows!r:.60}.")


def write_csv(rows: list[Row], path) -> Path:
    """Write the table as CSV (UTF-8, a header line), replacing ``path`` atomically."""
    _check_rows(rows)
    path = check_path(path, "path")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([fl.name for fl in fields(Row)])
        for r in rows:
            w.writerow([getattr(r, fl.name) for fl in fields(Row)])
    os.replace(tmp, path)
    return path


def format_table(rows: list[Row], width: int = 80) -> str:
    """The table as aligned text (feedback shortened to ``width`` characters)."""
    _check_rows(rows)
    width = check_int(width, "width", low=10)
    head = ["student", "lecture", "exercise", "result", "feedback"]
    body = [[r.student, r.lecture, r.exercise, r.result,
             r.feedback if len(r.feedback) <= width else r.feedback[: width - 1] + "…"] for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths)).rstrip() for b in body]
    counts = {res: sum(r.result == res for r in rows) for res in RESULTS}
    lines.append(", ".join(f"{n} {res}" for res, n in counts.items()))
    return "\n".join(lines)
