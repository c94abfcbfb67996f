"""Shipped network weights: list, verify, load and retrain them (``invlab.pretrained``).

Weights are data: every file under ``data/weights/`` was made by this project's own recipe
(:mod:`invlab.recipes`) and is described in ``data/weights/MANIFEST.json`` — its sha256, the
network class and constructor arguments, parameter count, training command, seed, training
data, wall time and the held-out metrics it reached. :func:`load` checks the sha256 *before*
``torch.load(..., weights_only=True)``, so a corrupted, truncated or foreign file never
reaches the unpickler. Nothing is ever downloaded.

Command line::

    python -m invlab.pretrained list            # names, sizes, headline metric
    python -m invlab.pretrained verify          # sha256 + reload + held-out metric vs manifest
    python -m invlab.pretrained train NAME      # retrain from scratch, write the file and manifest
    python -m invlab.pretrained run NAME|all    # compute a stored run again (lecture 3b's DIP fits)

Stored runs (:mod:`invlab.pretrained.runs`) are slow reconstructions shipped like the weights:
:func:`stored_run` loads one, checksum-checked.

A recipe may train more than one network (a GAN's generator *and* its discriminator): the
others are shipped as *companions*, with their own manifest entries (``"companion_of"``), and
load like any other. A recipe may also keep a *training record* (losses per step, samples
every few hundred steps) so a notebook can scrub training without retraining:
:func:`training_record` loads it, checksum-checked like the weights.

Weights are stored in float16 (half the size) and computed in float32.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import time
from pathlib import Path

import torch

__all__ = ["available", "load", "info", "verify", "train", "training_record", "WEIGHTS_DIR", "WeightsChecksumError",
           "ManifestError", "stored_run"]


def _weights_dir() -> Path:
    env = os.environ.get("INVLAB_WEIGHTS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "data" / "weights"


#: Folder of the shipped weights and their manifest (``$INVLAB_WEIGHTS_DIR`` overrides it).
WEIGHTS_DIR = _weights_dir()


class WeightsChecksumError(RuntimeError):
    """A weights file does not have the sha256 recorded in the manifest."""


class ManifestError(ValueError):
    """The weights folder's ``MANIFEST.json`` is missing or malformed (the message names the file)."""


_ENTRY_KEYS = ("file", "sha256", "class", "kwargs")


def _manifest(folder: Path | None = None, missing_ok: bool = False) -> dict:
    """The manifest ``{name: entry}``, each entry checked for the keys :func:`load` needs.

    Raises :class:`ManifestError` naming ``MANIFEST.json`` for a missing file (unless
    ``missing_ok``: :func:`train` starts a new folder), invalid JSON, a manifest that is not an
    object of objects, or an entry without its file, sha256, class or constructor arguments.
    """
    path = (folder or _weights_dir()) / "MANIFEST.json"
    if not path.is_file():
        if missing_ok:
            return {}
        raise ManifestError(f"no manifest: {path} does not exist (restore data/weights/ from git, or point "
                            "INVLAB_WEIGHTS_DIR at a folder made by `python -m invlab.pretrained train NAME --out`).")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ManifestError(f"{path} is not valid JSON ({err}); restore it from git.") from None
    if not isinstance(manifest, dict):
        raise ManifestError(f"{path} must hold a JSON object {{name: entry}}, got a {type(manifest).__name__}.")
    for name, entry in manifest.items():
        if not isinstance(entry, dict):
            raise ManifestError(f"{path}: the entry {name!r} must be an object, got {type(entry).__name__}.")
        missing = [k for k in _ENTRY_KEYS if k not in entry]
        if missing:
            raise ManifestError(f"{path}: the entry {name!r} has no {', '.join(missing)} (each entry needs "
                                f"{', '.join(_ENTRY_KEYS)}).")
        if not isinstance(entry["kwargs"], dict):
            raise ManifestError(f"{path}: the entry {name!r} has kwargs {entry['kwargs']!r}; they must be an object.")
    return manifest


def available() -> list[str]:
    """Names of the shipped networks (those in the manifest), sorted."""
    return sorted(_manifest())


def _check_name(name) -> dict:
    entries = _manifest()
    if not isinstance(name, str) or name not in entries:
        from ..recipes import RECIPES

        hint = (f" It has a recipe: make it with `python -m invlab.pretrained train {name}`."
                if isinstance(name, str) and name in RECIPES else "")
        raise ValueError(f"name must be a shipped network, got {name!r}; available: "
                         f"{', '.join(sorted(entries)) or 'none'}." + hint)
    return entries[name]


def info(name: str) -> dict:
    """The manifest entry of ``name``: file, sha256, class, arguments, metrics, training command, seed, time."""
    return dict(_check_name(name))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _build(entry: dict) -> torch.nn.Module:
    from .. import nets

    cls = getattr(nets, str(entry["class"]), None)
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
        raise ManifestError(f"{_weights_dir() / 'MANIFEST.json'} names the class {entry['class']!r}, which is not a "
                            f"network in invlab.nets ({', '.join(nets.__all__)}).")
    return cls(**entry["kwargs"])


def _check_device(device) -> torch.device:
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device must be a torch device such as 'cpu' or 'cuda', got {device!r}.") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asks for CUDA, which this machine does not have; use 'cpu'.")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'mps', got {device!r}.")
    return dev


def load(name: str, device="cpu") -> torch.nn.Module:
    """The shipped network ``name``, in eval mode, float32, on ``device`` (CPU by default).

    Raises
    ------
    ValueError
        Unknown ``name`` (the message lists the available ones).
    FileNotFoundError
        The weights file is missing (the message says how to retrain it).
    WeightsChecksumError
        The file's sha256 differs from the manifest's (corrupted, truncated or replaced):
        the message names the file and both hashes.
    """
    device = _check_device(device)
    entry = _check_name(name)
    state = _read_checked(name, entry["file"], entry["sha256"], entry)
    model = _build(entry)
    model.load_state_dict({k: v.float() for k, v in state.items()})
    return model.to(device).eval()


def _read_checked(name: str, file: str, sha256: str, entry: dict, what: str = "weights file", folder=None):
    """``torch.load`` (weights only) of ``file`` in ``folder`` (default: the weights folder), after
    checking its sha256; ``entry`` (a manifest entry) gives the command that remakes it."""
    path = (_weights_dir() if folder is None else Path(folder)) / file
    if not path.is_file():
        minutes = entry.get("train_seconds", entry.get("seconds", 0)) / 60
        raise FileNotFoundError(f"{what} {path} for {name!r} is missing. Restore it from git, or "
                                f"make it again (~{minutes:.0f} min): `{entry['command']}`.")
    raw = path.read_bytes()
    digest = _sha256(raw)
    if digest != sha256:
        raise WeightsChecksumError(f"{what} {path} has sha256 {digest}, but the manifest records "
                                   f"{sha256}: the file is corrupted, truncated or not the shipped "
                                   f"one. Restore it from git or retrain: `{entry['command']}`.")
    return torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)


def training_record(name: str) -> dict:
    """The training record shipped with ``name`` (e.g. a GAN's losses and samples over training).

    A dict of tensors and lists written by the recipe (see :mod:`invlab.recipes`), loaded
    without unpickling code after its sha256 is checked against the manifest.

    Raises
    ------
    ValueError
        Unknown ``name``, or ``name`` has no training record.
    """
    entry = _check_name(name)
    rec = entry.get("record")
    if rec is None:
        raise ValueError(f"{name!r} has no training record; networks with one: "
                         f"{', '.join(n for n, e in _manifest().items() if 'record' in e) or 'none'}.")
    return _read_checked(name, rec["file"], rec["sha256"], entry, what="training record")


def _serialise(model: torch.nn.Module) -> bytes:
    buf = io.BytesIO()
    state = {k: (v.detach().to("cpu", torch.float16) if v.is_floating_point() else v.detach().cpu())
             for k, v in model.state_dict().items()}
    torch.save(state, buf)
    return buf.getvalue()


def _kwargs_of(model) -> dict:
    """Constructor arguments of a shipped net, from its ``config()`` (needed to rebuild it on load)."""
    if not callable(getattr(model, "config", None)):
        raise TypeError(f"{type(model).__name__} has no config() returning its constructor arguments; "
                        "a shipped network needs one so that load() can rebuild it.")
    return model.config()


def _reloaded(model: torch.nn.Module, raw: bytes) -> torch.nn.Module:
    """A fresh copy of ``model`` built from its config and the (float16) bytes as shipped, in eval mode."""
    copy = _build({"class": type(model).__name__, "kwargs": _kwargs_of(model)})
    copy.load_state_dict({k: v.float() for k, v in torch.load(io.BytesIO(raw), weights_only=True).items()})
    return copy.eval()


def train(name: str, n_steps: int | None = None, folder: Path | None = None, progress: bool = True) -> dict:
    """Retrain ``name`` from scratch with its recipe, write its weights and manifest entry.

    Returns the new manifest entry. ``n_steps`` overrides the recipe's (for a quick check).
    Companion networks and the training record the recipe returns are written too, each with
    its sha256 in the manifest.
    """
    from ..recipes import RECIPES

    if name not in RECIPES:
        raise ValueError(f"no recipe named {name!r}; recipes: {', '.join(sorted(RECIPES))}.")
    recipe = RECIPES[name]
    folder = Path(folder) if folder is not None else _weights_dir()
    model = recipe.build()
    if recipe.base is not None:      # a fine-tune starts from a shipped network's weights
        model.load_state_dict(load(recipe.base).state_dict())
        model.train()
    t0 = time.perf_counter()
    kw = {} if n_steps is None else {"n_steps": n_steps}
    if recipe.uses:
        kw["uses"] = {n: load(n) for n in recipe.uses}
    history = recipe.train(model, progress=progress, **kw)
    seconds = time.perf_counter() - t0
    companions = history.pop("companions", {})
    record = history.pop("record", None)
    raw = _serialise(model)
    model = _reloaded(model, raw)
    metrics = recipe.evaluate(model)
    common = {"command": f"python -m invlab.pretrained train {name}", "seed": 0,
              **({"fine_tuned_from": recipe.base} if recipe.base else {}),
              "steps": len(history["step"]), "train_seconds": round(seconds, 1),
              "threads": torch.get_num_threads(), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "torch": torch.__version__, "data": recipe.data}
    entry = {
        "file": f"{name}.pt", "sha256": _sha256(raw), "bytes": len(raw), "class": type(model).__name__,
        "kwargs": _kwargs_of(model), "parameters": sum(p.numel() for p in model.parameters()),
        "description": recipe.description, **common, "metric": recipe.metric, "metrics": metrics,
        "final_train_loss": history["loss"][-1] if history.get("loss") else None,
    }
    folder.mkdir(parents=True, exist_ok=True)
    files = {entry["file"]: raw}
    if record is not None:
        buf = io.BytesIO()
        torch.save(record, buf)
        rec = buf.getvalue()
        entry["record"] = {"file": f"{name}.record.pt", "sha256": _sha256(rec), "bytes": len(rec),
                           "keys": sorted(record)}
        files[entry["record"]["file"]] = rec
    manifest = _manifest(folder, missing_ok=True)
    manifest[name] = entry
    for cname, (cmodel, description) in companions.items():
        craw = _serialise(cmodel)
        files[f"{cname}.pt"] = craw
        manifest[cname] = {
            "file": f"{cname}.pt", "sha256": _sha256(craw), "bytes": len(craw), "class": type(cmodel).__name__,
            "kwargs": _kwargs_of(cmodel), "parameters": sum(p.numel() for p in cmodel.parameters()),
            "description": description, **common, "companion_of": name, "metric": None, "metrics": {}}
    for file, blob in files.items():
        (folder / file).write_bytes(blob)
    (folder / "MANIFEST.json").write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n")
    return entry


def verify(names=None, evaluate: bool = True) -> list[dict]:
    """Check shipped files: sha256, load, and (``evaluate=True``) the held-out metric again.

    ``names`` is one name, a list of names, or ``None`` for every shipped network.

    Returns one row per network: ``name``, ``ok``, ``metric``, ``manifest`` (recorded),
    ``measured`` and ``diff`` (dB or the metric's unit).
    """
    from ..recipes import RECIPES

    if isinstance(names, str):
        names = [names]
    elif names is not None:
        if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
            raise TypeError(f"names must be a name, a list of names or None (all), got {names!r}.")
    if names is not None:
        unknown = [n for n in names if n not in available()]
        if unknown:
            raise ValueError(f"names: unknown pretrained network(s) {unknown}; available: {', '.join(available())}.")
    rows = []
    for name in names or available():
        entry = info(name)
        model = load(name)
        if "record" in entry:
            training_record(name)
        if entry.get("companion_of"):        # trained by another recipe: checksum and reload only
            rows.append({"name": name, "metric": None, "manifest": None, "ok": True})
            continue
        row = {"name": name, "metric": entry["metric"], "manifest": entry["metrics"][entry["metric"]]}
        if evaluate:
            measured = RECIPES[name].evaluate(model)[entry["metric"]]
            row.update(measured=measured, diff=round(measured - row["manifest"], 4),
                       ok=abs(measured - row["manifest"]) <= 0.1)
        else:
            row["ok"] = True
        rows.append(row)
    return rows


def _main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m invlab.pretrained", description="Shipped network weights.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="list the shipped networks")
    v = sub.add_parser("verify", help="check checksums and re-measure the held-out metric")
    v.add_argument("names", nargs="*")
    r = sub.add_parser("run", help="compute a stored run again (writes data/runs/): a name, or all")
    r.add_argument("name")
    r.add_argument("--out", type=Path, default=None, help="write the run and a manifest here instead of data/runs/")
    t = sub.add_parser("train", help="retrain a network from scratch (writes data/weights/)")
    t.add_argument("name")
    t.add_argument("--steps", type=int, default=None, help="override the recipe's number of steps")
    t.add_argument("--out", type=Path, default=None,
                   help="write the weights and a manifest here instead of data/weights/")
    args = ap.parse_args(argv)
    if args.cmd == "list":
        for name in available():
            e = info(name)
            score = (f"{e['metric']} = {e['metrics'][e['metric']]}" if e.get("metric")
                     else f"trained with {e.get('companion_of')}")
            print(f"{name:20s} {e['class']:18s} {e['parameters']:>9,d} params  {e['bytes'] / 1e6:6.2f} MB  "
                  f"{score}  (trained {e['train_seconds'] / 60:.1f} min)")
        from .runs import _manifest as runs_manifest
        for name, e in runs_manifest(missing_ok=True).items():
            print(f"{name:20s} {'stored run':18s} {'':>16s}  {e['bytes'] / 1e6:6.2f} MB  {e['description']}  "
                  f"(computed in {e['seconds'] / 60:.1f} min)")
        return 0
    if args.cmd == "run":
        from .runs import RUNS, make_run
        if "INVLAB_NUM_THREADS" not in os.environ:
            torch.set_num_threads(os.cpu_count() or 1)
        names = list(RUNS) if args.name == "all" else [args.name]
        for name in names:
            e = make_run(name, folder=args.out)
            print(f"{name}: {e['bytes'] / 1e6:.2f} MB in {e['seconds']:.0f} s on {e['threads']} threads")
        return 0
    if args.cmd == "verify":
        bad = 0
        for row in verify(args.names or None):
            if row["metric"] is None:
                print(f"{row['name']:20s} checksum and reload ok (a companion: no metric of its own)")
            else:
                print(f"{row['name']:20s} {row['metric']}: manifest {row['manifest']}, measured "
                      f"{row.get('measured')}  ({'ok' if row['ok'] else 'MISMATCH'})")
            bad += not row["ok"]
        if not args.names:
            from .runs import verify_runs
            for row in verify_runs():
                print(f"{row['name']:20s} stored run: {'checksum and reload ok' if row['ok'] else row['error']}")
                bad += not row["ok"]
        return 1 if bad else 0
    if "INVLAB_NUM_THREADS" not in os.environ:  # training: use every core (a laptop has no browser to share with)
        torch.set_num_threads(os.cpu_count() or 1)
    old = _manifest(missing_ok=True).get(args.name)
    entry = train(args.name, n_steps=args.steps, folder=args.out)
    m = entry["metric"]
    print(f"{args.name}: {m} = {entry['metrics'][m]} (manifest before: "
          f"{old['metrics'][m] if old else 'none'}), {entry['train_seconds'] / 60:.1f} min on "
          f"{entry['threads']} threads, {entry['parameters']:,} parameters, {entry['bytes'] / 1e6:.2f} MB")
    return 0


def stored_run(name: str) -> dict:
    """The stored run ``name`` (:func:`invlab.pretrained.runs.stored_run`), checksum-checked."""
    from .runs import stored_run as _stored_run
    return _stored_run(name)
