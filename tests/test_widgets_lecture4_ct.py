"""Lecture 4a's panels (CT), with every control moved across its range, and the stored TV baseline."""
import pytest
import torch

import invlab as il
from invlab import recipes
from invlab.pretrained import runs as R
from invlab.widgets import lecture4_ct as L


@pytest.fixture(scope="module")
def nets():
    return {"FBP + U-Net": il.pretrained.load("ct_unet"), "unrolled": il.pretrained.load("ct_unrolled")}


@pytest.fixture(scope="module")
def tv_run():
    return il.pretrained.stored_run("ct_tv")


def _fbp_psnr(views, rng=180, noise=recipes.CT_NOISE, filt="ramp", image="Shepp-Logan"):
    x = L.phantom(image)
    A = recipes.ct_operator(views, rng)
    return float(il.metrics.psnr(A.fbp(recipes.ct_measure(A, x, noise, seed=0), filt).clamp(0, 1), x))


def test_sinogram_panel_sweeps_every_control():
    panel = L.SinogramPanel()
    assert panel.sinogram.shape == (recipes.CT_VIEWS, recipes.CT_SIZE)
    psnr = {}
    for v in (panel.views.min, 30, panel.views.max):
        panel.views.value = v
        assert panel.sinogram.shape == (v, recipes.CT_SIZE)
        assert f"{v} views over 0-180°" in panel.row.captions[1].value
        psnr[v] = panel.psnr
    assert psnr[4] < psnr[30] < psnr[180]                       # more views, better FBP
    assert "no visible streaks" in panel.info.value              # 180 views: close to full sampling (π/2·128)
    panel.views.value = 30
    assert "Sparse view" in panel.info.value and "Limited angle" not in panel.info.value
    for rng in (panel.range.max, 120, panel.range.min):
        panel.range.value = rng
        assert f"0-{rng}°" in panel.row.captions[1].value
    assert "Limited angle" in panel.info.value and "150°" in panel.info.value
    assert panel.psnr < psnr[30]                                 # the missing wedge costs
    panel.range.value = 180
    for image in L.PHANTOMS:
        panel.image.value = image
        assert image in panel.row.captions[0].value
        assert panel.psnr == pytest.approx(_fbp_psnr(30, image=image), abs=1e-9)
    panel.image.value = "Shepp-Logan"
    for s in (panel.noise.min, panel.noise.max):
        panel.noise.value = s
        for f in L.FILTER_CHOICES:
            panel.filter.value = f
            if f == "none":
                assert panel.psnr is None and "back-projection" in panel.row.captions[2].value
                assert "1/r" in panel.info.value
            else:
                assert panel.psnr == pytest.approx(_fbp_psnr(30, noise=s, filt=f), abs=1e-9)
                assert f"{f} filter" in panel.row.captions[2].value


def test_sinogram_panel_noise_and_filters_behave_as_the_prose_says():
    """The notebook's claims: without noise the ramp is best, at 5 % noise a windowed filter is."""
    clean = {f: _fbp_psnr(180, noise=0.0, filt=f) for f in ("ramp", "shepp-logan", "cosine", "hann")}
    noisy = {f: _fbp_psnr(180, noise=0.05, filt=f) for f in clean}
    assert max(clean, key=clean.get) == "ramp"
    assert max(noisy, key=noisy.get) != "ramp"
    assert list(clean.values()) == sorted(clean.values(), reverse=True)   # wider window, less resolution


def test_unfiltered_back_projection_is_the_scaled_adjoint():
    panel = L.SinogramPanel(filter="none", noise=0.0, views=20)
    A = recipes.ct_operator(20)
    assert torch.allclose(panel.reconstruction, (torch.pi / 20) * A.T(A(L.phantom("Shepp-Logan"))), atol=1e-5)


def test_ct_tv_best_picks_the_best_lambda_of_its_curve():
    A = recipes.ct_operator(12, size=128)
    x = L.phantom("Shepp-Logan")[None]
    y = recipes.ct_measure(A, x, seed=0)
    lams = (0.1, 1.0, 10.0)
    r = recipes.ct_tv_best(A, y, x, lams, n_iter=20)
    assert r["curve"].shape == (1, 3)
    best = int(r["curve"][0].argmax())
    assert r["lam"][0] == lams[best] and r["psnr"][0] == pytest.approx(float(r["curve"][0, best]))
    assert float(il.metrics.psnr(r["x"][0], x[0])) == pytest.approx(r["psnr"][0], abs=1e-6)
    assert 0 <= float(r["x"].min()) and float(r["x"].max()) <= 1


def test_stored_tv_run_reproduces_one_image(tv_run):
    """Recompute the real slice's TV at its stored λ: the same image to 8-bit precision, the same PSNR."""
    assert set(tv_run["scans"]) == set(R.CT_TV_SCANS)
    entry = tv_run["sparse/real"]
    A, x, y = recipes.ct_test_set("real")
    r = recipes.ct_tv_best(A, y, x, [entry["lam"][0]])
    assert (R.from_uint8(entry["x"]) - r["x"]).abs().max() <= 1 / 255 + 1e-3
    assert r["psnr"][0] == pytest.approx(entry["psnr"][0], abs=0.02)
    assert entry["lam"][0] == tv_run["lams"][int(entry["curve"][0].argmax())]
    for key in [f"{s}/{k}" for s in R.CT_TV_SCANS for k in recipes.CT_TEST_SETS]:
        n = 20 if key.endswith("ellipses") else 1
        assert tv_run[key]["x"].shape == (n, 128, 128) and len(tv_run[key]["psnr"]) == n


def test_methods_panel_sweeps_scan_set_and_image(nets, tv_run):
    panel = L.CTMethodsPanel(nets, tv_run)
    assert panel.index.max == 19 and not panel.index.disabled
    for scan in ("sparse", "limited"):
        panel.scan.value = scan
        for kind in recipes.CT_TEST_SETS:
            panel.set.value = kind
            assert panel.index.disabled == (kind != "ellipses")
            stored = tv_run[f"{scan}/{kind}"]["psnr"]
            for i in ((0, 19) if kind == "ellipses" else (0,)):
                panel.index.value = i
                # the TV picture is the stored run's: its PSNR after 8-bit rounding is within 0.1 dB
                assert panel.scores["TV (best λ)"] == pytest.approx(stored[i], abs=0.1)
                assert set(panel.scores) == {"FBP", "TV (best λ)"} | set(nets)
                assert "ground truth" in panel.row.captions[-1].value
            assert L.SCAN_LABELS[scan] in panel.info.value
    panel.set.value = "ellipses"
    assert panel.index.max == 19 and not panel.index.disabled


def test_ct_table_matches_the_recipe_scores(nets, tv_run):
    res = L.ct_table(nets, tv_run, "sparse", timing=False)
    ref = recipes.ct_scores(nets["unrolled"])
    for kind in recipes.CT_TEST_SETS:
        assert res["psnr"]["unrolled"][kind] == pytest.approx(ref[f"psnr_{kind}"], abs=2e-3)
        assert res["psnr"]["TV (best λ)"][kind] == pytest.approx(
            sum(tv_run[f"sparse/{kind}"]["psnr"]) / len(tv_run[f"sparse/{kind}"]["psnr"]))
    assert res["params"]["unrolled"] == sum(p.numel() for p in nets["unrolled"].parameters())
    html = L.table_html(res)
    assert html.count("<tr>") == 1 + 4 and html.count("<b>") == 3      # one best value per set


def test_ct_table_of_an_fbp_network_equals_the_fbp_row(tv_run):
    res = L.ct_table({"just FBP": lambda y, A: A.fbp(y)}, tv_run, "limited", timing=True)
    for kind in recipes.CT_TEST_SETS:
        assert res["psnr"]["just FBP"][kind] == pytest.approx(res["psnr"]["FBP"][kind], abs=1e-9)
    assert res["ms"]["FBP"] > 0 and res["ms"]["TV (best λ)"] is None


def test_views_panel_sweeps_every_view_count(nets):
    panel = L.ViewsPanel(nets)
    seen = []
    for image in L.PHANTOMS:
        panel.image.value = image
        for v in panel.views.options:
            panel.views.value = v
            assert f"{v} views" in panel.row.captions[0].value
            assert panel.marker.get_xdata()[0] == v
            seen.append(panel.psnr)
        fbp = [panel.compute(image)["psnr"][v]["FBP"] for v in L.TEST_VIEWS]
        assert fbp[0] < fbp[4] < fbp[-1]                                  # 10 < 30 < 120 views
    held = panel.compute("held-out ellipses")["psnr"][30]
    assert min(held["FBP + U-Net"], held["unrolled"]) > held["FBP"] + 5  # what they were trained for


def test_unrolled_panel_sweeps_blocks_and_objects(nets):
    net = nets["unrolled"]
    panel = L.UnrolledPanel(net)
    for image in L.PHANTOMS:
        panel.image.value = image
        for k in range(panel.block.min, panel.block.max + 1):
            panel.block.value = k
            assert ("FBP (x_0)" if k == 0 else f"iterate x_{k}") in panel.row.captions[0].value
            assert panel.mark.get_xdata()[0] == k
        r = panel.compute(image)
        assert r["psnr"][0] == pytest.approx(r["plain"][0])             # both start at the FBP
    A = recipes.ct_operator()
    x = L.phantom("held-out ellipses")
    with torch.no_grad():
        last = net(recipes.ct_measure(A, x, seed=0), A).clamp(0, 1)
    assert panel.compute("held-out ellipses")["psnr"][-1] == pytest.approx(float(il.metrics.psnr(last, x)), abs=1e-6)


def test_unrolled_panel_of_an_untrained_network_shows_plain_gradient_descent():
    """Zero-initialised CNNs: the network's iterates are the Landweber steps the panel computes beside them."""
    net = il.nets.LearnedGD(n_blocks=3, width=4, memory=1, step_init=1.5)
    panel = L.UnrolledPanel(net, width=96)
    r = panel.compute("Shepp-Logan")
    assert r["psnr"] == pytest.approx(r["plain"], abs=1e-3)


def test_sinogram_panel_names_the_artefacts_of_each_scan():
    d = L.SinogramPanel.describe
    assert "Sparse view" in d(30, 180, 0.01, "ramp") and "Limited angle" not in d(30, 180, 0.01, "ramp")
    assert "no visible streaks." in d(180, 180, 0.0, "ramp")
    dense_wedge = d(180, 30, 0.0, "ramp")                  # a view every 1/6°, but 150° never measured
    assert "Limited angle" in dense_wedge and "150°" in dense_wedge and "inside the measured range" in dense_wedge
    assert "Sparse view" in d(10, 90, 0.0, "ramp") and "Limited angle" in d(10, 90, 0.0, "ramp")
    assert "1/r" in d(30, 180, 0.0, "none") and "grain" in d(30, 180, 0.05, "hann")
