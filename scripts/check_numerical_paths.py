"""Run the lectures' checked cells under other floating-point paths and require the same outputs.

A ``# NBVAL_CHECK_OUTPUT`` cell must print only what holds on any x86-64 CPU (docs/CONVENTIONS.md,
testing layer 3). MKL, oneDNN and OpenBLAS choose their kernels by instruction set, CPU vendor and
thread count, so a number printed on the machine that stored it can come out differently on the
next one (an Intel Xeon after an AMD EPYC, a laptop, CI). This script re-creates such a machine on
the one at hand: it executes the lectures with ``pytest --nbval-lax`` in a kernel whose math
libraries are forced onto another code path, so a fragile output fails here, on the machine that
introduces it, rather than on somebody else's.

The paths (environment variables read by the libraries when they load):

``guard``
    ``MKL_CBWR=COMPATIBLE`` (MKL's conservative SSE2 kernels, what a CPU without AVX gets),
    ``ONEDNN_MAX_CPU_ISA=AVX2`` (the network layers without AVX-512/AMX), one OpenMP/MKL thread.
    The test suite runs this one (``tests/test_numerical_paths.py``), next to the main run.
``mkl-compatible``, ``mkl-avx2``, ``one-thread``, ``default``
    One change each, the set issue 16 asks the lectures to be stable under.

Usage::

    .venv/bin/python scripts/check_numerical_paths.py                     # guard path, every lecture
    .venv/bin/python scripts/check_numerical_paths.py --path all lectures/01_inverse_problems.ipynb

Prints one row per path and notebook (cells passed / failed, seconds) and exits with 1 when any
checked output differs.
"""
from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PATHS = {
    "guard": {"MKL_CBWR": "COMPATIBLE", "ONEDNN_MAX_CPU_ISA": "AVX2",
              "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    "mkl-compatible": {"MKL_CBWR": "COMPATIBLE"},
    "mkl-avx2": {"MKL_CBWR": "AVX2"},
    "one-thread": {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    "default": {},
}


def lecture_notebooks() -> list[str]:
    """The lecture notebooks, relative to the repository root, in order."""
    return sorted(os.path.relpath(p, ROOT) for p in glob.glob(str(ROOT / "lectures" / "*.ipynb")))


def command(notebooks) -> list[str]:
    """The pytest command that executes ``notebooks`` and compares their checked outputs."""
    return [sys.executable, "-m", "pytest", *notebooks, "--nbval-lax", "--nbval-current-env",
            "-p", "no:cacheprovider", "-q", "-o", "addopts=", "-rf", "--color=no"]


def environment(path: str) -> dict:
    """The process environment for a path name (one of :data:`PATHS`)."""
    if path not in PATHS:
        raise ValueError(f"path must be one of {sorted(PATHS)}, got {path!r}.")
    env = {k: v for k, v in os.environ.items() if k not in {"MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS"}}
    env.update(PATHS[path])
    return env


def start(path: str = "guard", notebooks=None, log=None) -> subprocess.Popen:
    """Start the check in the background; its output goes to ``log`` (a file object) or a pipe."""
    notebooks = list(notebooks) if notebooks else lecture_notebooks()
    return subprocess.Popen(command(notebooks), cwd=ROOT, env=environment(path),
                            stdout=log if log is not None else subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def run(path: str = "guard", notebooks=None) -> tuple[int, str, float]:
    """Run the check to the end: ``(returncode, output, seconds)``."""
    t0 = time.perf_counter()
    proc = start(path, notebooks)
    out, _ = proc.communicate()
    return proc.returncode, out, time.perf_counter() - t0


def _summary(out: str) -> str:
    lines = [ln for ln in out.strip().splitlines() if ln.strip()]
    return lines[-1].strip("= ") if lines else "(no output)"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*", help="default: every lectures/*.ipynb")
    ap.add_argument("--path", default="guard", help=f"one of {sorted(PATHS)} or 'all'")
    args = ap.parse_args(argv)
    paths = list(PATHS) if args.path == "all" else [args.path]
    notebooks = args.notebooks or lecture_notebooks()
    failed = False
    print(f"{'path':16s} {'notebook':48s} {'result':34s} {'s':>6s}")
    for path in paths:
        for nb in notebooks:
            rc, out, seconds = run(path, [nb])
            print(f"{path:16s} {nb:48s} {_summary(out)[:34]:34s} {seconds:6.0f}", flush=True)
            if rc != 0:
                failed = True
                print("\n".join(ln for ln in out.splitlines() if ln.startswith("FAILED") or ln.startswith(("+", "-"))))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
