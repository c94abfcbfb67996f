"""Presentation mode: a lecture notebook served as an app with the code hidden (Voilà).

::

    python -m invlab.present 01             # = make present LECTURE=01; opens http://127.0.0.1:8866/
    python -m invlab.present 01 --no-browser --port 8870
    python -m invlab.present --build        # only write the app versions of every lecture (build/present/)

How it works. Voilà runs a notebook top to bottom in a fresh kernel and shows its outputs,
never its code. What it shows is decided *before* Voilà sees the notebook: :func:`app_notebook`
turns a lecture into its **app version** (a filtered copy written to ``build/present/``), and
that copy is what Voilà serves, with the template shipped here (``templates/voila/templates/
invlab``: Voilà's ``lab`` template without its two web-font links, so the page asks nothing of
any other host; a few CSS rules for listings). The lecture notebooks themselves are untouched.

What the app view shows: the narrative (markdown) and the panels and figures; no code, no
printed text, no exercises, no checks. The rules, in order (tags are cell tags):

Code cells

1. *Left out*: cells tagged ``solution`` (exercise functions) or ``hide-in-app``, check cells
   (first line ``# NBVAL_CHECK_OUTPUT``, or a call of ``coursework.check_...``). A left-out cell
   still **runs silently** (``%%capture``: no output at all) when a later cell that runs needs a
   name it defines (found with :mod:`ast`, transitively), e.g. a training loop whose network a
   later panel shows; otherwise it does not run at all (the app starts sooner).
   Tag ``output-in-app`` shows a cell's printed output (not its code), whether it is a check cell
   or not: for a table of numbers that the prose discusses.
2. Every other code cell runs with ``%%capture --no-display``: figures, panels and other rich
   outputs show; printed text and warnings (stdout/stderr) do not. Errors still show, with their
   traceback. Progress bars are switched off altogether (a first cell, :data:`SETUP_SOURCE`:
   tqdm's notebook bar is a widget, which ``--no-display`` would let through).
3. Tag ``code-in-app``: the cell's source is shown as a listing (a markdown code block) above
   its outputs, printed text included -- for the few lines of an algorithm the prose walks
   through (a gradient-descent loop, a plug-and-play iteration).

Markdown cells

4. Tagged ``hide-in-app``: left out.
5. Lines between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` (notes about the
   solution cell) and between ``<!-- BEGIN HIDE IN APP -->`` and ``<!-- END HIDE IN APP -->``
   are left out, and so are the student version's ``<!-- STUDENT: ... -->`` lines; a line
   ``<!-- APP: some text -->`` (invisible in the notebook) shows as ``some text`` (the comment's
   own indentation is dropped).
6. A cell without ``HIDE IN APP`` / ``APP:`` markers loses every exercise section: a heading
   whose text starts with "Exercise" and the lines under it up to the next heading of the same
   or a higher level. (A cell with markers is taken exactly as its markers say.)
7. A cell left empty by these rules is left out.

Panels shown in the app must not use ``interact`` or an ``Output`` widget (Voilà hangs now and
then on them; ``widgets.Image`` fed PNG bytes and ipympl never did): the ``invlab.widgets``
panels follow that rule.
"""
from __future__ import annotations

import ast
import copy
import os
import re
import sys
from pathlib import Path

import nbformat

from .._checks import check_bool, check_int, check_notebook, check_path

__all__ = ["app_notebook", "cell_roles", "build_app", "build_all", "resolve_lecture", "lectures_dir",
           "voila_command", "voila_env", "install_template", "TEMPLATE_NAME", "TEMPLATE_ROOT", "DEFAULT_BUILD_DIR", "DEFAULT_PORT"]

TAG_HIDE = "hide-in-app"
TAG_CODE = "code-in-app"
TAG_OUTPUT = "output-in-app"
TAG_SOLUTION = "solution"

#: Jupyter data folder holding ``voila/templates/invlab`` (prepended to ``JUPYTER_PATH`` for Voilà).
TEMPLATE_ROOT = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "invlab"
DEFAULT_PORT = 8866
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BUILD_DIR = REPO_ROOT / "build" / "present"

_CHECK_FIRST_LINE = re.compile(r"^#\s*NBVAL_CHECK_OUTPUT\b")
_CHECK_CALL = re.compile(r"\bcoursework\s*\.\s*check_\w+\s*\(")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_EXERCISE = re.compile(r"^exercise\b", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```|~~~)")
_SOL_BEGIN = re.compile(r"^\s*<!--\s*BEGIN SOLUTION\s*-->\s*$")
_SOL_END = re.compile(r"^\s*<!--\s*END SOLUTION\s*-->\s*$")
_HIDE_BEGIN = re.compile(r"^\s*<!--\s*BEGIN HIDE IN APP\s*-->\s*$")
_HIDE_END = re.compile(r"^\s*<!--\s*END HIDE IN APP\s*-->\s*$")
_APP_LINE = re.compile(r"^\s*<!--\s*APP:\s?(?P<text>.*?)\s*-->\s*$")
_STUDENT_LINE = re.compile(r"^\s*<!--\s*STUDENT:.*-->\s*$")

# roles of code cells in the app version
SHOW = "show"            # runs; rich outputs shown, printed text hidden
LISTING = "listing"      # runs; source shown as a listing, every output shown
OUTPUT = "output"        # runs; every output shown, code hidden (a cell tagged output-in-app)
SILENT = "silent"        # runs; nothing shown (a left-out cell whose names a later cell needs)
SKIP = "skip"            # does not run
SETUP = "setup"          # the app's own first cell (no progress bars), not from the lecture

#: First cell of every app version: no progress bars. tqdm's notebook bar is a widget, which
#: ``%%capture --no-display`` would let through: ``tqdm.auto`` is pointed at the text bar (stderr,
#: captured), and that is switched off (``TQDM_DISABLE``, read when tqdm is first imported).
SETUP_SOURCE = """%%capture
# invlab app view: no progress bars
import os
os.environ["TQDM_DISABLE"] = "1"
try:
    import tqdm.auto, tqdm.autonotebook, tqdm.std
    tqdm.auto.tqdm = tqdm.autonotebook.tqdm = tqdm.std.tqdm
except ImportError:
    pass"""


# --------------------------------------------------------------------------- code cells


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()
    return ""


def is_check_cell(cell) -> bool:
    """A cell that checks numbers or an exercise: ``# NBVAL_CHECK_OUTPUT`` first, or a call of
    ``coursework.check_...``."""
    return cell.cell_type == "code" and (bool(_CHECK_FIRST_LINE.match(_first_line(cell.source)))
                                         or bool(_CHECK_CALL.search(cell.source)))


def _left_out(cell) -> bool:
    tags = _tags(cell)
    return TAG_SOLUTION in tags or TAG_HIDE in tags or is_check_cell(cell)


def _python_only(source: str) -> str | None:
    """The source with line magics / shell lines blanked (so :mod:`ast` can parse it); None for
    a cell magic (its body need not be Python)."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return None
    return "\n".join("" if l.lstrip().startswith(("%", "!")) else l for l in lines)


def _bound_by(node) -> set[str]:
    """Every name a statement may bind (over-approximated: any Store anywhere in it)."""
    out = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
            out.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in sub.names)
        elif isinstance(sub, ast.Global):
            out.update(sub.names)
    return out


def _surely_bound_by(node) -> set[str]:
    """Names a top-level statement binds whenever it runs (plain assignment, import, def, class)."""
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    return set()


def _names(source: str) -> tuple[set[str], set[str], set[str]] | None:
    """``(may_bind, surely_binds, reads_before_binding)`` of a cell, or None if it does not parse.

    ``reads_before_binding``: names the cell reads that an earlier statement of the same cell has
    not surely bound -- what it needs from the cells before it (over-approximated).
    """
    code = _python_only(source)
    if code is None:
        return None
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    may, surely, free = set(), set(), set()
    for stmt in tree.body:
        reads = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        free |= reads - surely
        may |= _bound_by(stmt)
        surely |= _surely_bound_by(stmt)
    return may, surely, free


def cell_roles(nb) -> list[str | None]:
    """The role of each cell in the app version: ``show``, ``listing``, ``output``, ``silent``
    or ``skip`` for code cells (see the module docstring), None for the others."""
    nb = check_notebook(nb)
    cells = nb.cells
    roles: list[str | None] = [None] * len(cells)
    needed: set[str] = set()
    for i in range(len(cells) - 1, -1, -1):
        cell = cells[i]
        if cell.cell_type != "code":
            continue
        if not cell.source.strip():
            roles[i] = SKIP
            continue
        names = _names(cell.source)
        tags = _tags(cell)
        if TAG_OUTPUT in tags and not {TAG_SOLUTION, TAG_HIDE} & set(tags):
            roles[i] = OUTPUT  # a table the prose discusses, checked or not
        elif not _left_out(cell):
            roles[i] = LISTING if TAG_CODE in tags else SHOW
        elif names is None or names[0] & needed:
            roles[i] = SILENT  # unparsable: run it, to be safe
        else:
            roles[i] = SKIP
        if roles[i] != SKIP and names is not None:
            needed = (needed - names[1]) | names[2]
    return roles


def _listing(source: str) -> str:
    lines = [l for l in source.splitlines() if not re.match(r"^\s*#\s*NBVAL_\w+\s*$", l)]
    while lines and not lines[0].strip():
        lines.pop(0)
    return "```python\n" + "\n".join(lines).rstrip() + "\n```"


def _wrap(source: str, magic: str) -> str:
    return f"{magic}\n{source}"


# --------------------------------------------------------------------------- markdown cells


def _has_app_markers(lines: list[str]) -> bool:
    return any(_HIDE_BEGIN.match(l) or _HIDE_END.match(l) or _APP_LINE.match(l) for l in lines)


def app_markdown(source: str) -> str:
    """The markdown text as the app view shows it (rules 5 and 6 of the module docstring)."""
    lines = source.splitlines()
    explicit = _has_app_markers(lines)
    out: list[str] = []
    in_solution = in_hide = in_fence = False
    exercise_level: int | None = None
    for line in lines:
        if _SOL_BEGIN.match(line):
            in_solution = True
            continue
        if _SOL_END.match(line):
            in_solution = False
            continue
        if _HIDE_BEGIN.match(line):
            in_hide = True
            continue
        if _HIDE_END.match(line):
            in_hide = False
            continue
        if in_solution or in_hide:
            continue
        m = _APP_LINE.match(line)
        if m:
            out.append(m.group("text"))
            continue
        if _STUDENT_LINE.match(line):
            continue
        if _FENCE.match(line):
            in_fence = not in_fence
        h = None if in_fence else _HEADING.match(line)
        if not explicit and h:
            level = len(h.group("hashes"))
            if exercise_level is not None and level <= exercise_level:
                exercise_level = None
            if exercise_level is None and _EXERCISE.match(h.group("text")):
                exercise_level = level
        if exercise_level is not None:
            continue
        out.append(line)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(out))
    return text.strip("\n")


# --------------------------------------------------------------------------- the app version


def app_notebook(nb):
    """The app version of a lecture notebook (a new notebook; ``nb`` is not changed).

    Parameters
    ----------
    nb : nbformat.NotebookNode, str or Path
        A lecture notebook or its path.

    Returns
    -------
    nbformat.NotebookNode
        Cells in the same order: markdown as the app shows it, code cells wrapped so that only
        what the app shows is displayed, left-out cells removed or run silently; no outputs.
    """
    nb = check_notebook(nb)
    roles = cell_roles(nb)
    out = copy.deepcopy(nb)
    cells = [nbformat.v4.new_code_cell(SETUP_SOURCE, metadata={"invlab_app": SETUP})]
    for cell, role in zip(nb.cells, roles):
        if cell.cell_type == "markdown":
            if TAG_HIDE in _tags(cell):
                continue
            text = app_markdown(cell.source)
            if text.strip():
                cells.append(nbformat.v4.new_markdown_cell(text, metadata={"invlab_app": "markdown"}))
            continue
        if cell.cell_type != "code" or role == SKIP:
            continue
        meta = {"invlab_app": role}
        if role == LISTING:
            cells.append(nbformat.v4.new_markdown_cell(_listing(cell.source), metadata={"invlab_app": "listing"}))
            source = cell.source
        elif role == OUTPUT:
            source = cell.source
        elif role == SILENT:
            source = _wrap(cell.source, "%%capture")
        else:
            source = _wrap(cell.source, "%%capture --no-display")
        cells.append(nbformat.v4.new_code_cell(source, metadata=meta))
    out.cells = cells
    out.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                           "language": "python"})
    # Voilà inside a Jupyter server (JupyterHub, Binder) takes the template from here
    out.metadata["voila"] = {"template": TEMPLATE_NAME}
    return out


def lectures_dir() -> Path:
    """The repository's ``lectures/`` (next to the package), else ``./lectures``."""
    here = REPO_ROOT / "lectures"
    return here if here.is_dir() else Path.cwd() / "lectures"


def resolve_lecture(lecture: str | os.PathLike) -> Path:
    """A lecture notebook from its number (``"1"``, ``"01"``), its stem or a path."""
    p = check_path(lecture, "lecture")
    if p.suffix == ".ipynb":
        if not p.is_file():
            raise FileNotFoundError(f"lecture notebook {str(p)!r} not found.")
        return p.resolve()
    folder = lectures_dir()
    name = str(lecture)
    if re.fullmatch(r"\d{1,2}", name):
        name = f"{int(name):02d}"
    hits = sorted(q for q in folder.glob("*.ipynb") if q.stem == name or q.stem.startswith(name + "_"))
    if len(hits) != 1:
        available = ", ".join(q.stem for q in sorted(folder.glob("*.ipynb"))) or "(none)"
        what = "no lecture" if not hits else f"{len(hits)} lectures"
        raise FileNotFoundError(f"lecture {str(lecture)!r}: {what} in {folder} match; available: {available}.")
    return hits[0].resolve()


def build_app(lecture, out_dir: str | os.PathLike = DEFAULT_BUILD_DIR) -> Path:
    """Write the app version of ``lecture`` (number, stem or path) into ``out_dir``; its path."""
    src = resolve_lecture(lecture)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dst = out_dir / src.name
    nb = app_notebook(src)
    nbformat.validate(nb)
    tmp = dst.with_suffix(".ipynb.tmp")
    nbformat.write(nb, str(tmp))
    tmp.replace(dst)
    return dst


def build_all(out_dir: str | os.PathLike = DEFAULT_BUILD_DIR, folder: str | os.PathLike | None = None) -> list[Path]:
    """Write the app version of every ``*.ipynb`` in ``folder`` (default: the lectures)."""
    folder = check_path(folder, "folder") if folder is not None else lectures_dir()
    if not folder.is_dir():
        raise ValueError(f"folder {str(folder)!r} does not exist (it should hold the lecture notebooks).")
    found = sorted(folder.glob("*.ipynb"))
    if not found:
        raise ValueError(f"folder {str(folder)!r} holds no .ipynb notebook to build.")
    return [build_app(p, out_dir) for p in found]


# --------------------------------------------------------------------------- Voilà


def install_template(prefix: str | os.PathLike | None = None) -> Path:
    """Copy the ``invlab`` Voilà template into ``<prefix>/share/jupyter/voila/templates/invlab``
    (default prefix: this Python's, ``sys.prefix``), where a Jupyter server's Voilà extension
    finds it: ``/voila/render/<app notebook>`` then uses it (the app notebook names it in its
    metadata) -- JupyterHub, Binder."""
    import shutil

    src = TEMPLATE_ROOT / "voila" / "templates" / TEMPLATE_NAME
    prefix = check_path(prefix, "prefix", allow_none=True)
    dst = Path(prefix if prefix is not None else sys.prefix) / "share" / "jupyter" / "voila" / "templates" / TEMPLATE_NAME
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


def voila_env(base: dict | None = None) -> dict:
    """The environment for Voilà: ``JUPYTER_PATH`` starts with :data:`TEMPLATE_ROOT`."""
    if base is not None and not isinstance(base, dict):
        raise TypeError(f"base must be a dict of environment variables or None (os.environ), got {type(base).__name__}.")
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATE_ROOT), env.get("JUPYTER_PATH", "")) if p)
    env.pop("MPLBACKEND", None)  # inline figures would vanish with Agg
    return env


def voila_command(target: str | os.PathLike, port: int = DEFAULT_PORT, open_browser: bool = True,
                  ip: str = "127.0.0.1", preheat: bool = False, extra: list[str] | None = None) -> list[str]:
    """The Voilà command line that serves ``target`` (an app notebook, or a folder of them).

    Offline: the ``invlab`` template asks no other host for anything; widget code comes from the
    installed JupyterLab extensions. Tracebacks are shown (a lecturer should see what failed).
    """
    port = check_int(port, "port", low=1, high=65535)
    check_bool(open_browser, "open_browser")
    check_bool(preheat, "preheat")
    if not isinstance(ip, str) or not ip:
        raise TypeError(f"ip must be a host address such as '127.0.0.1' or '0.0.0.0', got {ip!r}.")
    cmd = [sys.executable, "-m", "voila", str(target),
           f"--port={port}", f"--Voila.ip={ip}", "--Voila.port_retries=0",
           f"--template={TEMPLATE_NAME}", "--theme=light",
           "--VoilaConfiguration.show_tracebacks=True",
           "--VoilaConfiguration.show_margins=True"]
    if not open_browser:
        cmd.append("--no-browser")
    if preheat:
        cmd += ["--preheat_kernel=True", "--pool_size=1"]
    return cmd + list(extra or [])

