"""Student versions of the lecture notebooks, generated from the solution notebooks.

The lecture notebooks in ``lectures/`` are the *solution* versions. An exercise is a function
whose body (or part of it) lies between two marker lines in a code cell tagged ``solution``::

    def tikhonov_fourier(A, y, lam):
        \"\"\"(AᵀA + λI)⁻¹Aᵀy for a circular blur A, computed in Fourier.\"\"\"
        # BEGIN SOLUTION
        a_hat = A.spectrum
        ...
        # END SOLUTION

followed by a check cell (``il.coursework.check_tikhonov_fourier(tikhonov_fourier)``). The
student version keeps everything before ``# BEGIN SOLUTION`` (the ``def`` line and its
docstring) and everything after ``# END SOLUTION``, and replaces the lines in between by::

        # YOUR CODE HERE
        raise NotImplementedError("tikhonov_fourier: replace this line with your code")

Markdown cells may carry text for one version only: lines between ``<!-- BEGIN SOLUTION -->``
and ``<!-- END SOLUTION -->`` are dropped from the student version, and a line
``<!-- STUDENT: some text -->`` (invisible in the solution version) becomes ``some text``.
Every output and execution count is cleared; the solution cells lose their ``solution`` tag
(they get ``exercise`` instead) and are no longer collapsed. Check cells are kept as they are.

The exercise functions are found by name: the top-level ``def`` that encloses each marker
block. :func:`solution_functions` lists them; the grader uses that list to know which
functions a submission must define.
"""
from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat

from .._checks import check_notebook, check_path

__all__ = ["solution_functions", "lecture_exercises", "make_student_notebook", "write_student_versions",
           "STUB_TEMPLATE"]

_BEGIN = re.compile(r"^(?P<indent>[ \t]*)#+[ \t]*BEGIN SOLUTION[ \t]*$")
_END = re.compile(r"^[ \t]*#+[ \t]*END SOLUTION[ \t]*$")
_MD_BEGIN = re.compile(r"^\s*<!--\s*BEGIN SOLUTION\s*-->\s*$")
_MD_END = re.compile(r"^\s*<!--\s*END SOLUTION\s*-->\s*$")
_MD_STUDENT = re.compile(r"^(?P<indent>\s*)<!--\s*STUDENT:\s?(?P<text>.*?)\s*-->\s*$")

#: What replaces a solution block (indented like the ``# BEGIN SOLUTION`` line).
STUB_TEMPLATE = '# YOUR CODE HERE\nraise NotImplementedError("{name}: replace this line with your code")'


def _blocks(lines: list[str], where: str) -> list[tuple[int, int, str]]:
    """``(begin, end, indent)`` line indices of every marker block; errors for unbalanced markers."""
    blocks, begin, indent = [], None, ""
    for i, line in enumerate(lines):
        m = _BEGIN.match(line)
        if m:
            if begin is not None:
                raise ValueError(f"{where}: '# BEGIN SOLUTION' on line {i + 1} before the '# END SOLUTION' of the "
                                 f"block opened on line {begin + 1}.")
            begin, indent = i, m.group("indent")
        elif _END.match(line):
            if begin is None:
                raise ValueError(f"{where}: '# END SOLUTION' on line {i + 1} without a '# BEGIN SOLUTION' before it.")
            blocks.append((begin, i, indent))
            begin = None
    if begin is not None:
        raise ValueError(f"{where}: '# BEGIN SOLUTION' on line {begin + 1} is never closed by '# END SOLUTION'.")
    return blocks


def _enclosing_function(source: str, line: int, where: str) -> str:
    """Name of the top-level ``def`` whose body contains 0-based ``line``."""
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        raise ValueError(f"{where}: a solution cell must be plain Python, but it does not parse ({e.msg}, "
                         f"line {e.lineno}).") from None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line + 1 <= node.end_lineno:
            return node.name
    raise ValueError(f"{where}: the solution block on line {line + 1} is not inside a top-level function; "
                     "an exercise is a function the student writes (def name(...): ... # BEGIN SOLUTION ...).")


def _is_solution_cell(cell) -> bool:
    return cell.cell_type == "code" and ("solution" in cell.metadata.get("tags", [])
                                         or any(_BEGIN.match(l) for l in cell.source.splitlines()))


def _read(nb, name: str = "nb"):
    """A notebook from a path or a notebook object (:func:`invlab._checks.check_notebook`)."""
    return check_notebook(nb, name)


def solution_functions(nb) -> list[str]:
    """Names of the exercise functions of a solution notebook, in order.

    Parameters
    ----------
    nb : str, Path or nbformat.NotebookNode
        A solution notebook (or its path).

    Returns
    -------
    list of str
        One name per solution block (a function with two blocks is listed once).

    Raises
    ------
    ValueError
        If markers are unbalanced, a block is not inside a top-level function, or a cell is
        tagged ``solution`` without markers (its solution would leak into the student version).
    """
    nb = _read(nb)
    names: list[str] = []
    for k, cell in enumerate(nb.cells):
        if not _is_solution_cell(cell):
            continue
        where = f"cell {k}"
        lines = cell.source.splitlines()
        blocks = _blocks(lines, where)
        if not blocks:
            raise ValueError(f"{where} is tagged 'solution' but has no '# BEGIN SOLUTION' / '# END SOLUTION' "
                             "markers; its whole content would be given away.")
        for begin, _, _ in blocks:
            name = _enclosing_function(cell.source, begin, where)
            if name not in names:
                names.append(name)
    return names


def lecture_exercises(lectures_dir) -> dict[str, list[str]]:
    """``{notebook stem: [exercise function names]}`` for every ``*.ipynb`` in ``lectures_dir``.

    Raises
    ------
    FileNotFoundError
        If ``lectures_dir`` is not a folder.
    """
    lectures_dir = check_path(lectures_dir, "lectures_dir")
    if not lectures_dir.is_dir():
        raise FileNotFoundError(f"lectures_dir must be a folder of notebooks, got {str(lectures_dir)!r}.")
    out = {}
    for path in sorted(lectures_dir.glob("*.ipynb")):
        try:
            out[path.stem] = solution_functions(path)
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from None
    return out


def _student_code(source: str, where: str) -> str:
    lines = source.splitlines()
    blocks = _blocks(lines, where)
    out, pos = [], 0
    for begin, end, indent in blocks:
        name = _enclosing_function(source, begin, where)
        out.extend(lines[pos:begin])
        out.extend(indent + line for line in STUB_TEMPLATE.format(name=name).splitlines())
        pos = end + 1
    out.extend(lines[pos:])
    return "\n".join(out)


def _student_markdown(source: str, where: str) -> str:
    out, skipping = [], None
    for i, line in enumerate(source.splitlines()):
        if _MD_BEGIN.match(line):
            if skipping is not None:
                raise ValueError(f"{where}: nested '<!-- BEGIN SOLUTION -->' on line {i + 1}.")
            skipping = i
            continue
        if _MD_END.match(line):
            if skipping is None:
                raise ValueError(f"{where}: '<!-- END SOLUTION -->' on line {i + 1} without a BEGIN before it.")
            skipping = None
            continue
        if skipping is not None:
            continue
        m = _MD_STUDENT.match(line)
        out.append(m.group("indent") + m.group("text") if m else line)
    if skipping is not None:
        raise ValueError(f"{where}: '<!-- BEGIN SOLUTION -->' on line {skipping + 1} is never closed.")
    return "\n".join(out)


_CHECKED = re.compile(r"\s*#\s*NBVAL_CHECK_OUTPUT\b")


def make_student_notebook(nb):
    """The student version of a solution notebook (a new notebook; the input is not changed).

    Parameters
    ----------
    nb : str, Path or nbformat.NotebookNode

    Returns
    -------
    nbformat.NotebookNode
        Solutions replaced by ``NotImplementedError`` stubs, markdown solution notes removed,
        outputs and execution counts cleared except in ``# NBVAL_CHECK_OUTPUT`` cells (their stored
        output is the reference nbval compares with: ``✓ name: correct.`` under each exercise),
        solution cells untagged and expanded.

    Raises
    ------
    ValueError
        For malformed markers (see :func:`solution_functions`).
    """
    nb = copy.deepcopy(_read(nb))
    solution_functions(nb)  # validates every solution cell first
    for k, cell in enumerate(nb.cells):
        where = f"cell {k}"
        if cell.cell_type == "markdown":
            cell.source = _student_markdown(cell.source, where)
            continue
        if cell.cell_type != "code":
            continue
        if _is_solution_cell(cell):
            cell.source = _student_code(cell.source, where)
            tags = [t for t in cell.metadata.get("tags", []) if t != "solution"]
            cell.metadata["tags"] = tags + ["exercise"]
            jup = cell.metadata.get("jupyter", {})
            jup.pop("source_hidden", None)
            if not jup:
                cell.metadata.pop("jupyter", None)
        if not _CHECKED.match(cell.source):
            # a checked cell keeps its stored output (the check's "✓ name: correct.", a lecture's
            # checked facts): nbval compares against it, so an unsolved or wrong exercise is marked
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
    nb.metadata.pop("widgets", None)
    return nb


def write_student_versions(source, out_dir) -> list[Path]:
    """Write the student version of every lecture notebook.

    Parameters
    ----------
    source : str or Path
        A folder of solution notebooks (``lectures/``; every ``*.ipynb`` in it, not recursive) or
        one notebook.
    out_dir : str or Path
        Where to write them (created if needed), under the same file names.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    FileNotFoundError
        If ``source`` does not exist or holds no notebook.
    ValueError
        If ``out_dir`` is the source folder (the solutions would be overwritten), or for
        malformed markers.
    """
    source, out_dir = check_path(source, "source"), check_path(out_dir, "out_dir")
    source, out_dir = Path(source), Path(out_dir)
    if source.is_dir():
        paths = sorted(p for p in source.glob("*.ipynb") if not p.name.startswith("."))
        src_dir = source
    elif source.is_file() and source.suffix == ".ipynb":
        paths, src_dir = [source], source.parent
    else:
        raise FileNotFoundError(f"source must be a folder of notebooks or a .ipynb file, got {str(source)!r}.")
    if not paths:
        raise FileNotFoundError(f"no notebook (*.ipynb) in {str(source)!r}.")
    if out_dir.exists() and out_dir.resolve() == src_dir.resolve():
        raise ValueError(f"out_dir {str(out_dir)!r} is the folder of the solution notebooks: writing there would "
                         "overwrite the solutions; choose another folder (e.g. build/student).")
    students = []
    for path in paths:  # convert everything before writing anything
        try:
            students.append(make_student_notebook(path))
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from None
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path, nb in zip(paths, students):
        target = out_dir / path.name
        nbformat.write(nb, str(target))
        written.append(target)
    return written
