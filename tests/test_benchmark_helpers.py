"""The helpers the benchmark scripts share (``benchmarks/_timing.py``, lecture selection of the browser bench)."""
import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


def test_table_aligns_columns_and_accepts_no_rows(capsys):
    timing = _load("_timing")
    timing.table(["a", "long header"], [[1, "x"], ["wide cell", 2.5]])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "a         | long header"
    assert lines[1] == "----------+------------"
    assert lines[3] == "wide cell | 2.5        "
    timing.table(["lecture", "ms"], [])  # a filter that matched nothing: header only, no crash
    assert capsys.readouterr().out.splitlines() == ["lecture | ms", "--------+---"]


def test_median_ms_is_the_median_of_the_calls():
    timing = _load("_timing")
    calls = []
    assert timing.median_ms(lambda: calls.append(1), repeats=5, warmup=2) >= 0
    assert len(calls) == 7


def test_select_lectures_by_number_or_stem():
    bench = _load("bench_browser_latency")
    paths = [Path(f"lectures/{s}.ipynb") for s in
             ("00_intro", "01_inverse", "04a_ct_reconstruction", "04b_mr_reconstruction")]
    names = lambda sel: [p.stem for p in sel]  # noqa: E731
    assert names(bench.select_lectures(paths, "04b")) == ["04b_mr_reconstruction"]
    assert names(bench.select_lectures(paths, "01, 04a")) == ["01_inverse", "04a_ct_reconstruction"]
    assert names(bench.select_lectures(paths, "04b_mr_reconstruction")) == ["04b_mr_reconstruction"]
    assert names(bench.select_lectures(paths, "04")) == ["04a_ct_reconstruction", "04b_mr_reconstruction"]
    assert bench.select_lectures(paths, "07") == []
    assert bench.select_lectures(paths, "") == paths
