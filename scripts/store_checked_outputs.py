"""Execute lecture notebooks and keep only the outputs that nbval checks.

Notebooks are committed without outputs, except cells marked ``# NBVAL_CHECK_OUTPUT``:
those keep the (rounded) numbers they print, and ``pytest --nbval-lax`` compares them on
every run. Run after editing a notebook:

    .venv/bin/python scripts/store_checked_outputs.py lectures/00_welcome.ipynb [...]
"""
import sys
import time

import nbformat
from nbclient import NotebookClient


def process(path: str) -> None:
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": "lectures"}}).execute()
    elapsed = time.perf_counter() - t0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if "NBVAL_CHECK_OUTPUT" in cell.source:
            # nbval compares these: keep printed text and the value of the last expression
            # (an execution count must stay, or nbval reports "unrun reference cell")
            kept = []
            for o in cell.outputs:
                if o.get("output_type") == "stream" and o.get("name") == "stdout":
                    if kept and kept[-1].get("output_type") == "stream":  # one block, however the kernel flushed it
                        kept[-1]["text"] += o["text"]
                    else:
                        kept.append(o)
                elif o.get("output_type") == "execute_result":
                    o["data"] = {"text/plain": o["data"]["text/plain"]}
                    kept.append(o)
            cell.outputs = kept
        else:
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    print(f"{path}: executed in {elapsed:.1f} s, checked outputs stored")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        process(p)
