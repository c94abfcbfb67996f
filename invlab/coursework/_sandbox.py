"""The grader's child process: run one submitted notebook, then record its exercise functions.

Started by :mod:`invlab.coursework.grader` as ``python -I -c ... grader.json`` with its working
directory set to a fresh temporary folder that holds only a copy of the notebook. In order:

1. read the configuration, set the resource limits (address space, file size, CPU time, no
   core dumps) and send ``sys.stdout``/``sys.stderr`` to a capped in-memory sink;
2. import the reference exercises (before any student code runs);
3. run the notebook's code cells in order in an in-process IPython shell (magics work, a
   failing cell is recorded and the next one runs, like ``nbval --nbval-lax``), under a
   wall-clock alarm; at the alarm the run stops;
4. for each expected exercise, look the function up by name in the notebook's namespace and
   run the reference cases on it (each exercise under its own alarm), storing only *records*
   (plain tensors, numbers, strings; see :func:`invlab.coursework.checks.record`);
5. write ``result.pt`` (``torch.save``; the grader loads it with ``weights_only=True``) after
   the run and after each exercise, and exit with ``os._exit`` (threads left by the notebook
   cannot keep the process alive).

The verdicts are *not* computed here: this process has run student code and cannot be
trusted. The grader judges the records in its own process.
"""
from __future__ import annotations

import io
import json
import os
import resource
import signal
import sys
import time


class NotebookTimeout(BaseException):
    """The notebook ran past its wall-clock limit (a BaseException: ``except Exception`` won't catch it)."""


class CallTimeout(BaseException):
    """An exercise function ran past its limit."""


class CappedText(io.TextIOBase):
    """A text sink that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit, self.size, self.kept = limit, 0, []
        self._kept_size = 0

    def write(self, s) -> int:
        s = str(s)
        if self._kept_size < self.limit:
            part = s[: self.limit - self._kept_size]
            self.kept.append(part)
            self._kept_size += len(part)
        self.size += len(s)
        return len(s)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:
        return None

    @property
    def encoding(self):
        return "utf-8"


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _set_limits(cfg: dict) -> None:
    mem = int(cfg["memory_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    files = int(cfg["file_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (files, files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cpu = int(cfg["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large write fails with an error instead of killing


def _make_shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class GradingShell(InteractiveShell):
        """A plain IPython shell without a GUI event loop (``%matplotlib inline`` works)."""

        def enable_gui(self, gui=None):
            return None

    c = Config()
    c.HistoryManager.enabled = False
    c.InteractiveShell.cache_size = 0
    c.InteractiveShell.colors = "nocolor"
    c.InteractiveShell.autocall = 0
    return GradingShell.instance(config=c)


def main(config_path: str) -> None:
    """Run the notebook named in ``config_path`` (JSON) and write ``result.pt``; never returns."""
    with open(config_path, encoding="utf-8") as f:
        cfg = json.load(f)
    _set_limits(cfg)
    sink = CappedText(int(cfg["max_output_chars"]))
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = sink
    sys.stdin = io.StringIO("")

    import torch  # noqa: E402  (after the limits: the imports count against them too)
    import nbformat  # noqa: E402
    from invlab.coursework.checks import EXERCISES  # noqa: E402  (trusted: before any student code)

    save, replace, monotonic = torch.save, os.replace, time.monotonic
    names = list(cfg["exercises"])
    runners = {n: EXERCISES[n].run for n in names if n in EXERCISES}
    result = {"cells": 0, "code_cells": 0, "errors": [], "n_errors": 0, "timed_out_cell": -1,
              "notebook_error": "", "exercises": {}, "output_chars": 0, "seconds": 0.0}

    def write():
        result["output_chars"] = int(sink.size)
        try:
            save(result, "result.pt.tmp")
            replace("result.pt.tmp", "result.pt")
        except BaseException:  # cannot write (disk quota, tampering): the grader reports no result
            pass

    try:
        nb = nbformat.read(cfg["notebook"], as_version=4)
        cells = [(k, c.source) for k, c in enumerate(nb.cells) if c.cell_type == "code"]
        del nb
    except Exception as e:
        result["notebook_error"] = _one_line(f"{type(e).__name__}: {e}")
        write()
        os._exit(0)
    result["code_cells"] = len(cells)
    shell = _make_shell()

    def on_notebook_alarm(signum, frame):
        raise NotebookTimeout()

    signal.signal(signal.SIGALRM, on_notebook_alarm)
    start = monotonic()
    current = -1
    signal.setitimer(signal.ITIMER_REAL, float(cfg["timeout"]), 1.0)  # then every second, if swallowed
    try:
        for k, source in cells:
            current = k
            res = shell.run_cell(source, store_history=False)
            err = res.error_before_exec or res.error_in_exec
            if isinstance(err, NotebookTimeout):
                raise err
            result["cells"] += 1
            if err is not None:
                result["n_errors"] += 1
                if len(result["errors"]) < 20:
                    result["errors"].append([int(k), _one_line(f"{type(err).__name__}: {err}")])
    except NotebookTimeout:
        result["timed_out_cell"] = int(current)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    result["seconds"] = float(monotonic() - start)
    write()
    if result["timed_out_cell"] >= 0:
        os._exit(0)

    def on_call_alarm(signum, frame):
        raise CallTimeout()

    namespace = shell.user_ns
    for name in names:
        entry: dict
        fn = namespace.get(name, None) if isinstance(namespace, dict) else None
        if name not in runners:
            entry = {"unknown": True}
        elif fn is None:
            entry = {"missing": True}
        elif not callable(fn):
            entry = {"not_callable": type(fn).__name__}
        else:
            signal.signal(signal.SIGALRM, on_call_alarm)
            signal.setitimer(signal.ITIMER_REAL, float(cfg["call_timeout"]), 1.0)
            try:
                entry = {"records": runners[name](fn)}
            except CallTimeout:
                entry = {"timed_out": True}
            except BaseException as e:  # KeyboardInterrupt or worse from inside the student's function
                entry = {"crash": _one_line(f"{type(e).__name__}: {e}")}
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        result["exercises"][name] = entry
        write()
    os._exit(0)
