"""Training time of every shipped network: a short timed run of its recipe, projected to the full run.

``python -m invlab.pretrained train NAME`` records the wall time of the full run in the manifest,
but on a shared machine that number includes whatever else was running. This script times
``--steps`` steps of each recipe (after a few warm-up steps, with the full run's schedule, then stopped) with every core, reports the median
seconds per step and the projected time of the recipe's full number of steps next to the
manifest's recorded time, measured in one run. Goal: each ≤ 10 min on 2 cores.

Run: ``.venv/bin/python benchmarks/bench_training.py [--steps 30] [NAME ...]``
"""
from __future__ import annotations

import argparse
import inspect
import os
import statistics
import time

import torch

import invlab as il
from invlab.recipes import RECIPES

from _timing import table


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("names", nargs="*")
    ap.add_argument("--steps", type=int, default=30)
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    rows = []
    for name in args.names or sorted(RECIPES):
        recipe = RECIPES[name]
        full = inspect.signature(recipe.train).parameters["n_steps"].default
        stamps = []

        def callback(step, model, history):
            stamps.append(time.perf_counter())
            return step >= args.steps + 5        # stop early: the schedule is the full run's

        model = recipe.build()
        recipe.train(model, n_steps=full, progress=False, callback=callback)
        per_step = statistics.median(b - a for a, b in zip(stamps[5:], stamps[6:]))
        e = il.pretrained.info(name) if name in il.pretrained.available() else None
        rows.append([name, full, f"{per_step * 1e3:.0f} ms", f"{per_step * full / 60:.1f} min",
                     f"{e['train_seconds'] / 60:.1f} min" if e else "—"])
    print(f"torch threads: {torch.get_num_threads()}; {args.steps} timed steps per recipe (median)")
    table(["recipe", "steps", "per step", "projected full run", "manifest (recorded)"], rows)


if __name__ == "__main__":
    main()
