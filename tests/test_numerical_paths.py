"""Issue 16: the lectures' checked outputs hold on another floating-point path.

The guard itself is ``scripts/check_numerical_paths.py``; ``conftest.py`` starts it in the
background with the first non-browser test, and the test here (run last) waits for its verdict.
"""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _guard():
    spec = importlib.util.spec_from_file_location("check_numerical_paths", ROOT / "scripts" / "check_numerical_paths.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_checked_outputs_hold_on_a_second_numerical_path(numerical_path_guard):
    rc, output = numerical_path_guard
    assert rc == 0, ("a checked output changed when the math libraries took another code path "
                     "(MKL_CBWR=COMPATIBLE, ONEDNN_MAX_CPU_ISA=AVX2, one thread): print a fact with a "
                     "margin instead (docs/CONVENTIONS.md, testing layer 3)\n" + output[-6000:])
    assert " passed" in output and "failed" not in output


def test_guard_paths_change_the_libraries_code_path():
    g = _guard()
    env = g.environment("guard")
    assert env["MKL_CBWR"] == "COMPATIBLE" and env["ONEDNN_MAX_CPU_ISA"] == "AVX2"
    assert env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "1"
    assert "MKL_CBWR" not in g.environment("default")
    with pytest.raises(ValueError, match="path must be one of"):
        g.environment("fast")
    cmd = g.command(["lectures/00_welcome.ipynb"])
    assert "--nbval-lax" in cmd and "lectures/00_welcome.ipynb" in cmd
    assert [Path(p).name for p in g.lecture_notebooks()] == sorted(p.name for p in (ROOT / "lectures").glob("*.ipynb"))

