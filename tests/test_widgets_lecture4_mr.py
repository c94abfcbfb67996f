"""Lecture 4b's panels: every control swept, the numbers on screen computed from what is shown."""
import pytest
import torch

import invlab as il
from invlab import metrics, recipes
from invlab import operators as op
from invlab.widgets import lecture4_mr as W


@pytest.fixture(scope="module")
def cs_run():
    return il.pretrained.stored_run("mr_cs")


@pytest.fixture(scope="module")
def nets():
    return {acc: {label: il.pretrained.load(f"mri_{kind}_{acc}x")
                  for label, kind in (("U-Net", "unet"), ("k-space net", "kspace"), ("cascade", "cascade"))
                  if f"mri_{kind}_{acc}x" in il.pretrained.available()}
            for acc in recipes.MR_ACCELERATIONS}


def test_kspace_panel_sweeps_every_control_and_scores_what_it_shows():
    p = W.KSpacePanel()
    seen = []
    for image in W.MR_IMAGES:
        p.image.value = image
        for kind in recipes.MR_MASKS:
            p.kind.value = kind
            for acc in (p.acceleration.min, 4, 11, p.acceleration.max):
                for centre in (p.center.min, p.center.max):
                    p.acceleration.value, p.center.value = acc, centre
                    m = W.mr_image(image)
                    assert abs(p.psnr - float(metrics.psnr(p.zero_filled, m))) < 1e-9
                    seen.append((image, kind, acc, centre, p.psnr))
                    assert "lines are measured" in p.info.value or "Every line" in p.info.value
    # all lines: the zero-filled image is the image up to the noise; fewer lines: worse
    p.image.value, p.kind.value, p.center.value = W.MR_IMAGES[0], "random", 0.08
    p.acceleration.value = 1
    full = p.psnr
    p.acceleration.value = 8
    assert full > 40 and p.psnr < full - 10
    # equispaced masks fold the image: coherent ghosts named in the prose; random: incoherent
    p.kind.value = "equispaced"
    assert "coherent ghost" in p.info.value
    p.kind.value = "random"
    assert "incoherent" in p.info.value
    p.center.value, p.acceleration.value = 0.3, 16
    assert "Every measured line is in the centre" in p.info.value


def test_kspace_panel_redraws_only_what_a_control_changes():
    """The image, its phase and its k-space depend on the image alone: a mask control leaves them as they are (a
    slider step encodes three pictures, not six); the image drop-down redraws them; nothing is ever left stale."""
    p = W.KSpacePanel()
    first = list(p.row.pngs)
    p.acceleration.value = 10
    assert p.row.pngs[:3] == first[:3]
    assert all(p.row.pngs[i] != first[i] for i in (3, 4, 5))
    p.image.value = W.MR_IMAGES[1]
    assert all(p.row.pngs[i] != first[i] for i in (0, 1, 2))
    p.kind.value, p.center.value = "equispaced", 0.1
    fresh = W.KSpacePanel(acceleration=10, kind="equispaced", center_fraction=0.1, image=W.MR_IMAGES[1])
    assert p.row.pngs == fresh.row.pngs
    assert [c.value for c in p.row.captions] == [c.value for c in fresh.row.captions]


def test_describe_counts_the_lines():
    text = W.KSpacePanel.describe(6.0, "random", 21, 11)
    assert "21 of 128" in text and "11 in the fully sampled centre, 10 outside" in text


def test_methods_panel_shows_every_set_and_its_scores(nets, cs_run):
    p = W.MRMethodsPanel(nets, cs_run)
    for acc in recipes.MR_ACCELERATIONS:
        p.acc.value = acc
        for kind in recipes.MR_TEST_SETS:
            p.set.value = kind
            for i in (0, 7):
                p.index.value = i
                r = p.compute(acc, kind)
                x = r["x_true"][i]
                for m, xs in r["out"].items():
                    assert abs(p.scores[m] - float(metrics.psnr(xs[i], x))) < 1e-9
                # the CS images are the stored run's, and so is the λ in the caption
                e = cs_run[f"{acc}/{kind}/tv"]
                assert abs(float(metrics.psnr(r["out"]["CS-TV (best λ)"][i], x)) - e["psnr"][i]) < 0.05
                assert f"{e['lam'][i]:.2g}" in p.row.titles[1]
    # a network trained at one acceleration only has a blank slot at the other
    p.acc.value, p.set.value = 11, "person"
    if "k-space net" not in nets[11]:
        j = p.methods.index("k-space net")
        assert "none trained for 11×" in p.row.captions[j].value
    assert "ground truth" in p.row.captions[len(p.methods)].value
    # a network's output is recomputed here from the same measurement
    x, masks, y = recipes.mr_test_set("person", 6)
    net = nets[6]["cascade"]
    with torch.no_grad():
        ref = net(y[3:4], op.MRI(masks[3]))[0].abs().clamp(0, 1)
    torch.testing.assert_close(p.compute(6, "person")["out"]["cascade"][3], ref)


def test_stored_cs_run_is_reproduced_at_its_lambda(cs_run):
    x, masks, y = recipes.mr_test_set("person", 11)
    for kind in recipes.MR_CS_KINDS:
        e = cs_run[f"11/person/{kind}"]
        r = recipes.mr_cs_best(masks[:1], y[:1], x[:1], kind, lams=[e["lam"][0]])
        assert abs(r["psnr"][0] - e["psnr"][0]) < 1e-3
        assert e["lam"][0] in recipes.MR_CS_LAMS
        # the stored λ is the best of the curve
        assert abs(max(e["curve"][0].tolist()) - e["psnr"][0]) < 1e-3


def test_table_matches_the_scores_and_renders(nets, cs_run):
    res = W.mr_table(nets, cs_run, timing=False)
    for acc in recipes.MR_ACCELERATIONS:
        zf = recipes.mr_scores(None, acc)
        assert abs(res["psnr"][acc]["zero-filled"]["person"] - zf["psnr_person"]) < 1e-3
        if "cascade" in nets[acc]:
            s = recipes.mr_scores(nets[acc]["cascade"], acc)
            for kind in recipes.MR_TEST_SETS:
                assert abs(res["psnr"][acc]["cascade"][kind] - s[f"psnr_{kind}"]) < 1e-3
    text = W.mr_table_html(res)
    assert text.count("<tr>") == 1 + len(res["psnr"][6]) and "<b>" in text and "—" in text


def test_cascade_panel_scrubs_steps_and_blocks(nets):
    net = nets[6]["cascade"]
    p = W.CascadePanel(net, 6)
    B = net.n_blocks
    for image in W.MR_IMAGES:
        p.image.value = image
        for b in (1, B):
            p.blocks.value = b
            assert p.step.max == 2 * b
            for s in (0, 1, 2 * b):
                p.step.value = s
                assert f"Step {s}" in p.info.value
    p.image.value = W.MR_IMAGES[0]
    p.blocks.value = B
    # the plotted PSNRs are those of the iterates; the last equals the network's output
    r = p.compute(W.MR_IMAGES[0])
    m = W.mr_image(W.MR_IMAGES[0])
    assert abs(r["psnr"][-1] - float(metrics.psnr(r["steps"][-1][1], m))) < 1e-9
    # a trained cascade improves on zero filling, and the DC steps never move the measured lines
    assert r["psnr"][-1] > r["psnr"][0] + 2


def test_thick_slice_panel_sweeps_k_and_images():
    net = il.pretrained.load("thick_slice_sr")
    p = W.ThickSlicePanel(net)
    for kind in W.SET_LABELS:
        p.image.value = kind
        for k in range(2, 7):
            p.k.value = k
            r = p.compute(kind, k)
            for m, v in r["out"].items():
                assert abs(p.scores[m] - float(metrics.psnr(v, r["x"]))) < 1e-9
            assert r["out"]["network"].shape == r["x"].shape == ((128 // k) * k, 128)
    assert "over cubic" in p.info.value
