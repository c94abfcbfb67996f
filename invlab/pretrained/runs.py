"""Stored runs: slow reconstructions computed once by this project, shipped with checksums.

A deep-image-prior fit takes about a minute on a laptop CPU, too long for a notebook that runs
all of its cells in 90 s or for a slider. So the runs a lecture shows are computed once by
``python -m invlab.pretrained run NAME`` (the code is :data:`RUNS`), and stored under
``data/runs/`` with the PSNR and objective curves and every ``keep_every``-th iterate (8-bit,
the resolution a screen shows), described in ``data/runs/MANIFEST.json`` (sha256, command,
seconds, machine). :func:`stored_run` reads them like the weights: the sha256 first, then
``torch.load(..., weights_only=True)``. A notebook's live flag reruns the same code.

Every run is a dict with at least ``"x_true"``, ``"y"``, ``"x"`` (the final iterate),
``"psnr"``, ``"objective"``, ``"iterates"`` (uint8, ``(K, H, W)``: every 50th, or for the
fitting curves at log-spaced iterations) and ``"x_iter"`` (their iteration numbers); a run of several fits stores them under ``"fits"``, one such dict each.
"""
from __future__ import annotations

import io
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from .._checks import check_choice, check_int, stream_seed

__all__ = ["RUNS", "RUNS_DIR", "stored_run", "make_run", "verify_runs", "runs_available", "to_uint8",
           "from_uint8", "CT_TV_SCANS", "DIP_SIZE", "DIP_IMAGE", "dip_problem", "log_schedule", "SR_TV_LAMS", "SR_TV_ITER"]


def _runs_dir() -> Path:
    env = os.environ.get("INVLAB_RUNS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "data" / "runs"


#: Folder of the stored runs and their manifest (``$INVLAB_RUNS_DIR`` overrides it).
RUNS_DIR = _runs_dir()

#: Image size and test image of lecture 3b's stored runs.
DIP_SIZE, DIP_IMAGE = 128, "camera"


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """Images in [0, 1] as 8-bit (rounded; values outside [0, 1] clipped): how iterates are stored."""
    from ..operators import check_tensor
    check_tensor(x, "x")
    return (x.detach().float().clamp(0, 1) * 255).round().to(torch.uint8)


def from_uint8(x: torch.Tensor) -> torch.Tensor:
    """The inverse of :func:`to_uint8`, to float32 in [0, 1] (to within 1/510)."""
    if not isinstance(x, torch.Tensor) or x.dtype != torch.uint8:
        raise TypeError(f"x must be a torch.uint8 tensor (from to_uint8), got "
                        f"{x.dtype if isinstance(x, torch.Tensor) else type(x).__name__}.")
    return x.float() / 255


@dataclass(frozen=True)
class Run:
    """A stored run: its name, what it shows, and the function that computes it (seeded)."""

    name: str
    description: str
    make: Callable[[bool], dict]


def dip_problem(task: str, image: str = DIP_IMAGE, size: int = DIP_SIZE, seed: int = 0):
    """The measurement of a lecture-3b problem: ``(A, y, x_true)``.

    ``task`` is ``"denoising"`` (:math:`\\sigma = 0.1`, 10 % of the pixels held out for
    validation: ``A`` keeps the other 90 %), ``"inpainting-random"`` (50 % of the pixels
    missing), ``"inpainting-text"``, ``"inpainting-block"``, ``"sr"`` (x4,
    :class:`~invlab.operators.Downsample`), all noise-free except denoising.
    """
    from .. import data, noise
    from .. import operators as op

    task = check_choice(task, "task", DIP_TASKS)
    size = check_int(size, "size", low=8, high=4096)
    x = data.image(image, size=size)
    seed = check_int(seed, "seed", low=0, high=2**31)
    shape = (size, size)
    if task == "denoising":
        y = noise.gaussian(x, DENOISING_SIGMA, seed=stream_seed(seed, 1))
        A = op.Mask.random(shape, fraction_missing=VALIDATION_FRACTION, seed=stream_seed(seed, 2))
        return A, y, x
    if task == "sr":
        A = op.Downsample(shape, 4)
    elif task == "inpainting-random":
        A = op.Mask.random(shape, fraction_missing=0.5, seed=stream_seed(seed, 3))
    elif task == "inpainting-text":
        A = op.Mask.text(shape)
    else:
        A = op.Mask.block(shape)
    return A, A(x), x


DIP_TASKS = ("denoising", "inpainting-random", "inpainting-text", "inpainting-block", "sr")
DENOISING_SIGMA = 0.1
VALIDATION_FRACTION = 0.1
KEEP_EVERY = 50


def log_schedule(n_iter: int, per_decade: int = 8) -> list[int]:
    """Iterations 1, 2, 3, 4, 6, ... spaced evenly on a log scale up to ``n_iter`` (included)."""
    import math
    n_iter = check_int(n_iter, "n_iter", low=1, high=10**7)
    per_decade = check_int(per_decade, "per_decade", low=1, high=1000)
    ks = {min(n_iter, round(10 ** (i / per_decade))) for i in range(int(per_decade * math.log10(n_iter)) + 1)}
    return sorted(ks | {n_iter})


def _fit_record(A, y, x_true, n_iter, keep_every=KEEP_EVERY, val=None, progress=False, keep=None, **kw) -> dict:
    """One seeded :func:`~invlab.solvers.dip` run, as a stored-run dict (``val``: held-out pixels'
    mean squared residual per iteration, for denoising; ``keep``: store the iterates at these
    iterations instead of every ``keep_every``-th)."""
    from ..solvers import dip

    from ..metrics import psnr

    curve, best = [], {}

    kept = {}

    def callback(k, x):
        if keep is not None and k in keep:
            kept[k] = to_uint8(x)
        p = float(psnr(x, x_true))
        if p > best.get("psnr", -float("inf")):
            best.update(psnr=p, iter=k, x=to_uint8(x))
        if val is not None:
            held, y_full = val
            curve.append(float(((x - y_full)[held] ** 2).mean()))
            if curve[-1] < best.get("val", float("inf")):
                best.update(val=curve[-1], val_iter=k, x_val=to_uint8(x))
        return False

    x, h = dip(A, y, n_iter=n_iter, x_true=x_true, keep_every=None if keep is not None else keep_every,
               callback=callback, progress=progress, seed=0, **kw)
    if keep is not None:
        iterates, x_iter = torch.stack([kept[k] for k in sorted(kept)]), sorted(kept)
    else:
        iterates, x_iter = to_uint8(torch.stack(h["x"])), h["x_iter"]
    rec = {"x_true": x_true.to(torch.float16), "y": y.to(torch.float16), "x": to_uint8(x),
           "psnr": h["psnr"], "objective": h["objective"], "iterates": iterates,
           "x_iter": x_iter, "n_iter": n_iter, "x_best": best["x"], "best_iter": best["iter"]}
    if val is not None:
        rec.update(val=curve, x_val_best=best["x_val"], val_best_iter=best["val_iter"])
    return rec


def _fitting(progress=False) -> dict:
    """Lecture 3b, 3.5: fit y = x (A = I) for a photo, its pixels shuffled, and uniform noise."""
    from .. import data
    from .. import operators as op

    x = data.image(DIP_IMAGE, size=DIP_SIZE)
    g = torch.Generator().manual_seed(0)
    shuffled = x.flatten()[torch.randperm(x.numel(), generator=g)].reshape(x.shape)
    noise = torch.rand(x.shape, generator=g)
    A = op.Identity(x.shape)
    fits = {}
    for label, target in (("natural", x), ("shuffled", shuffled), ("noise", noise)):
        fits[label] = _fit_record(A, target, target, n_iter=FIT_ITER, progress=progress, noise_reg=0.0,
                                  keep=set(log_schedule(FIT_ITER)))
    return {"fits": fits, "labels": ["natural", "shuffled", "noise"]}


FIT_ITER = 1200
INPAINT_ITER = 1200
SR_ITER = 1200
DENOISE_ITER = 2000


def _inpainting(progress=False) -> dict:
    """Lecture 3b, 3.6: DIP inpainting with three masks (random 50 %, text, a block)."""
    fits = {}
    for task in ("inpainting-random", "inpainting-text", "inpainting-block"):
        A, y, x = dip_problem(task)
        fits[task] = _fit_record(A, y, x, n_iter=INPAINT_ITER, progress=progress)
        fits[task]["mask"] = A.mask.clone()
    return {"fits": fits, "labels": list(fits)}


def _denoising(progress=False) -> dict:
    """Lecture 3b, 3.6: DIP denoising (sigma = 0.1) with 10 % of the pixels held out for validation."""
    A, y, x = dip_problem("denoising")
    rec = _fit_record(A, y, x, n_iter=DENOISE_ITER, keep_every=KEEP_EVERY, val=(~A.mask, y), progress=progress)
    rec["mask"] = A.mask.clone()
    rec["sigma"] = DENOISING_SIGMA
    return rec


def _sr(progress=False) -> dict:
    """Lecture 3b, 3.6: DIP x4 super-resolution through Downsample (sigma = 2 blur, decimation)."""
    A, y, x = dip_problem("sr")
    rec = _fit_record(A, y, x, n_iter=SR_ITER, progress=progress)
    rec["factor"] = 4
    return rec


#: TV-SR's lambda grid and ADMM iterations in the lecture-3 baselines (best lambda per image: an oracle).
SR_TV_LAMS = tuple(float(v) for v in torch.logspace(-8, -3, 11, dtype=torch.float64))
SR_TV_ITER = 100


def _sr_baselines(progress=False) -> dict:
    """Lecture 3, 3.3: TV-SR and PnP-HQS on the five test images at x2 and x4 (256², noise-free).

    TV-SR runs :func:`~invlab.solvers.admm` on :math:`\\tfrac12\\|Ax - y\\|^2 + \\lambda\\,\\mathrm{TV}(x)`
    for each :math:`\\lambda` of :data:`SR_TV_LAMS` (warm-started along the grid, :data:`SR_TV_ITER`
    iterations each) and keeps the best PSNR per image (an oracle); PnP-HQS uses the shipped denoiser
    with lecture 2's super-resolution settings. Stored: the outputs (8-bit) and, computed before
    rounding, PSNR and SSIM with the :data:`~invlab.recipes.SR_BORDER`-pixel border cropped, keyed
    ``"TV-SR@x2"`` etc., and TV's best lambda per image.
    """
    from tqdm.auto import tqdm

    from . import load
    from .. import data, solvers
    from ..metrics import psnr, ssim
    from ..recipes import PNP_SETTINGS, SR_BORDER, SR_FACTORS, sr_test_set
    from ..regularisers import TV

    b = SR_BORDER
    crop = lambda v: v[..., b:v.shape[-2] - b, b:v.shape[-1] - b]  # noqa: E731
    den = load("denoiser")
    out = {"factors": list(SR_FACTORS), "images": list(data.TEST_IMAGES), "lams": list(SR_TV_LAMS), "x": {},
           "psnr": {}, "ssim": {}, "best_lam": {}}
    bar = tqdm(total=2 * len(SR_FACTORS) * len(data.TEST_IMAGES), desc="SR baselines", disable=not progress)
    for f in SR_FACTORS:
        A, x, y = sr_test_set(f)
        tv_x, pnp_x, lams = [], [], []
        for i in range(len(x)):
            best, xi = (-float("inf"), None, None), None
            for lam in SR_TV_LAMS:
                xi, _ = solvers.admm(A, y[i], TV(boundary="circular"), lam, n_iter=SR_TV_ITER, x0=xi)
                p = float(psnr(crop(xi.clamp(0, 1)), crop(x[i])))
                if p > best[0]:
                    best = (p, lam, xi.clamp(0, 1))
            tv_x.append(best[2])
            lams.append(best[1])
            bar.update()
            xp, _ = solvers.pnp(A, y[i], den, method="hqs", **PNP_SETTINGS["super-resolution"]["hqs"])
            pnp_x.append(xp.clamp(0, 1))
            bar.update()
        for method, xs in (("TV-SR", tv_x), ("PnP-HQS", pnp_x)):
            key = f"{method}@x{f}"
            xs = torch.stack(xs)
            out["x"][key] = to_uint8(xs)
            out["psnr"][key] = [round(float(v), 4) for v in psnr(crop(xs), crop(x))]
            out["ssim"][key] = [round(float(v), 5) for v in ssim(crop(xs), crop(x))]
        out["best_lam"][f"x{f}"] = lams
    bar.close()
    return out


#: The scans of the stored CT baseline: ``name -> (views, angular range in degrees)``.
CT_TV_SCANS = {"sparse": (30, 180.0), "limited": (30, 120.0)}


def _ct_tv(progress=False) -> dict:
    r"""Lecture 4 (CT): TV at its best λ per image on every held-out set, sparse view and limited angle.

    :func:`~invlab.recipes.ct_tv_best` (PDHG, isotropic TV, :data:`~invlab.recipes.CT_TV_LAMS`,
    :data:`~invlab.recipes.CT_TV_ITER` iterations per λ, each from the FBP) on the sets of
    :func:`~invlab.recipes.ct_test_set` for each scan of :data:`CT_TV_SCANS`. Stored under
    ``"sparse/ellipses"`` etc.: ``"x"`` (8-bit), ``"psnr"`` and ``"ssim"`` (per image, computed before
    rounding), ``"lam"`` (chosen per image) and ``"curve"`` (PSNR for every λ); ``"lams"`` is the grid.
    """
    from tqdm.auto import tqdm

    from ..metrics import ssim
    from ..recipes import CT_TEST_SETS, CT_TV_ITER, CT_TV_LAMS, ct_test_set, ct_tv_best

    sets = {(scan, kind): ct_test_set(kind, views, rng) for scan, (views, rng) in CT_TV_SCANS.items()
            for kind in CT_TEST_SETS}
    out = {"lams": list(CT_TV_LAMS), "n_iter": CT_TV_ITER, "scans": dict(CT_TV_SCANS), "sets": list(CT_TEST_SETS)}
    bar = tqdm(total=sum(len(x) for _, x, _ in sets.values()), desc="CT TV baseline", disable=not progress)
    for (scan, kind), (A, x, y) in sets.items():
        r = ct_tv_best(A, y, x, progress=bar)
        out[f"{scan}/{kind}"] = {"x": to_uint8(r["x"]), "psnr": [round(v, 4) for v in r["psnr"]],
                                 "ssim": [round(float(ssim(a, b)), 5) for a, b in zip(r["x"], x)],
                                 "lam": r["lam"], "curve": r["curve"].float()}
    bar.close()
    return out


def _mr_cs(progress=False) -> dict:
    r"""Lecture 4 (MR): compressed sensing (TV and wavelet) at its best λ per image, 6x and 11x.

    :func:`~invlab.recipes.mr_cs_best` (:data:`~invlab.recipes.MR_CS_LAMS`,
    :data:`~invlab.recipes.MR_CS_ITER` iterations per λ) on every set of
    :func:`~invlab.recipes.mr_test_set` (random masks) at each of
    :data:`~invlab.recipes.MR_ACCELERATIONS`. Stored under ``"6/person/tv"`` etc.: ``"x"`` (the
    magnitude :math:`|\hat x|`, 8-bit), ``"psnr"`` and ``"ssim"`` (per image, of the magnitude,
    before rounding), ``"lam"`` (chosen per image) and ``"curve"`` (PSNR for every λ); ``"lams"``
    is the grid.
    """
    from tqdm.auto import tqdm

    from ..metrics import ssim
    from ..recipes import (MR_ACCELERATIONS, MR_CS_ITER, MR_CS_KINDS, MR_CS_LAMS, MR_TEST_SETS, mr_cs_best,
                           mr_test_set)

    sets = {(acc, kind): mr_test_set(kind, acc) for acc in MR_ACCELERATIONS for kind in MR_TEST_SETS}
    out = {"lams": list(MR_CS_LAMS), "n_iter": MR_CS_ITER, "accelerations": list(MR_ACCELERATIONS),
           "sets": list(MR_TEST_SETS), "kinds": list(MR_CS_KINDS)}
    bar = tqdm(total=len(MR_CS_KINDS) * sum(len(x) for x, _, _ in sets.values()), desc="MR CS baselines",
               disable=not progress)
    for (acc, kind), (x, masks, y) in sets.items():
        for cs in MR_CS_KINDS:
            r = mr_cs_best(masks, y, x, cs, progress=bar)
            mag = r["x"].abs().clamp(0, 1)
            out[f"{acc}/{kind}/{cs}"] = {"x": to_uint8(mag), "psnr": [round(v, 4) for v in r["psnr"]],
                                         "ssim": [round(float(ssim(a, b.abs())), 5) for a, b in zip(mag, x)],
                                         "lam": r["lam"], "curve": r["curve"].float()}
    bar.close()
    return out


#: Every stored run by name. Lecture 2's two runs (``denoise_tv``, ``csgm_sweep``) use the analysis layer,
#: so :mod:`invlab.widgets.lecture2` registers them here when it is imported (``import invlab`` does).
RUNS: dict[str, Run] = {r.name: r for r in (
    Run("dip_fitting", "DIP fits a photo, its shuffled pixels and noise (lecture 3b, 3.5)", _fitting),
    Run("dip_inpainting", "DIP inpainting with three masks (lecture 3b, 3.6)", _inpainting),
    Run("dip_denoising", "DIP denoising with held-out validation pixels (lecture 3b, 3.6)", _denoising),
    Run("dip_sr", "DIP x4 super-resolution (lecture 3b, 3.6)", _sr),
    Run("sr_baselines", "TV-SR (best lambda per image) and PnP-HQS at x2 and x4 on the test images (lecture 3, 3.3)",
        _sr_baselines),
    Run("ct_tv", "TV (best lambda per image) on the held-out CT sets, sparse view and limited angle (lecture 4)",
        _ct_tv),
    Run("mr_cs", "CS-TV and CS-wavelet (best lambda per image) on the held-out MR sets at 6x and 11x (lecture 4)",
        _mr_cs),
)}


def _manifest(missing_ok: bool = False) -> dict:
    path = _runs_dir() / "MANIFEST.json"
    if not path.is_file():
        if missing_ok:
            return {}
        raise FileNotFoundError(f"the stored runs' manifest {path} is missing; restore it from git or make the runs "
                                f"again: `python -m invlab.pretrained run all`.")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        from . import ManifestError
        raise ManifestError(f"{path} is not valid JSON ({e}); restore it from git.") from None


def runs_available() -> list[str]:
    """Names of the stored runs in the manifest."""
    return sorted(_manifest(missing_ok=True))


def _check_run_name(name) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}.")
    if name not in RUNS:
        raise ValueError(f"name: unknown stored run {name!r}; known: {', '.join(RUNS)}.")
    return name


def stored_run(name: str) -> dict:
    """The stored run ``name`` (see the module docstring for its keys), checksum-checked.

    Raises
    ------
    ValueError
        Unknown ``name``.
    FileNotFoundError
        The file or the manifest is missing (the message says how to make it).
    WeightsChecksumError
        The file's sha256 differs from the manifest's.
    """
    from . import _read_checked

    _check_run_name(name)
    entry = _manifest().get(name)
    if entry is None:
        raise FileNotFoundError(f"stored run {name!r} is not in {_runs_dir() / 'MANIFEST.json'}; make it: "
                                f"`python -m invlab.pretrained run {name}`.")
    return _read_checked(name, entry["file"], entry["sha256"], entry, what="stored run", folder=_runs_dir())


def make_run(name: str, folder=None, progress: bool = True) -> dict:
    """Compute the run ``name`` and write it (and its manifest entry) to ``folder`` (default ``data/runs``).

    Returns the manifest entry.
    """
    from . import _sha256

    _check_run_name(name)
    folder = Path(folder) if folder is not None else _runs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    result = RUNS[name].make(progress)
    seconds = time.perf_counter() - t0
    buf = io.BytesIO()
    torch.save(result, buf)
    blob = buf.getvalue()
    entry = {"file": f"{name}.pt", "sha256": _sha256(blob), "bytes": len(blob), "description": RUNS[name].description,
             "command": f"python -m invlab.pretrained run {name}", "seconds": round(seconds, 1),
             "threads": torch.get_num_threads(), "torch": torch.__version__,
             "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    path = folder / "MANIFEST.json"
    manifest = json.loads(path.read_text()) if path.is_file() else {}
    manifest[name] = entry
    (folder / entry["file"]).write_bytes(blob)
    path.write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n")
    return entry


def verify_runs() -> list[dict]:
    """Checksum and reload every stored run: rows ``{"name", "ok", "error"}``."""
    rows = []
    for name in runs_available():
        try:
            stored_run(name)
            rows.append({"name": name, "ok": True, "error": None})
        except (OSError, ValueError, RuntimeError) as e:
            rows.append({"name": name, "ok": False, "error": str(e)})
    return rows
