"""How long the batch grader takes for a class: N submissions of a whole lecture notebook.

    .venv/bin/python benchmarks/bench_grader.py                    # 20 submissions of lectures 00 and 01
    .venv/bin/python benchmarks/bench_grader.py --lectures 01 --n 20 --workers 2

For each lecture, N submissions are made in a temporary folder from the lecture's student
version (the whole notebook, not a reduced one): a third solve every exercise, a third solve
the first one only, a third leave the stubs. They are graded with the defaults of
``python -m invlab.coursework grade`` (one sandboxed process per notebook, ``workers`` at a
time), and the table gives the wall time of the batch, the time per notebook (its process:
interpreter start, imports, the notebook's cells, the exercise cases) and the results.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from invlab.coursework.grader import RESULTS, grade  # noqa: E402
from invlab.coursework.student import make_student_notebook, solution_functions  # noqa: E402


def make_submissions(lecture: Path, n: int, folder: Path) -> None:
    """``folder/student_XX/<lecture>.ipynb``: solved, half solved, or untouched stubs, in turn."""
    solution = nbformat.read(str(lecture), as_version=4)
    names = solution_functions(solution)
    student = make_student_notebook(solution)
    solved = {i: cell.source for i, cell in enumerate(solution.cells) if "solution" in cell.metadata.get("tags", [])}
    for k in range(n):
        nb = nbformat.from_dict(dict(student))
        nb.cells = [nbformat.from_dict(dict(c)) for c in student.cells]
        keep = names if k % 3 == 0 else names[:1] if k % 3 == 1 else []
        for i, src in solved.items():
            if any(f"def {name}(" in src for name in keep):
                nb.cells[i].source = src
        (folder / f"student_{k:02d}").mkdir(parents=True)
        nbformat.write(nb, str(folder / f"student_{k:02d}" / lecture.name))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lectures", nargs="+", default=["00", "01"], help="lecture numbers (default 00 01)")
    p.add_argument("--n", type=int, default=20, help="submissions per lecture (default 20)")
    p.add_argument("--workers", type=int, default=None, help="default: the CPUs this process may use")
    args = p.parse_args(argv)
    workers = args.workers or len(os.sched_getaffinity(0))
    print(f"{args.n} submissions per lecture, {workers} workers, {os.cpu_count()} CPUs\n")
    head = f"{'lecture':<24}{'notebooks':>10}{'wall s':>9}{'per nb s (median, max)':>25}  results"
    print(head)
    print("-" * len(head))
    for number in args.lectures:
        (lecture,) = sorted((ROOT / "lectures").glob(f"{number}_*.ipynb"))
        with tempfile.TemporaryDirectory() as tmp:
            make_submissions(lecture, args.n, Path(tmp))
            t0 = time.perf_counter()
            rows = grade(tmp, lectures=ROOT / "lectures", workers=workers)
            wall = time.perf_counter() - t0
        per_nb = {}
        for r in rows:
            try:
                per_nb[r.student] = float(r.notebook.split(" s")[0])
            except ValueError:
                pass
        times = sorted(per_nb.values())
        counts = ", ".join(f"{sum(r.result == res for r in rows)} {res}" for res in RESULTS)
        med = f"{statistics.median(times):.1f}, {times[-1]:.1f}" if times else "-"
        print(f"{lecture.stem:<24}{args.n:>10}{wall:>9.1f}{med:>25}  {counts}", flush=True)


if __name__ == "__main__":
    main()
