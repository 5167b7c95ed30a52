"""Style packs: learning a style from a painting, saving, listing, removing, and using it.

A tiny generator and 32-px crops keep each learning run to a couple of seconds on a CPU; the VGG16
loss uses the real ImageNet weights (``vidcolor[train]``), skipped cleanly where they are missing.
"""

from __future__ import annotations

import signal

import cv2
import numpy as np
import pytest
import torch
from click.testing import CliRunner

from tests.photos import write_photos
from vidcolor.cli import cli
from vidcolor.color import rgb_to_lab
from vidcolor.errors import VidcolorError
from vidcolor.styles import packs
from vidcolor.styles.packs import LearnSettings, learn_style, list_styles, remove_style

FAST = LearnSettings(crop=32, batch=1, style_short_side=64)


@pytest.fixture(scope="module")
def vgg_available():
    from vidcolor.losses.perceptual import VGGFeatures

    try:
        VGGFeatures(layers=packs.STYLE_LAYERS)
    except VidcolorError as exc:
        pytest.skip(f"no VGG16 weights: {exc}")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private style folder (XDG_DATA_HOME, so the converted-VGG cache stays shared)."""
    monkeypatch.delenv("VIDCOLOR_HOME", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "data" / "vidcolor" / "styles"


@pytest.fixture
def painting(tmp_path):
    """Diagonal orange/blue strokes: a palette far from a plain colorization."""
    y, x = np.mgrid[0:96, 0:128]
    img = np.where((((x + y) // 6) % 2 == 0)[..., None], [30, 90, 230], [200, 120, 20]).astype(np.uint8)  # BGR
    path = tmp_path / "painting.png"
    cv2.imwrite(str(path), img)
    return path


@pytest.fixture
def photos(tmp_path):
    return write_photos(tmp_path / "photos", (48, 64), 7, seed=0, ext=".jpg")


def _learn(name, painting, photos, weights, **kw):
    return learn_style(name, painting, steps=kw.pop("steps", 2), weights=weights, photos=photos, device="cpu", settings=FAST, **kw)


def _files(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_learn_save_list_remove(vgg_available, home, painting, photos, tiny_weights):
    path = _learn("starry", painting, photos, tiny_weights)
    assert path == home / "starry.safetensors" and _files(home) == ["starry.safetensors"]
    assert path.stat().st_size < 1_000_000
    meta = packs.read_pack_metadata(path)
    assert meta["format"] == "vidcolor-style-pack" and meta["name"] == "starry" and meta["source_image"] == "painting.png"
    assert len(meta["base_fingerprint"]) == 64 and meta["steps"] == "2" and meta["created"][:2] == "20"
    pack = packs.read_pack(path)
    assert pack.vector.shape == (8,)  # TINY.style_dim
    added = [e for e in list_styles() if e.kind == "added"]
    assert [e.name for e in added] == ["starry"] and "painting.png" in added[0].description
    assert {e.name for e in list_styles() if e.kind == "built-in"} >= {"none", "oil", "watercolor"}
    assert remove_style("starry") == path and _files(home) == []
    with pytest.raises(VidcolorError, match="no added style"):
        remove_style("starry")
    with pytest.raises(VidcolorError, match="built-in"):
        remove_style("oil")


def test_info_describes_a_pack_and_the_weights_it_needs(vgg_available, home, painting, photos, tiny_weights):
    from vidcolor.batch.segments import model_fingerprint
    from vidcolor.models.serialization import load_generator

    path = _learn("starry", painting, photos, tiny_weights)
    r = CliRunner().invoke(cli, ["info", str(path)])
    assert r.exit_code == 0, r.output
    assert "style pack: starry" in r.output and "painting.png" in r.output and "tiny.safetensors" in r.output
    base = model_fingerprint(load_generator(tiny_weights), base_only=True)[:16]
    assert base in r.output
    r = CliRunner().invoke(cli, ["info", str(tiny_weights)])
    assert r.exit_code == 0 and f"style packs need {base}" in r.output  # the user can match a pack to its weights


def test_added_style_renders_differently(vgg_available, home, painting, photos, tiny_weights):
    from vidcolor.pipeline.engine import Colorizer

    _learn("mine", painting, photos, tiny_weights)
    col = Colorizer(tiny_weights, device="cpu", precision="fp32")
    idx = col.style_index("mine")
    assert idx >= len(col.styles) and col.style_index("mine") == idx  # loaded once
    gray = torch.rand(1, 1, 40, 56)
    plain, styled = col.colorize(gray, 0), col.colorize(gray, idx)
    assert styled.shape == plain.shape == (1, 3, 40, 56)
    assert (styled - plain).abs().mean() > 1e-3


def test_process_with_added_style_cli(vgg_available, home, painting, photos, tiny_weights, tmp_path):
    from vidcolor.pipeline.engine import Colorizer
    from vidcolor.process import process_video
    from tests.clips import make_clip

    _learn("mine", painting, photos, tiny_weights)
    img = tmp_path / "in.png"
    cv2.imwrite(str(img), np.random.default_rng(1).integers(0, 255, (40, 56), dtype=np.uint8))
    runner = CliRunner()
    for style in ("none", "mine"):
        r = runner.invoke(cli, ["process", str(img), "-o", str(tmp_path / f"out_{style}.png"), "--style", style, "--weights", str(tiny_weights), "--device", "cpu"])
        assert r.exit_code == 0, r.output
    a, b = (cv2.imread(str(tmp_path / f"out_{s}.png")).astype(float) for s in ("none", "mine"))
    assert np.abs(a - b).mean() > 0.5
    # videos go through the same frame pipeline, stabilizer included
    clip = make_clip(tmp_path / "clip.mp4", n_frames=6, gray=True)
    res = process_video(clip, tmp_path / "clip.mine.mp4", "mine", colorizer=Colorizer(tiny_weights, device="cpu"), temporal=True)
    assert res.frames > 0 and (tmp_path / "clip.mine.mp4").is_file()


def test_pack_for_another_model_is_refused(vgg_available, home, painting, photos, tiny_weights, tmp_path):
    from vidcolor.models import TINY, Generator, save_generator
    from vidcolor.pipeline.engine import Colorizer

    _learn("mine", painting, photos, tiny_weights)
    torch.manual_seed(5)
    other = save_generator(Generator(TINY), tmp_path / "other.safetensors")
    with pytest.raises(VidcolorError, match=r"style 'mine' was made for another model .*vidcolor styles add mine"):
        Colorizer(other, device="cpu").style_index("mine")
    img = tmp_path / "in.png"
    cv2.imwrite(str(img), np.zeros((32, 32), np.uint8))
    r = CliRunner().invoke(cli, ["process", str(img), "-o", str(tmp_path / "o.png"), "--style", "mine", "--weights", str(other)])
    assert r.exit_code == 1 and r.output.count("Error:") == 1 and "made for another model" in r.output
    assert not (tmp_path / "o.png").exists()


def test_pack_survives_a_change_of_built_in_style_rows(vgg_available, home, painting, photos, tiny_weights, tmp_path):
    """Weights that differ only in built-in style rows (scripts/tune_style_strength.py) list the
    earlier base fingerprint in info.pack_fingerprints: its packs load and render exactly as before."""
    from vidcolor.batch.segments import model_fingerprint
    from vidcolor.models.serialization import load_generator, save_generator
    from vidcolor.pipeline.engine import Colorizer

    _learn("mine", painting, photos, tiny_weights)
    model = load_generator(tiny_weights)
    before = model_fingerprint(model, base_only=True)
    with torch.no_grad():
        model.style_embedding.weight[1] *= 1.25
    plain = save_generator(model, tmp_path / "rows.safetensors")
    with pytest.raises(VidcolorError, match="made for another model"):
        Colorizer(plain, device="cpu").style_index("mine")
    listed = save_generator(model, tmp_path / "listed.safetensors", info={"pack_fingerprints": [before]})
    gray = torch.rand(1, 1, 32, 32)
    old, new = Colorizer(tiny_weights, device="cpu", precision="fp32"), Colorizer(listed, device="cpu", precision="fp32")
    assert torch.equal(new.colorize(gray, new.style_index("mine")), old.colorize(gray, old.style_index("mine")))
    assert not torch.equal(new.colorize(gray, 1), old.colorize(gray, 1))  # the built-in row did change


@pytest.mark.parametrize("kind", ["pickle", "garbage", "other-safetensors"])
def test_bad_pack_files(home, tiny_weights, kind):
    from vidcolor.pipeline.engine import Colorizer

    home.mkdir(parents=True)
    bad = home / "evil.safetensors"
    if kind == "pickle":
        torch.save({"style_vector": torch.zeros(8)}, bad)
        match = "pickle"
    elif kind == "garbage":
        bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
        match = "damaged"
    else:
        from safetensors.torch import save_file

        save_file({"x": torch.zeros(2)}, str(bad))
        match = "not a vidcolor style pack"
    with pytest.raises(VidcolorError, match=match):
        Colorizer(tiny_weights, device="cpu").style_index("evil")
    listing = CliRunner().invoke(cli, ["styles"])
    assert listing.exit_code == 0 and "evil" in listing.output and "unreadable" in listing.output


def test_a_pack_with_nan_numbers_is_refused_as_damaged(vgg_available, home, painting, photos, tiny_weights):
    from safetensors.torch import load_file, save_file

    from vidcolor.pipeline.engine import Colorizer

    path = _learn("mine", painting, photos, tiny_weights)
    state = load_file(str(path))
    name = next(k for k in state if k.startswith("adapter."))
    state[name] = torch.full_like(state[name], float("nan"))
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        meta = f.metadata()
    save_file(state, str(path), metadata=meta)
    with pytest.raises(VidcolorError, match="NaN"):
        Colorizer(tiny_weights, device="cpu").style_index("mine")


def test_a_styles_folder_that_cannot_be_written_is_found_before_learning(home, painting, photos, tiny_weights):
    home.parent.mkdir(parents=True, exist_ok=True)
    home.write_text("a file where the styles folder should be")
    with pytest.raises(VidcolorError, match="not a writable folder"):
        _learn("mine", painting, photos, tiny_weights)


def test_bad_inputs_write_nothing(home, painting, photos, tiny_weights, tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("this is not a picture")
    with pytest.raises(VidcolorError, match="built-in"):
        _learn("oil", painting, photos, tiny_weights)
    with pytest.raises(VidcolorError, match="is the built-in style 'oil'"):
        _learn("OIL", painting, photos, tiny_weights)     # differs from a built-in only in case
    with pytest.raises(VidcolorError, match="invalid style name"):
        _learn("../x", painting, photos, tiny_weights)
    with pytest.raises(VidcolorError, match="cannot read image"):
        _learn("mine", text, photos, tiny_weights)
    with pytest.raises(VidcolorError, match="cannot read image"):
        _learn("mine", tmp_path / "missing.jpg", photos, tiny_weights)
    with pytest.raises(VidcolorError, match="not a folder"):
        _learn("mine", painting, tmp_path / "nowhere", tiny_weights)
    runner = CliRunner()
    for args in (["styles", "add", "oil", "--image", str(painting)], ["styles", "add", "mine", "--image", str(text)],
                 ["styles", "remove", "nothing"]):
        r = runner.invoke(cli, args)
        assert r.exit_code == 1 and r.output.count("Error:") == 1 and "Traceback" not in r.output, r.output
    assert _files(home) == []


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "during-save"])
def test_interrupted_learning_leaves_nothing(vgg_available, home, painting, photos, tiny_weights, monkeypatch, how):
    calls = [0]
    real_step = torch.optim.Adam.step

    def step(self, *a, **k):
        calls[0] += 1
        if calls[0] == 2:
            if how == "sigterm":
                signal.raise_signal(signal.SIGTERM)
            elif how == "ctrl-c":
                raise KeyboardInterrupt
        return real_step(self, *a, **k)

    monkeypatch.setattr(torch.optim.Adam, "step", step)
    if how == "during-save":
        import safetensors.torch

        def half_written(tensors, filename, metadata=None):
            open(filename, "wb").write(b"half")
            raise KeyboardInterrupt

        monkeypatch.setattr(safetensors.torch, "save_file", half_written)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        _learn("mine", painting, photos, tiny_weights, steps=4)
    assert _files(home) == []  # no pack, no temporary file
    assert signal.getsignal(signal.SIGTERM) == before


def test_cli_styles_add_list_remove(vgg_available, home, painting, photos, tiny_weights, monkeypatch):
    monkeypatch.setattr(packs, "LearnSettings", lambda: FAST)
    runner = CliRunner()
    r = runner.invoke(cli, ["styles"])
    assert r.exit_code == 0 and "watercolor" in r.output and str(home) in r.output
    r = runner.invoke(cli, ["styles", "add", "dusk", "--image", str(painting), "--minutes", "0.001", "--weights", str(tiny_weights),
                            "--photos", str(photos), "--device", "cpu"])
    assert r.exit_code == 0, r.output
    assert "added style 'dusk'" in r.output and (home / "dusk.safetensors").is_file()
    r = runner.invoke(cli, ["styles", "add", "dusk", "--image", str(painting), "--weights", str(tiny_weights), "--minutes", "0.001"])
    assert r.exit_code == 1 and "already exists" in r.output
    r = runner.invoke(cli, ["styles"])
    assert "dusk" in r.output and "[added]" in r.output
    r = runner.invoke(cli, ["styles", "remove", "dusk"])
    assert r.exit_code == 0 and not (home / "dusk.safetensors").exists()


def test_unknown_style_lists_added_ones(home, tiny_weights, tmp_path):
    img = tmp_path / "in.png"
    cv2.imwrite(str(img), np.zeros((32, 32), np.uint8))
    r = CliRunner().invoke(cli, ["process", str(img), "-o", str(tmp_path / "o.png"), "--style", "nosuch", "--weights", str(tiny_weights)])
    assert r.exit_code == 1 and "unknown style 'nosuch'" in r.output and "styles add" in r.output


def _ab_hist(ab, bins=32):
    """Normalised 2-D histogram of ab/110 samples ``[2, M]``."""
    h = torch.histogramdd(ab.T.double().clamp(-1, 1 - 1e-9), bins=[bins, bins], range=[-1.0, 1.0, -1.0, 1.0])[0]
    return h / h.sum()


def test_palette_table_carries_one_chroma_distribution_to_another():
    from vidcolor.styles.adapter import apply_lut, identity_lut

    g = torch.Generator().manual_seed(0)
    src = torch.randn(2, 40000, generator=g) * 0.12                            # a muted, neutral palette
    dst = torch.cat([torch.randn(2, 20000, generator=g) * 0.06 + torch.tensor([[0.35], [0.45]]),   # orange
                     torch.randn(2, 20000, generator=g) * 0.06 + torch.tensor([[0.05], [-0.45]])], 1)  # blue
    lut = packs._palette_lut(src, dst, 129)
    out = apply_lut(lut, src.reshape(1, 2, 200, 200)).reshape(2, -1)
    before = 0.5 * (_ab_hist(src) - _ab_hist(dst)).abs().sum()
    after = 0.5 * (_ab_hist(out) - _ab_hist(dst)).abs().sum()
    assert before > 0.9 and after < 0.5 * before, (before, after)
    torch.testing.assert_close(out.mean(1), dst.mean(1), atol=0.02, rtol=0)
    # a distribution carried onto itself: (almost) the identity
    same = packs._palette_lut(src, src.flip(1), 129)
    assert (same - identity_lut(129)).abs().max() < 0.05


def test_learned_pack_moves_the_palette_towards_the_painting(vgg_available, home, painting, photos, tiny_weights):
    from vidcolor.color import AB_SCALE, rgb_to_lab
    from vidcolor.pipeline.engine import Colorizer

    _learn("mine", painting, photos, tiny_weights)
    col = Colorizer(tiny_weights, device="cpu", precision="fp32")
    gray = torch.from_numpy(cv2.cvtColor(cv2.imread(str(next(photos.iterdir()))), cv2.COLOR_BGR2GRAY)).float()[None, None] / 255
    p = torch.from_numpy(cv2.cvtColor(cv2.imread(str(painting)), cv2.COLOR_BGR2RGB)).permute(2, 0, 1)[None].float() / 255
    target = rgb_to_lab(p)[0, 1:].flatten(1).mean(1) / AB_SCALE

    def dist(rgb):   # how far the output's mean chroma is from the painting's (the tiny model's palette is narrow)
        return float((rgb_to_lab(rgb)[0, 1:].flatten(1).mean(1) / AB_SCALE - target).norm())

    assert dist(col.colorize(gray, col.style_index("mine"))) < 0.6 * dist(col.colorize(gray, 0))


def test_packs_made_before_the_palette_table_still_load(home, tiny_weights):
    from vidcolor.styles.adapter import AdapterConfig, StyleAdapter

    old = AdapterConfig.from_json('{"channels": 32, "dilations": [1, 2, 4]}')   # a round-2 pack's header
    assert old.lut == 0 and not hasattr(StyleAdapter(old), "lut")
    x, lab = torch.rand(1, 1, 8, 8), torch.rand(1, 3, 8, 8) * 50
    torch.testing.assert_close(StyleAdapter(old)(x, lab), lab)
    torch.testing.assert_close(StyleAdapter(AdapterConfig())(x, lab), lab, atol=1e-4, rtol=0)  # a new table starts as identity
    with pytest.raises(VidcolorError, match="invalid adapter config"):
        AdapterConfig.from_json('{"channels": 32, "dilations": [1], "lut": 1}')


def test_a_hint_recolors_its_region_in_an_added_style(vgg_available, home, painting, photos, tmp_path):
    """User points reach an added style as they reach the built-in ones: spread along their region."""
    import dataclasses

    from vidcolor.models import TINY, Generator, save_generator
    from vidcolor.models.hints import make_hints
    from vidcolor.pipeline.engine import Colorizer

    torch.manual_seed(0)
    weights = tmp_path / "tiny_hints.safetensors"
    save_generator(Generator(dataclasses.replace(TINY, hints=True)), weights)
    _learn("mine", painting, photos, weights)
    col = Colorizer(weights, device="cpu", precision="fp32")
    idx = col.style_index("mine")
    gray = torch.full((1, 1, 48, 64), 0.3)
    gray[..., 32:] = 0.8                                 # a strong vertical edge
    ab, mask = torch.zeros(1, 2, 48, 64), torch.zeros(1, 1, 48, 64)
    ab[0, :, 23:26, 9:12] = torch.tensor([40.0, -40.0]).view(2, 1, 1)
    mask[0, 0, 23:26, 9:12] = 1
    lab = rgb_to_lab(col.colorize(gray, idx))[0, 1:]
    hinted = rgb_to_lab(col.colorize(gray, idx, make_hints(ab, mask)))[0, 1:]
    target = torch.tensor([40.0, -40.0]).view(2, 1, 1)
    near = (hinted[:, 10:38, 2:28] - target).norm(dim=0).mean()
    before = (lab[:, 10:38, 2:28] - target).norm(dim=0).mean()
    assert near < before / 2, (float(near), float(before))  # the region the hint is in follows it…
    across = (hinted[:, :, 40:] - lab[:, :, 40:]).norm(dim=0).mean()
    assert across < (before - near) / 5, float(across)       # …the region across the edge barely moves


def test_eval_scores_an_added_style_without_a_teacher(vgg_available, home, painting, photos, tiny_weights):
    from vidcolor.evaluation import evaluate_images

    _learn("mine", painting, photos, tiny_weights)
    res = evaluate_images(photos, weights=tiny_weights, styles=("none", "mine", "mine"), semantic=False)
    assert list(res["styles"]) == ["none", "mine"]                 # each style once
    mine = res["mean"]["mine"]
    assert mine["psnr"] > 0 and "teacher_mad" not in mine          # no teacher to compare with


def test_a_pack_named_like_a_built_in_style_is_ignored_and_removable(home, tiny_weights, tmp_path):
    """'Oil.safetensors' or 'none.safetensors' copied into the style folder by hand ('styles add'
    refuses those names): listed as ignored, never used for --style Oil, and removable."""
    home.mkdir(parents=True)
    for name in ("Oil", "none"):
        (home / f"{name}.safetensors").write_bytes(b"{}")
    assert "Oil" not in packs.added_style_names() and not packs.is_added_style("Oil")
    r = CliRunner().invoke(cli, ["styles"])
    assert r.exit_code == 0 and "named like the built-in style 'oil'" in r.output and "[ignored]" in r.output, r.output
    img = tmp_path / "in.png"
    cv2.imwrite(str(img), np.zeros((32, 32), np.uint8))
    r = CliRunner().invoke(cli, ["process", str(img), "-o", str(tmp_path / "o.png"), "--style", "Oil", "--weights", str(tiny_weights)])
    assert r.exit_code == 1 and "did you mean 'oil'" in r.output, r.output
    for name in ("Oil", "none"):
        r = CliRunner().invoke(cli, ["styles", "remove", name])
        assert r.exit_code == 0 and not (home / f"{name}.safetensors").exists(), r.output
    r = CliRunner().invoke(cli, ["styles", "remove", "oil"])
    assert r.exit_code == 1 and "built-in style" in r.output
