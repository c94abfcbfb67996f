"""Shipped weights: checksums before unpickling, clear errors, and every shipped file reproduces
the held-out metric its manifest records."""
import json

import pytest
import torch

import invlab as il
from invlab import pretrained
from invlab.recipes import RECIPES


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    """A real (2-step) run of the denoiser recipe written to a temporary weights folder."""
    folder = tmp_path_factory.mktemp("weights")
    entry = pretrained.train("denoiser", n_steps=2, folder=folder, progress=False)
    return folder, entry


def _use_copy_of(folder, monkeypatch, tmp_path):
    """A fresh copy of a trained weights folder, made the one ``invlab.pretrained`` reads."""
    for f in folder.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    monkeypatch.setenv("INVLAB_WEIGHTS_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def weights_dir(tiny_weights, monkeypatch, tmp_path):
    return _use_copy_of(tiny_weights[0], monkeypatch, tmp_path)


def test_train_writes_a_complete_manifest_entry(tiny_weights):
    folder, entry = tiny_weights
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    assert manifest["denoiser"] == entry
    for key in ("sha256", "parameters", "command", "seed", "data", "train_seconds", "metrics", "class", "kwargs"):
        assert key in entry
    assert entry["steps"] == 2 and entry["metric"] in entry["metrics"]
    assert entry["command"] == "python -m invlab.pretrained train denoiser"


def test_load_gives_an_eval_float32_model(weights_dir):
    net = pretrained.load("denoiser")
    assert isinstance(net, type(RECIPES["denoiser"].build())) and not net.training
    assert all(p.dtype == torch.float32 for p in net.parameters())
    assert pretrained.available() == ["denoiser"]
    assert pretrained.info("denoiser")["parameters"] == sum(p.numel() for p in net.parameters())


def test_corrupted_file_is_refused_before_unpickling(weights_dir):
    path = weights_dir / "denoiser.pt"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(pretrained.WeightsChecksumError, match="denoiser.pt") as e:
        pretrained.load("denoiser")
    assert pretrained.info("denoiser")["sha256"] in str(e.value)


def test_truncated_file_is_refused(weights_dir):
    path = weights_dir / "denoiser.pt"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(pretrained.WeightsChecksumError, match="truncated"):
        pretrained.load("denoiser")


def test_missing_file_says_how_to_retrain(weights_dir):
    (weights_dir / "denoiser.pt").unlink()
    with pytest.raises(FileNotFoundError, match="python -m invlab.pretrained train denoiser"):
        pretrained.load("denoiser")


def test_unknown_name_lists_the_available_ones(weights_dir):
    with pytest.raises(ValueError, match="available: denoiser"):
        pretrained.load("resnet50")
    with pytest.raises(ValueError, match="no recipe"):
        pretrained.train("resnet50")


def test_every_recipe_has_a_shipped_file():
    assert set(RECIPES) <= set(pretrained.available())


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_shipped_manifest_entry_matches_its_recipe(name):
    """The manifest is written when a network is trained; a recipe edited later (new constructor
    arguments, a reworded description, a renamed data source) must not leave it describing another net."""
    entry, recipe = pretrained.info(name), RECIPES[name]
    assert entry["kwargs"] == recipe.build().config()
    assert entry["description"] == recipe.description
    assert entry["data"] == recipe.data
    assert entry["command"] == f"python -m invlab.pretrained train {name}"


@pytest.mark.background
@pytest.mark.parametrize("name", pretrained.available())
def test_shipped_file_reproduces_its_manifest_metric(name):
    row, = pretrained.verify([name])
    if pretrained.info(name).get("companion_of"):   # no metric of its own: checksum and reload
        assert row["ok"] and row["metric"] is None
        return
    assert abs(row["measured"] - row["manifest"]) <= 0.1, row


def test_shipped_weights_fit_the_budget():
    total = sum(pretrained.info(n)["bytes"] + pretrained.info(n).get("record", {}).get("bytes", 0)
                for n in pretrained.available())
    assert total <= 25 * 2**20


@pytest.fixture(scope="module")
def tiny_gan(tmp_path_factory):
    """A real (3-step) run of the GAN recipe: generator, companion discriminator and training record."""
    folder = tmp_path_factory.mktemp("gan")
    entry = pretrained.train("gan_generator", n_steps=3, folder=folder, progress=False)
    return folder, entry


@pytest.fixture
def gan_dir(tiny_gan, monkeypatch, tmp_path):
    return _use_copy_of(tiny_gan[0], monkeypatch, tmp_path)


@pytest.mark.background
def test_a_recipe_ships_its_companion_and_training_record(gan_dir, tiny_gan):
    _, entry = tiny_gan
    manifest = json.loads((gan_dir / "MANIFEST.json").read_text())
    assert set(manifest) == {"gan_generator", "gan_discriminator"}
    comp = manifest["gan_discriminator"]
    assert comp["companion_of"] == "gan_generator" and comp["command"] == entry["command"]
    disc = pretrained.load("gan_discriminator")
    assert type(disc).__name__ == "Discriminator" and comp["parameters"] == sum(p.numel() for p in disc.parameters())
    rec = pretrained.training_record("gan_generator")
    assert sorted(rec) == entry["record"]["keys"]
    assert rec["step"].tolist() == [1, 2, 3] and rec["d_loss"].shape == (3,)
    assert rec["sample_step"].tolist() == [0, 3] and rec["samples"].shape == (2, 16, 1, 28, 28)
    rows = {r["name"]: r for r in pretrained.verify(evaluate=False)}
    assert rows["gan_discriminator"]["ok"] and rows["gan_discriminator"]["metric"] is None
    with pytest.raises(ValueError, match="no training record"):
        pretrained.training_record("gan_discriminator")


@pytest.mark.background
def test_a_corrupted_training_record_is_refused(gan_dir):
    path = gan_dir / "gan_generator.record.pt"
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(pretrained.WeightsChecksumError, match="training record"):
        pretrained.training_record("gan_generator")
    pretrained.load("gan_generator")  # the weights themselves are intact


def test_gan_test_images_start_selects_the_next_images_of_each_class():
    """``start`` shifts the per-class window: the benchmark's images and the validation images are disjoint slices."""
    x, labels = il.data.fashion_mnist("test", return_labels=True)
    both = il.recipes.gan_test_images(3)
    later = il.recipes.gan_test_images(2, start=1)
    assert later.shape == (20, 28, 28)
    for c in range(10):
        own = x[torch.nonzero(labels == c)[:3, 0]]
        assert torch.equal(both[3 * c:3 * c + 3], own)
        assert torch.equal(later[2 * c:2 * c + 2], own[1:3])
    assert torch.equal(il.recipes.gan_test_images(3, start=0), both)
    with pytest.raises(ValueError, match="more than a class has"):
        il.recipes.gan_test_images(5, start=int((labels == 0).sum()))
    with pytest.raises(ValueError, match="start"):
        il.recipes.gan_test_images(2, start=-1)


# ------------------------------------------------------------------ a broken weights folder (issue 17)
def _write_manifest(folder, text):
    (folder / "MANIFEST.json").write_text(text)


@pytest.mark.parametrize("text, says", [
    ("{not json", "is not valid JSON"),
    ("[1, 2, 3]", "must hold a JSON object"),
    ('{"denoiser": 3}', "must be an object"),
    ('{"denoiser": {"file": "denoiser.pt", "class": "DnCNN", "kwargs": {}}}', "has no sha256"),
])
def test_a_malformed_manifest_is_one_clear_error_naming_the_file(weights_dir, text, says):
    _write_manifest(weights_dir, text)
    for call in (pretrained.available, lambda: pretrained.load("denoiser"), lambda: pretrained.info("denoiser")):
        with pytest.raises(pretrained.ManifestError, match=says) as info:
            call()
        assert "MANIFEST.json" in str(info.value)
        assert isinstance(info.value, ValueError)


def test_a_manifest_naming_an_unknown_class_is_refused(weights_dir):
    manifest = json.loads((weights_dir / "MANIFEST.json").read_text())
    manifest["denoiser"]["class"] = "os"
    _write_manifest(weights_dir, json.dumps(manifest))
    with pytest.raises(pretrained.ManifestError, match=r"MANIFEST.json names the class 'os'.*not a network"):
        pretrained.load("denoiser")


def test_a_folder_without_manifest_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("INVLAB_WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(pretrained.ManifestError, match=r"no manifest: .*MANIFEST.json does not exist"):
        pretrained.available()


def test_verify_takes_one_name_or_a_list(weights_dir):
    one = pretrained.verify("denoiser", evaluate=False)
    assert [r["name"] for r in one] == ["denoiser"] and one[0]["ok"]
    assert [r["name"] for r in pretrained.verify(["denoiser"], evaluate=False)] == ["denoiser"]
    with pytest.raises(ValueError, match="names: unknown"):
        pretrained.verify("denoise", evaluate=False)


def test_load_refuses_a_device_it_cannot_use(weights_dir):
    for bad in ("gpu9", "tpu", 3.5):
        with pytest.raises(ValueError, match="device"):
            pretrained.load("denoiser", device=bad)
    assert next(pretrained.load("denoiser", device="cpu").parameters()).device.type == "cpu"
