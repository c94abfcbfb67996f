"""Session plumbing for ``pytest tests lectures`` (the README's test command).

The numerical-path guard (``scripts/check_numerical_paths.py``, issue 16) re-runs the lectures'
checked cells with the math libraries on another code path. It is started in the background with
the first test that is not a browser test, so it runs on the second core while the main run goes
through the unit tests on one core, and ``tests/test_numerical_paths.py``, moved to the end of the
session, waits for it and reports its result.

Tests marked ``background`` (a few heavy, independent ones: re-measuring a shipped network's
metric, training a tiny GAN recipe) are taken out of the main run and run by a second pytest
process once the guard is done, also on the second core; ``tests/test_background.py``, last,
reports that run. ``INVLAB_BACKGROUND_CHILD=1`` marks that child, which runs them itself.
"""
import os
import subprocess
import sys
import importlib.util
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
GUARD_TEST = "test_checked_outputs_hold_on_a_second_numerical_path"
BACKGROUND_TEST = "test_heavy_tests_pass_in_the_background"
CHILD = os.environ.get("INVLAB_BACKGROUND_CHILD") == "1"
_guard_key = pytest.StashKey[dict]()
_bg_key = pytest.StashKey[dict]()


def _load_guard_module():
    spec = importlib.util.spec_from_file_location("check_numerical_paths", ROOT / "scripts" / "check_numerical_paths.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pytest_collection_modifyitems(session, config, items):
    _collect_background(config, items)
    guard = [it for it in items if it.name == GUARD_TEST]
    notebooks = sorted({str(Path(it.fspath).relative_to(ROOT)) for it in items
                        if str(it.fspath).endswith(".ipynb") and Path(it.fspath).parent == ROOT / "lectures"})
    if not guard:
        return
    for it in guard:  # waits for the background run: last, so the main run overlaps it
        items.remove(it)
        items.append(it)
    config.stash[_guard_key] = {"notebooks": notebooks, "proc": None, "log": None}


def _collect_background(config, items) -> None:
    """Move the ``background``-marked tests to a child run when the reporting test is collected."""
    proxy = [it for it in items if it.name == BACKGROUND_TEST]
    heavy = [it for it in items if it.get_closest_marker("background") is not None]
    if CHILD or not proxy:
        return
    for it in heavy:
        items.remove(it)
    if heavy:
        config.hook.pytest_deselected(items=heavy)
    for it in proxy:
        items.remove(it)
        items.append(it)
    config.stash[_bg_key] = {"nodeids": [it.nodeid for it in heavy], "proc": None, "log": None}


def start_background(config, force: bool = False):
    """Start the child run of the ``background`` tests once the guard is done (or at once: ``force``)."""
    state = config.stash.get(_bg_key, None)
    if state is None or state["proc"] is not None or not state["nodeids"]:
        return state
    guard = config.stash.get(_guard_key, None)
    if not force and guard is not None and guard["notebooks"] and (guard["proc"] is None or guard["proc"].poll() is None):
        return state  # one background job at a time: the second core is the guard's first
    state["log"] = tempfile.TemporaryFile(mode="w+", prefix="background-tests-")
    env = dict(os.environ, INVLAB_BACKGROUND_CHILD="1")
    state["proc"] = subprocess.Popen([sys.executable, "-m", "pytest", *state["nodeids"], "-p", "no:cacheprovider",
                                      "-q", "-o", "addopts=", "-rf", "--color=no"], cwd=ROOT, env=env,
                                     stdout=state["log"], stderr=subprocess.STDOUT, text=True)
    return state


def start_guard(config):
    """Start the guard once (no-op when it runs already or the session has no lectures)."""
    state = config.stash.get(_guard_key, None)
    if state is None or state["proc"] is not None or not state["notebooks"]:
        return state
    state["log"] = tempfile.TemporaryFile(mode="w+", prefix="numerical-paths-")
    state["proc"] = _load_guard_module().start("guard", state["notebooks"], log=state["log"])
    return state


def pytest_runtest_setup(item):
    # start with the first test after the browser tests (which use both cores themselves): the
    # unit tests that follow run on one core, so the guard's kernels get the other one
    if item.get_closest_marker("browser") is None:
        start_guard(item.config)
        start_background(item.config)


def pytest_unconfigure(config):
    for key in (_guard_key, _bg_key):
        state = config.stash.get(key, None)
        if state and state["proc"] is not None and state["proc"].poll() is None:
            state["proc"].kill()


@pytest.fixture
def background_tests(request):
    """``(returncode, output, nodeids)`` of the child run of this session's ``background`` tests."""
    state = start_background(request.config, force=True)
    if state is None:
        pytest.skip("the background tests ran in this process (INVLAB_BACKGROUND_CHILD=1)" if CHILD else
                    "no background run in this session")
    if not state["nodeids"]:
        pytest.skip("no test marked background in this session")
    rc = state["proc"].wait()
    state["log"].seek(0)
    return rc, state["log"].read(), state["nodeids"]


@pytest.fixture
def numerical_path_guard(request):
    """``(returncode, output)`` of the guard run over this session's lecture notebooks."""
    state = start_guard(request.config)
    if state is None or not state["notebooks"]:
        pytest.skip("the guard re-checks the lectures' checked cells: run it with them "
                    "(pytest tests lectures, as make test does)")
    rc = state["proc"].wait()
    state["log"].seek(0)
    return rc, state["log"].read()
