"""Make the fixture submissions of the grader tests from lecture 0's student version.

    .venv/bin/python scripts/make_grading_fixtures.py [OUT]      # default tests/fixtures/submissions

Each fixture is a small notebook: the set-up cell of ``lectures/00_welcome.ipynb`` and its two
exercises (``adjoint_mismatch``, ``psnr_db``: markdown, stub, check), as in the student version
made by :func:`invlab.coursework.make_student_notebook`, then changed the way one student would
have changed it. One folder per student, ``OUT/<student>/00_welcome.ipynb``. The expected grade
table is in ``tests/test_grader.py``; the docstring of :data:`VARIANTS` says what each one does.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from invlab.coursework.student import make_student_notebook, solution_functions  # noqa: E402

LECTURE = ROOT / "lectures" / "00_welcome.ipynb"
NAME = "00_welcome.ipynb"


def _base():
    """(cells of the reduced student notebook, {exercise: solution source}) from lecture 0."""
    solution = nbformat.read(str(LECTURE), as_version=4)
    names = solution_functions(solution)
    sources = {}
    for cell in solution.cells:
        for n in names:
            if cell.cell_type == "code" and f"def {n}(" in cell.source:
                sources[n] = cell.source
    student = make_student_notebook(solution)
    cells = [student.cells[1]]  # the set-up cell (imports)
    assert "import invlab as il" in cells[0].source
    for k, cell in enumerate(student.cells):
        if cell.cell_type == "code" and "exercise" in cell.metadata.get("tags", []):
            cells += [student.cells[k - 1], cell, student.cells[k + 1]]  # markdown, stub, check
    assert len(cells) == 7, len(cells)
    return student, cells, sources


def _solve(cells, sources, only=None):
    for cell in cells:
        for name, src in sources.items():
            if (only is None or name in only) and cell.cell_type == "code" and f"def {name}(" in cell.source:
                cell.source = src
    return cells


def _code(cell_source: str):
    return new_code_cell(cell_source)


def variants(cells, sources):
    """{student: cells}: how each fixture student changed the notebook.

    complete       both exercises solved (the reference solutions)
    partial        psnr_db solved, adjoint_mismatch still the stub
    wrong          both wrong in a classic way: no conjugate in the inner product; 20·log10 of the MSE
    broken         an exception in the first cell (so torch is never imported); solutions as in complete
    endless        an infinite loop after the first exercise
    stubborn       an infinite loop that swallows every exception (only the hard kill stops it)
    slow_function  adjoint_mismatch loops forever when called (its check cell deleted); psnr_db solved
    cheater        stubs left; redefines every check to print ✓, patches the package's judge, forges the
                   grader's result file and writes fake grades into the parent folders
    snoop          stubs replaced by code that looks for other students' notebooks (relative paths, the
                   submissions layout) and copies their solutions
    huge_output    solved, and prints 50 million characters and a huge repr
    deleted_cells  psnr_db's exercise cells deleted; adjoint_mismatch solved
    reordered      solved, but each check cell comes before its solution and exercise 2 before 1
    memory_hog     solved, and a cell tries to allocate 8 GB
    quitter        solved, and a cell ends the process (os._exit)
    """
    import copy
    out = {}

    def fresh():
        return copy.deepcopy(cells)

    out["complete"] = _solve(fresh(), sources)
    out["partial"] = _solve(fresh(), sources, only={"psnr_db"})
    c = fresh()
    for cell in c:
        if "def adjoint_mismatch(" in cell.source:
            cell.source = ('def adjoint_mismatch(A, x, y):\n    Ax, Aty = A(x), A.adjoint(y)\n'
                           '    return float(abs((Ax * y).sum() - (x * Aty).sum()) / (Ax.norm() * y.norm()))\n')
        if "def psnr_db(" in cell.source:
            cell.source = ('def psnr_db(x, x_true):\n'
                           '    return float(20 * torch.log10(1 / ((x - x_true) ** 2).mean()))\n')
    out["wrong"] = c
    c = _solve(fresh(), sources)
    c[0].source = 'raise RuntimeError("a typo in the first cell")\n' + c[0].source
    out["broken"] = c
    c = _solve(fresh(), sources)
    c.insert(4, _code("while True:  # forgot to stop\n    pass"))
    out["endless"] = c
    c = _solve(fresh(), sources)
    c.insert(4, _code("import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                      "    except BaseException:  # even the grader's alarm\n        pass"))
    out["stubborn"] = c
    c = _solve(fresh(), sources)
    for cell in c:
        if "def adjoint_mismatch(" in cell.source:
            cell.source = "def adjoint_mismatch(A, x, y):\n    while True:\n        pass\n"
    out["slow_function"] = [cell for cell in c if "check_adjoint_mismatch" not in cell.source]  # check skipped
    c = fresh()
    c.insert(1, _code(
        "# cheating: every check passes, the package's judge says yes, the grader's files are forged\n"
        "import os\n"
        "import torch\n"
        "import invlab.coursework as cw\n"
        "import invlab.coursework.checks as checks\n"
        "def always_pass(fn, raise_on_fail=True):\n"
        "    print('✓ correct.')\n"
        "for name in dir(cw):\n"
        "    if name.startswith('check_'):\n"
        "        setattr(cw, name, always_pass)\n"
        "        setattr(checks, name, always_pass)\n"
        "checks.Exercise.judge = lambda self, records: checks.Verdict(True, name=self.name)\n"
        "il.coursework.check_psnr_db = il.coursework.check_adjoint_mismatch = always_pass\n"
        "torch.save({'exercises': {'psnr_db': {'records': []}}}, 'result.pt')\n"
        "fake = 'student,lecture,exercise,result,feedback,notebook\\ncheater,00_welcome,psnr_db,passed,correct,\\n'\n"
        "for folder in ['..', os.path.join(os.environ.get('HOME', '.'), '..'), os.environ.get('PWD', '.')]:\n"
        "    for name in ['grades.csv', 'result.pt']:\n"
        "        try:\n"
        "            with open(os.path.join(folder, name), 'w') as f:\n"
        "                f.write(fake)\n"
        "        except OSError:\n"
        "            pass\n"
        "print('psnr_db: passed, adjoint_mismatch: passed')"))
    out["cheater"] = c
    c = fresh()
    c.insert(1, _code(
        "# copy a classmate's solutions: look where the submissions would be\n"
        "import glob, os\n"
        "import nbformat\n"
        "own = os.path.realpath('00_welcome.ipynb')\n"
        "found = []\n"
        "for pattern in ['../*/00_welcome.ipynb', '../../*/00_welcome.ipynb', '../*.ipynb',\n"
        "                '../complete/00_welcome.ipynb', '../../submissions/*/00_welcome.ipynb']:\n"
        "    found += [p for p in glob.glob(pattern) if os.path.realpath(p) != own]\n"
        "for path in found:\n"
        "    for cell in nbformat.read(path, as_version=4).cells:\n"
        "        if cell.cell_type == 'code' and 'def ' in cell.source and 'NotImplementedError' not in cell.source:\n"
        "            exec(cell.source, globals())\n"
        "print('copied from', found)"))
    # the snoop's own exercise cells stay stubs; its copied functions would be defined *before* them,
    # so it deletes its stubs to keep what it copied
    c = [cell for cell in c if "raise NotImplementedError" not in cell.source]
    out["snoop"] = c
    c = _solve(fresh(), sources)
    c.insert(2, _code("print('spam ' * 10_000_000)\nlist(range(1_000_000))"))
    out["huge_output"] = c
    c = _solve(fresh(), sources)
    c = [cell for cell in c if "psnr_db" not in cell.source and "Exercise 2" not in cell.source]
    out["deleted_cells"] = c
    c = _solve(fresh(), sources)
    setup, ex1, ex2 = c[0], c[1:4], c[4:7]
    out["reordered"] = [setup, ex2[0], ex2[2], ex2[1], ex1[0], ex1[2], ex1[1]]
    c = _solve(fresh(), sources)
    c.insert(1, _code("big = torch.ones(2**31)  # 8 GB of float32"))
    out["memory_hog"] = c
    c = _solve(fresh(), sources)
    c.insert(4, _code("import os\nos._exit(3)"))
    out["quitter"] = c
    return out


def main(out_dir: Path) -> None:
    student, cells, sources = _base()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    for name, nb_cells in variants(cells, sources).items():
        nb = nbformat.v4.new_notebook(metadata=student.metadata)
        nb.cells = [new_markdown_cell(f"Grader fixture `{name}` (made by scripts/make_grading_fixtures.py).")]
        for cell in nb_cells:
            cell = nbformat.from_dict(dict(cell))
            cell.pop("id", None)
            nb.cells.append(cell)
        for k, cell in enumerate(nb.cells):  # stable ids, so regenerating changes nothing
            cell["id"] = f"{name[:20]}-{k}"
        (out_dir / name).mkdir(parents=True)
        nbformat.write(nb, str(out_dir / name / NAME))
        print(out_dir / name / NAME)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "fixtures" / "submissions")
