"""binder/ (repo2docker conventions): pinned, CPU torch, consistent with pyproject.toml.

Building the environment it describes is scripts/check_binder_env.sh (minutes, downloads every
package): not part of the test suite.
"""
from __future__ import annotations

import os
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
BINDER = REPO / "binder"


def _pins() -> dict[str, str]:
    pins = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "--")):
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.+\-]+)", line)
        assert m, f"not an exact pin: {line!r}"
        pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def test_every_dependency_is_pinned_within_its_range():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = _pins()
    for spec in project["dependencies"] + ["pytest", "nbval"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is a dependency but binder/requirements.txt does not pin it"
        version = Version(pins[name])
        assert req.specifier.contains(version, prereleases=True) or req.specifier.contains(
            Version(version.public), prereleases=True), f"{name}=={version} is outside {req.specifier}"


def test_torch_is_the_cpu_build_from_pytorch_cpu_index():
    text = (BINDER / "requirements.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text.splitlines()
    torch = _pins()["torch"]
    assert torch.endswith("+cpu") and torch.startswith("2.13."), torch
    assert not [n for n in _pins() if n.startswith(("nvidia-", "triton"))], "CUDA wheels pinned"


def test_runtime_and_post_build():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    m = re.fullmatch(r"python-(\d+)\.(\d+)", runtime)
    assert m, runtime
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert Requirement(f"python{requires}").specifier.contains(f"{m.group(1)}.{m.group(2)}.0")
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    text = post.read_text()
    assert text.startswith("#!/bin/bash") and "pip install --no-deps -e ." in text
    assert "invlab.present --install-template --build" in text


@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="needs the project's venv")
def test_pins_come_from_a_resolvable_closure():
    """Every pin's own requirements (here, with markers) are pinned too: pip can install the file
    without pulling anything unpinned (checked on the installed metadata of the pinned names that
    are installed here at the pinned version)."""
    from importlib import metadata

    from packaging.markers import default_environment

    pins = _pins()
    env = default_environment()
    missing = set()
    for name in pins:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if Version(dist.version).public != Version(pins[name]).public:
            continue  # another version here (a newer set-up): its metadata says nothing about the pin
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({**env, "extra": ""}):
                continue
            if canonicalize_name(req.name) not in pins and canonicalize_name(req.name) not in {"setuptools", "pip"}:
                missing.add(f"{name} -> {req.name}")
    assert not missing, f"requirements not pinned: {sorted(missing)}"
