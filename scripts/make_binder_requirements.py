"""Write ``binder/requirements.txt``: every package the course needs, pinned to the versions of a
working environment (the one running this script, e.g. ``.venv`` after ``make setup``).

The pins are the dependency closure of the project's dependencies (``pyproject.toml``) plus
``pytest`` and ``nbval`` (so a notebook can be checked inside the image), read from the
installed packages' metadata with their environment markers evaluated here (Linux, this
Python). torch is pinned to its CPU build (``+cpu``) from PyTorch's CPU index, so a Binder or
JupyterHub image never pulls the CUDA wheels (about 2.7 GB). Build tools (pip, setuptools,
wheel) and packages of the environment that nothing here needs (playwright, hypothesis, ...)
are left out.

Usage::

    .venv/bin/python scripts/make_binder_requirements.py [--out binder/requirements.txt] [--check]

``--check`` exits 1 (and prints the difference) when the file is not what this environment
would write.
"""
from __future__ import annotations

import argparse
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
EXTRA_ROOTS = ["pytest", "nbval"]
SKIP = {"pip", "setuptools", "wheel", "invlab"}
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"

HEADER = f"""\
# Pinned environment of the course for Binder / repo2docker and a JupyterHub image (docs/CLASSROOM.md).
# Written by scripts/make_binder_requirements.py from a working .venv; do not edit by hand.
# torch: the CPU build from PyTorch's CPU index (the default Linux wheel bundles CUDA, ~2.7 GB more).
--extra-index-url {TORCH_INDEX}
"""


def roots() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"]] + [Requirement(r) for r in EXTRA_ROOTS]


def closure(start: list[Requirement]) -> dict[str, str]:
    """{canonical name: installed version} of every package ``start`` needs, here."""
    env = default_environment()
    pins: dict[str, str] = {}
    todo = [(r, frozenset(r.extras)) for r in start]
    seen: set[tuple[str, frozenset]] = set()
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if (name, extras) in seen or name in SKIP:
            continue
        seen.add((name, extras))
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"make_binder_requirements: {req.name} is needed but not installed here "
                             f"(run make setup first)") from None
        pins[name] = dist.version
        for line in dist.requires or []:
            sub = Requirement(line)
            if sub.marker is not None:
                # evaluate with each requested extra (and with none)
                if not any(sub.marker.evaluate({**env, "extra": e}) for e in (extras or {""})):
                    continue
            todo.append((sub, frozenset(sub.extras)))
    return pins


def render(pins: dict[str, str]) -> str:
    lines = []
    for name in sorted(pins):
        version = pins[name]
        if name == "torch" and "+" not in version:
            version += "+cpu"
        lines.append(f"{name}=={version}")
    return HEADER + "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "binder" / "requirements.txt")
    ap.add_argument("--check", action="store_true", help="compare with the file instead of writing it")
    args = ap.parse_args(argv)
    text = render(closure(roots()))
    if args.check:
        old = args.out.read_text() if args.out.exists() else ""
        if old == text:
            print(f"{args.out}: up to date")
            return 0
        new_lines, old_lines = set(text.splitlines()), set(old.splitlines())
        for line in sorted(old_lines - new_lines):
            print(f"- {line}")
        for line in sorted(new_lines - old_lines):
            print(f"+ {line}")
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    n = len([l for l in text.splitlines() if re.match(r"^[a-z0-9]", l)])
    print(f"wrote {args.out} ({n} pinned packages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
