"""Lecture 3's panels with every control moved across its range (small stand-in networks where the
shipped ones are not the point; the shipped ones where their numbers are)."""
import pytest
import torch

import invlab as il
from invlab import operators as op
from invlab.nets import sr as SR
from invlab.widgets import lecture3 as L3
from invlab.widgets import lecture3_losses as LZ

_ID = lambda x, s: x  # noqa: E731  (a stand-in denoiser that returns its input)


def _tiny(kind, f, seed=0):
    torch.manual_seed(seed)
    small = {"iterative": dict(width=3, stages=1)}.get(kind, dict(width=4, depth=0))
    return SR.SR_CLASSES[kind](f, **small).eval()


@pytest.fixture(scope="module")
def tiny_nets():
    return {("post", 2): _tiny("post", 2), ("post", 4): _tiny("post", 4), ("pre", 4): _tiny("pre", 4),
            ("progressive", 4): _tiny("progressive", 4), ("iterative", 2): _tiny("iterative", 2)}


def test_forward_panel_sweeps_factor_blur_and_image():
    panel = L3.SRForwardPanel(_ID, size=64, width=64)
    seen = set()
    for f in (2, 4, 8):
        panel.factor.value = f
        for blur in (0.0, 1.0):
            panel.blur.value = blur
            x = panel.x_true
            bic = panel.outputs["bicubic"]
            assert bic.shape == x.shape == (64, 64)
            assert f"({64 // f}×{64 // f})" in panel.row.captions[0].value
            # interpolation passes through the samples on the operator's grid
            y = op.Downsample((64, 64), f, sigma=blur * f)(x)
            assert torch.allclose(bic[::f, ::f], y, atol=1e-5)
            seen.add(panel.row.pngs[3])
            assert "PSNR" in panel.row2.captions[0].value and "SSIM" in panel.row2.captions[1].value
    assert len(seen) == 6
    for name in il.data.TEST_IMAGES:
        panel.image.value = name
        assert "Best here" in panel.info.value
    with pytest.raises(ValueError, match="size"):
        L3.SRForwardPanel(_ID, size=60)


def test_forward_panel_tv_sr_beats_interpolation_when_the_blur_is_known():
    panel = L3.SRForwardPanel(il.pretrained.load("denoiser"), size=128, width=64)
    panel.factor.value = 2
    x = panel.x_true
    p = {m: float(il.metrics.psnr(L3._crop(v.clamp(0, 1)), L3._crop(x))) for m, v in panel.outputs.items()}
    assert p["TV-SR"] > p["bicubic"] + 0.5 and p["PnP-HQS"] > p["bicubic"] + 0.5, p
    assert p["bicubic"] > p["nearest"]


def test_checkerboard_panel_sweeps_kernel_stride_and_weights():
    panel = L3.CheckerboardPanel(width=64)
    for init in ("ones", "random"):
        panel.init.value = init
        for k in range(panel.kernel.min, panel.kernel.max + 1):
            panel.kernel.value = k
            for s in range(panel.stride.min, panel.stride.max + 1):
                panel.stride.value = s
                assert set(panel.outputs) == {"transposed", "resize", "subpixel", "icnr"}
                assert panel.spread["resize"] < 1e-4 and panel.spread["icnr"] < 1e-4, (init, k, s)
                if init == "ones" and s > 1 and k > s and k % s:
                    assert panel.spread["transposed"] > 0.05, (k, s)
                if init == "ones" and k % s == 0:
                    assert panel.spread["transposed"] < 1e-4, (k, s)
                assert f"spread {panel.spread['transposed']:.2f}" in panel.row.captions[0].value


def test_framework_panel_sweeps_framework_scale_and_image(tiny_nets):
    panel = L3.FrameworkPanel(tiny_nets, size=64, width=64)
    assert [v for _, v in panel.framework.options] == ["post", "pre", "progressive", "iterative"]
    for kind in ("post", "pre", "progressive", "iterative"):
        panel.framework.value = kind
        for f in (2, 4):
            panel.scale.value = f
            caption = panel.row.captions[2].value
            if (kind, f) in tiny_nets:
                assert L3.FRAMEWORK_LABELS[kind] in caption and "PSNR" in caption
            elif kind == "progressive" and f == 2:
                assert "first stage" in caption
                assert panel.output.shape == (64, 64)
            else:
                assert "no network" in caption
    for name in il.data.TEST_IMAGES:
        panel.image.value = name
    with pytest.raises(TypeError, match="nets"):
        L3.FrameworkPanel({("vdsr", 2): tiny_nets[("post", 2)]})


def test_sr_table_scores_match_the_recipe_scores(tiny_nets):
    rows = L3.sr_table({("post", 2): tiny_nets[("post", 2)]}, None, factors=(2,), size=64, n_images=2,
                       progress=False)
    assert [r["method"] for r in rows] == ["bicubic", "TV-SR", "post-upsampling"]
    net_row = rows[-1]
    assert net_row["params"] == sum(p.numel() for p in tiny_nets[("post", 2)].parameters())
    assert net_row["ms"] > 0 and rows[1]["ms"] is None
    # the same numbers as the recipes' scorer on the same images
    s = il.recipes.sr_scores(tiny_nets[("post", 2)], size=64)
    assert net_row["psnr"] == pytest.approx(sum(s["per_image"]["psnr"][:2]) / 2, abs=2e-3)
    html = L3.table_html(rows)
    assert html.count("<tr>") == 4 and "<b>" in html


def test_loss_zoo_panel_and_table(tiny_nets):
    nets = {"A": tiny_nets[("post", 4)], "B": _tiny("post", 4, seed=1)}
    panel = LZ.LossZooPanel(nets, size=64, zoom=16, width=64)
    assert [r["method"] for r in panel.rows] == ["bicubic", "A", "B"]
    for r in panel.rows:
        assert 0 < r["ssim"] < 1 and r["sharpness"] > 0
    for name in il.data.TEST_IMAGES:
        panel.image.value = name
        for v in (panel.cx.min, panel.cx.max):
            panel.cx.value = v
            panel.cy.value = v
            assert "sharpness" in panel.zoom_row.captions[1].value
    assert "sharpness ratio" in panel.table.value


def test_loss_zoo_first_window_is_on_texture(tiny_nets):
    """The first zoom window (astronaut) shows detail, not the flat dark centre it used to."""
    panel = LZ.LossZooPanel({"A": tiny_nets[("post", 4)]}, size=256, zoom=48, width=64)
    x = panel.compute("astronaut")["x"]
    i, j, z = panel.cy.value, panel.cx.value, panel.zoom
    hi = 256 - z
    window, centre = x[i:i + z, j:j + z], x[hi // 2:hi // 2 + z, hi // 2:hi // 2 + z]

    def detail(w):  # mean |discrete Laplacian|: fine texture, which is where the losses differ
        return float((4 * w[1:-1, 1:-1] - w[:-2, 1:-1] - w[2:, 1:-1] - w[1:-1, :-2] - w[1:-1, 2:]).abs().mean())
    assert detail(window) > 1.2 * detail(centre)
    assert f"({j}, {i})" in panel.zoom_row.captions[-1].value


def test_loss_weights_panel_trains_a_copy_with_the_sliders_weights():
    from invlab.losses import DenoiserFeatures
    from invlab.nets import UNetDenoiser

    base = SR.SRPost(4, width=4, depth=0)
    before = {k: v.clone() for k, v in base.state_dict().items()}
    feats = DenoiserFeatures(UNetDenoiser(width=4, depth=2), levels=1)
    panel = LZ.LossWeightsPanel(base, feats, n_steps=2, width=64)
    assert panel.weights() == {"l1": 1.0, "perceptual": 0.0, "adversarial": 0.0}
    panel.w_perceptual.value = panel.w_perceptual.max
    panel.w_adversarial.value = panel.w_adversarial.max
    panel.w_l1.value = panel.w_l1.min
    assert panel.weights() == {"l1": 0.0, "perceptual": 2.0, "adversarial": 0.02}
    panel.trainer.run(n_steps=2)
    assert panel.trainer.error is None
    assert len(panel.trainer.history["loss"]) == 2
    assert all(torch.equal(v, base.state_dict()[k]) for k, v in before.items())   # the original is untouched
    panel.w_perceptual.value = panel.w_adversarial.value = 0.0
    assert panel.weights() == {"l1": 1.0}    # all zero falls back to L1
    with pytest.raises(TypeError, match="×4"):
        LZ.LossWeightsPanel(SR.SRPost(2, width=4, depth=0), feats)


def test_sr_table_serves_x2_with_the_progressive_networks_first_stage(tiny_nets):
    net = tiny_nets[("progressive", 4)]
    rows = L3.sr_table({("progressive", 4): net}, None, factors=(2, 4), size=32, n_images=1, progress=False)
    by = {(r["method"], r["factor"]): r for r in rows}
    stage1 = sum(p.numel() for p in net.stages[0].parameters())
    assert by["progressive", 2]["params"] == stage1 < by["progressive", 4]["params"]
    A, x, y = il.recipes.sr_test_set(2, 32)
    with torch.no_grad():
        out = net(y[:1, None], factor=2)[0, 0].clamp(0, 1)
    assert by["progressive", 2]["psnr"] == pytest.approx(float(il.metrics.psnr(L3._crop(out), L3._crop(x[0]))),
                                                        abs=1e-6)
