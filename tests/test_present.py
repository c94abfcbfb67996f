"""Presentation mode (invlab.present): the app version of a notebook, the Voilà command line.

The app view itself is checked in a real browser by tests/browser/test_present_browser.py.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from invlab import present
from invlab.present import LISTING, OUTPUT, SETUP, SHOW, SILENT, SKIP, app_markdown, app_notebook, cell_roles

REPO = Path(__file__).resolve().parents[1]
LECTURES = sorted((REPO / "lectures").glob("*.ipynb"))


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    for c in cells:
        kind, source, *tags = c
        make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(make(source, metadata={"tags": list(tags)} if tags else {}))
    return nb


# --------------------------------------------------------------------------- code cells


def test_roles_follow_the_rules():
    nb = _nb(
        ("code", "import torch\nx = torch.ones(3)"),                       # 0 shown (no output to show)
        ("code", "def f(a):\n    return a  # BEGIN SOLUTION", "solution"),  # 1 not needed: skipped
        ("code", "# NBVAL_CHECK_OUTPUT\nprint(f(x))"),                      # 2 check: skipped
        ("code", "il.coursework.check_f(f)"),                               # 3 check: skipped
        ("code", "net = train(x)\nprint('loss', 0.1)", "hide-in-app"),     # 4 needed by 8: silent
        ("code", "# NBVAL_CHECK_OUTPUT\nprint(table)", "output-in-app"),    # 5 output shown
        ("code", "for k in range(3):\n    x = x + 1", "code-in-app"),       # 6 listing
        ("code", "   \n"),                                                  # 7 empty: skipped
        ("code", "panel = Panel(net)\npanel"),                              # 8 shown
        ("code", "print(numbers)", "output-in-app"),                        # 9 unchecked table: output shown
        ("code", "print(secret)", "output-in-app", "hide-in-app"),          # 10 hidden wins: skipped
    )
    assert cell_roles(nb) == [SHOW, SKIP, SKIP, SKIP, SILENT, OUTPUT, LISTING, SKIP, SHOW, OUTPUT, SKIP]


def test_left_out_cell_runs_only_when_a_later_cell_needs_its_names():
    nb = _nb(
        ("code", "a = 1\nb = 2", "hide-in-app"),
        ("code", "a = 5\nprint(a)"),        # binds a before reading it: does not need cell 0's a
        ("code", "c = 3", "hide-in-app"),   # nothing reads c: skipped
        ("code", "print(b)"),               # needs b: cell 0 runs
    )
    assert cell_roles(nb) == [SILENT, SHOW, SKIP, SHOW]
    nb.cells[3].source = "print(a)"          # a is re-bound by cell 1 first: cell 0 is not needed
    assert cell_roles(nb)[0] == SKIP
    nb.cells[1].source = "if cond:\n    a = 5"  # a binding that may not happen does not count
    assert cell_roles(nb)[0] == SILENT


def test_transitive_and_unparsable_dependencies():
    nb = _nb(
        ("code", "base = 2", "hide-in-app"),
        ("code", "derived = base * 2", "hide-in-app"),
        ("code", "print(derived)"),
        ("code", "%%bash\necho hi", "hide-in-app"),   # not Python: run, to be safe
    )
    assert cell_roles(nb) == [SILENT, SILENT, SHOW, SILENT]


def test_app_notebook_wraps_code_and_keeps_order():
    nb = _nb(
        ("markdown", "# Title"),
        ("code", "%matplotlib inline\nprint('set-up')"),
        ("code", "x = 1\nprint(x)", "code-in-app"),
        ("code", "# NBVAL_CHECK_OUTPUT\nprint(x)", "output-in-app"),
        ("code", "y = x", "hide-in-app"),
        ("code", "y"),
    )
    app = app_notebook(nb)
    kinds = [(c.cell_type, c.metadata.get("invlab_app")) for c in app.cells]
    assert kinds == [("code", SETUP), ("markdown", "markdown"), ("code", SHOW), ("markdown", "listing"),
                     ("code", LISTING), ("code", OUTPUT), ("code", SILENT), ("code", SHOW)]
    assert app.cells[0].source.startswith("%%capture\n") and "TQDM_DISABLE" in app.cells[0].source
    app.cells.pop(0)
    assert app.cells[1].source.startswith("%%capture --no-display\n%matplotlib inline")
    assert app.cells[2].source == "```python\nx = 1\nprint(x)\n```"
    assert app.cells[3].source == "x = 1\nprint(x)"              # a listing shows all its output
    assert app.cells[4].source == "# NBVAL_CHECK_OUTPUT\nprint(x)"
    assert app.cells[5].source == "%%capture\ny = x"
    assert not any(c.get("outputs") for c in app.cells if c.cell_type == "code")
    assert nb.cells[1].source == "%matplotlib inline\nprint('set-up')"  # the input is untouched
    assert app.metadata["voila"] == {"template": "invlab"}  # Voilà inside a Jupyter server uses it
    nbformat.validate(app)


# --------------------------------------------------------------------------- markdown


def test_exercise_sections_are_dropped_up_to_the_next_heading_of_their_level():
    text = ("## 1.4 Tikhonov\n\nThe closed form.\n\n### Exercise 1 — closed form\n\nWrite `f`.\n\n"
            "#### Hint\n\nuse the FFT\n\n### Discussion\n\nKept.\n\n## 1.5 Next\nAlso kept.")
    out = app_markdown(text)
    assert "Exercise" not in out and "Write `f`" not in out and "Hint" not in out and "FFT" not in out
    assert "The closed form." in out and "### Discussion\n\nKept." in out and out.endswith("## 1.5 Next\nAlso kept.")
    assert app_markdown("### Exercise 2\nonly the exercise") == ""


def test_markers_solution_notes_and_fences():
    text = "\n".join([
        "Intro.",
        "<!-- BEGIN SOLUTION -->",
        "*The next cell holds a reference solution.*",
        "<!-- END SOLUTION -->",
        "<!-- STUDENT: *Replace the stub.* -->",
        "<!-- BEGIN HIDE IN APP -->",
        "### Exercise 3 — write it",
        "<!-- END HIDE IN APP -->",
        "  <!-- APP: ### The algorithm -->",
        "```python",
        "# Exercise in a listing is not a heading",
        "```",
        "After.",
    ])
    out = app_markdown(text)
    assert out == "Intro.\n### The algorithm\n```python\n# Exercise in a listing is not a heading\n```\nAfter."
    # with markers the default exercise rule is off: the cell says exactly what to hide
    assert "### Exercise 9" in app_markdown("<!-- APP: x -->\n### Exercise 9\ntext")


def test_hidden_and_emptied_markdown_cells_are_left_out():
    nb = _nb(("markdown", "About the code below.", "hide-in-app"),
             ("markdown", "### Exercise 1\nWrite it."),
             ("markdown", "Kept."))
    assert [c.source for c in app_notebook(nb).cells][1:] == ["Kept."]


# --------------------------------------------------------------------------- the lectures


@pytest.mark.parametrize("path", LECTURES, ids=lambda p: p.stem)
def test_lecture_app_versions(path):
    nb = nbformat.read(str(path), as_version=4)
    app = app_notebook(nb)
    nbformat.validate(app)
    visible_code = 0
    for cell in app.cells:
        role = cell.metadata["invlab_app"]
        if cell.cell_type == "markdown":
            assert not re.search(r"^#+\s+Exercise\b", cell.source, re.M | re.I), cell.source[:200]
            assert "BEGIN SOLUTION" not in cell.source and "HIDE IN APP" not in cell.source
            continue
        assert role in (SETUP, SHOW, LISTING, OUTPUT, SILENT)
        if role == SETUP:
            continue
        if role == SHOW:
            assert cell.source.startswith("%%capture --no-display\n")
        elif role == SILENT:
            assert cell.source.startswith("%%capture\n")
        else:
            visible_code += 1
        body = cell.source.split("\n", 1)[1] if cell.source.startswith("%%capture") else cell.source
        assert "# BEGIN SOLUTION" not in body or role == SILENT, "an exercise solution is shown"
        assert "coursework.check_" not in body or role == SILENT, "an exercise check is shown"
    # every code cell of the lecture is accounted for
    roles = cell_roles(nb)
    assert sum(r not in (None, SKIP) for r in roles) + 1 == sum(c.cell_type == "code" for c in app.cells)
    assert visible_code == sum(r in (LISTING, OUTPUT) for r in roles)


def test_resolve_lecture_and_build(tmp_path):
    first = LECTURES[0]
    number = first.name[:2]
    assert present.resolve_lecture(number) == first.resolve()
    assert present.resolve_lecture(str(int(number))) == first.resolve()
    assert present.resolve_lecture(first.stem) == first.resolve()
    assert present.resolve_lecture(first) == first.resolve()
    with pytest.raises(FileNotFoundError, match="available: 00_"):
        present.resolve_lecture("97")
    with pytest.raises(FileNotFoundError, match="not found"):
        present.resolve_lecture(tmp_path / "missing.ipynb")
    out = present.build_app(number, tmp_path / "app")
    assert out == tmp_path / "app" / first.name and out.is_file()
    assert [p.name for p in present.build_all(tmp_path / "all")] == [p.name for p in LECTURES]


def test_voila_command_and_template_are_offline():
    cmd = present.voila_command("build/present/01_x.ipynb", port=8870, open_browser=False)
    assert cmd[:3] == [sys.executable, "-m", "voila"]
    for arg in ("--port=8870", "--Voila.ip=127.0.0.1", "--template=invlab", "--no-browser",
                "--VoilaConfiguration.show_tracebacks=True"):
        assert arg in cmd
    assert "--preheat_kernel=True" in present.voila_command("x.ipynb", preheat=True)
    assert "--preheat_kernel=True" not in present.voila_command("x.ipynb")
    # python -m invlab.present NN preheats unless told not to (interactive as the page opens)
    from invlab.present.__main__ import _parser
    assert _parser().parse_args(["01"]).preheat and _parser().parse_args(["01", "--preheat"]).preheat
    assert not _parser().parse_args(["01", "--no-preheat"]).preheat
    template = present.TEMPLATE_ROOT / "voila" / "templates" / present.TEMPLATE_NAME
    assert (template / "conf.json").is_file() and (template / "index.html.j2").is_file()
    assert not re.search(r"https?://", (template / "index.html.j2").read_text())
    env = present.voila_env({"JUPYTER_PATH": "/x", "MPLBACKEND": "Agg"})
    assert env["JUPYTER_PATH"].split(":")[0] == str(present.TEMPLATE_ROOT) and "MPLBACKEND" not in env


def test_command_line_build_and_errors(tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "invlab.present", *a], capture_output=True, text=True,
                                    timeout=120)
    r = run("--build", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [p.name for p in LECTURES]
    r = run("97", "--out", str(tmp_path), "--no-browser")
    assert r.returncode == 2 and "lecture '97'" in r.stderr


@pytest.mark.slow
def test_app_cells_show_only_what_the_rules_say(tmp_path):
    """Run an app version in a kernel: prints hidden, figures/results shown, silent cells mute."""
    nbclient = pytest.importorskip("nbclient")
    nb = _nb(
        ("code", "import sys\nprint('set-up noise')\nprint('warning', file=sys.stderr)\nvalue = 41"),
        ("code", "secret = value + 1\nprint('training...')", "hide-in-app"),
        ("code", "print('listing output', secret)", "code-in-app"),
        ("code", "from IPython.display import HTML\nHTML('<b>panel</b>')"),
        ("code", "# NBVAL_CHECK_OUTPUT\nprint('checked', secret)"),
        ("code", "from tqdm.auto import tqdm\nfor _ in tqdm(range(3)): pass"),   # no bar, not even a widget
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    app = app_notebook(nb)
    nbclient.NotebookClient(app, timeout=60, kernel_name="python3").execute()
    outputs = {c.metadata["invlab_app"] + str(i): c.get("outputs", []) for i, c in enumerate(app.cells)}
    texts = [o.get("text", "") for outs in outputs.values() for o in outs if o.output_type == "stream"]
    assert texts == ["listing output 42\n"], outputs
    shown = [o for outs in outputs.values() for o in outs if o.output_type in ("execute_result", "display_data")]
    assert len(shown) == 1 and "<b>panel</b>" in shown[0]["data"]["text/html"]


def test_install_template(tmp_path):
    dst = present.install_template(tmp_path)
    assert dst == tmp_path / "share" / "jupyter" / "voila" / "templates" / "invlab"
    assert sorted(p.name for p in dst.iterdir()) == ["conf.json", "index.html.j2"]
    assert present.install_template(tmp_path) == dst  # again: replaced, not nested
    assert not (dst / "invlab").exists()
