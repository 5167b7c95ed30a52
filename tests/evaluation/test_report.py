"""Evaluation runs end to end on tiny data: evaluate_images / evaluate_video, the report folder, the
comparison sheets and ``vidcolor eval``. A randomly initialised tiny generator is enough to test the
mechanics; the metric values themselves are tested in test_metrics.py."""

from __future__ import annotations

import json
import math
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from tests.clips import make_clip
from vidcolor.cli import cli
from vidcolor.errors import VidcolorError
from vidcolor.evaluation import SheetRow, evaluate_images, evaluate_video, format_summary, make_sheet, write_report
from vidcolor.io.image import read_image, write_image
from vidcolor.models import TINY, Generator, save_generator


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    return save_generator(Generator(TINY), tmp_path_factory.mktemp("w") / "tiny.safetensors")


def photo(h: int, w: int, seed: int) -> np.ndarray:
    """A smooth colourful uint8 image: colour gradients plus a saturated block."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(seed)
    img = np.stack([xx / w, yy / h, 1 - xx / w * 0.5], -1) * 200 + rng.integers(0, 40, 3)
    img[h // 4:h // 2, w // 4:w // 2] = rng.integers(0, 256, 3)
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ref")
    write_image(folder / "a.png", photo(32, 40, 1))
    write_image(folder / "b.png", photo(40, 32, 2))
    write_image(folder / "c.png", photo(24, 36, 3).astype(np.uint16) * 257, bit_depth=16)  # 16-bit original
    (folder / "notes.txt").write_text("not an image")
    return folder


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.hrefs = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a["src"])
        elif tag == "a":
            self.hrefs.append(a["href"])


def check_report(index: Path) -> _Links:
    assert index.name == "index.html" and index.is_file()
    links = _Links()
    links.feed(index.read_text(encoding="utf-8"))
    assert links.imgs
    for src in links.imgs + links.hrefs:
        assert not Path(src).is_absolute() and (index.parent / src).is_file(), src
    json.loads((index.parent / "metrics.json").read_text(encoding="utf-8"))  # strict JSON
    links.text = index.read_text(encoding="utf-8")
    return links


def test_evaluate_images_and_report(originals, weights, tmp_path):
    res = evaluate_images(originals, weights=weights, styles=("none", "pencil"), device="cpu")
    assert res["kind"] == "images" and res["count"] == 3 and res["weights"] == str(weights)
    assert [im["name"] for im in res["images"]] == ["a.png", "b.png", "c.png"]
    for im in res["images"]:
        assert im["gray"]["colorfulness"] < 1.0 < im["original"]["colorfulness"]
        assert set(im["styles"]) == {"none", "pencil"}
        assert 0 < im["styles"]["none"]["ssim"] <= 1 and math.isfinite(im["styles"]["none"]["psnr"])
        assert "teacher_mad" not in im["styles"]["none"] and 0 <= im["styles"]["pencil"]["teacher_mad"] <= 1
    assert res["mean"]["gray"]["psnr"] == pytest.approx(np.mean([im["gray"]["psnr"] for im in res["images"]]))
    assert len(res.sheet_rows) == 3
    assert [c for c, _ in res.sheet_rows[0].tiles] == ["original", "gray", "colorized", "pencil"]

    links = check_report(write_report(res, tmp_path / "report"))
    assert "plots/means.png" in links.imgs and "sheets/sheet_000.png" in links.imgs
    saved = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert saved["images"]["count"] == 3 and saved["images"]["mean"]["pencil"]["teacher_psnr"] > 0


def test_results_read_from_out_dir(originals, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for p in sorted(originals.glob("*.png")):
        write_image(out / f"{p.stem}.none.png", read_image(p), bit_depth=16 if p.stem == "c" else 8)  # a perfect result
    res = evaluate_images(originals, out)
    assert res["out_dir"] == str(out) and res["weights"] is None
    for im in res["images"]:
        assert math.isinf(im["styles"]["none"]["psnr"]) and im["styles"]["none"]["ssim"] == pytest.approx(1.0)
        assert im["styles"]["none"]["colorfulness"] == pytest.approx(im["original"]["colorfulness"])
    check_report(write_report(res, tmp_path / "report"))
    assert json.loads((tmp_path / "report" / "metrics.json").read_text())["images"]["images"][0]["styles"]["none"]["psnr"] is None

    with pytest.raises(VidcolorError, match=r"a\.oil\.png"):
        evaluate_images(originals, out, styles=("oil",))
    write_image(out / "a.none.png", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(VidcolorError, match="8×8"):
        evaluate_images(originals, out)
    with pytest.raises(VidcolorError, match="either"):
        evaluate_images(originals, out, weights="w.safetensors")


def test_out_dir_names_match_vidcolor_process(originals, weights, tmp_path):
    from vidcolor.process import process_paths

    process_paths([str(originals)], tmp_path / "out", "none", weights=str(weights), device="cpu")
    from_files = evaluate_images(originals, tmp_path / "out")
    in_memory = evaluate_images(originals, weights=weights, device="cpu")
    for a, b in zip(from_files["images"], in_memory["images"]):
        assert a["styles"]["none"]["psnr"] == pytest.approx(b["styles"]["none"]["psnr"], abs=0.2)  # 8-bit rounding only


def test_too_small_to_score_is_a_clear_error(weights, tmp_path):
    """An 8×8 photo or a 320×8 video: SSIM's window and the flow cannot run on them — one clear
    error naming the file (was an internal error)."""
    (tmp_path / "ref").mkdir()
    write_image(tmp_path / "ref" / "tiny.png", np.full((8, 8, 3), 90, np.uint8))
    with pytest.raises(VidcolorError, match=r"none of the originals .* can be scored: tiny.png \(8×8: SSIM needs at least 11 px"):
        evaluate_images(tmp_path / "ref", weights=weights, semantic=False)
    # beside photos that can be scored, a tiny or damaged one is left out and named, not fatal
    write_image(tmp_path / "ref" / "ok.png", photo(32, 40, 1))
    (tmp_path / "ref" / "damaged.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    res = evaluate_images(tmp_path / "ref", weights=weights, semantic=False)
    assert [e["name"] for e in res["images"]] == ["ok.png"]
    assert any(n.startswith("left out: 2 original(s) that cannot be scored: damaged.jpg (") and "tiny.png (8×8" in n
               for n in res["notes"]), res["notes"]
    thin = make_clip(tmp_path / "thin.mkv", n_frames=3, size=(320, 8), codec="ffv1")
    with pytest.raises(VidcolorError, match="thin.mkv.*too small"):
        evaluate_video(thin)
    short = make_clip(tmp_path / "one.mkv", n_frames=1, size=(48, 32), codec="ffv1")
    longer = make_clip(tmp_path / "long.mkv", n_frames=4, size=(48, 32), codec="ffv1")
    with pytest.raises(VidcolorError, match="one.mkv' has 1 decodable"):   # the short one is named
        evaluate_video(longer, short)


def test_evaluate_images_errors(originals, weights, tmp_path):
    with pytest.raises(VidcolorError, match="unknown style 'bogus'"):
        evaluate_images(originals, weights=weights, styles=("bogus",))
    with pytest.raises(VidcolorError, match="no images"):
        evaluate_images(tmp_path, weights=weights)


def test_gray_originals_are_left_out_of_the_means(tmp_path):
    """A gray original scores ~98 dB against its own gray input and swamped the means: it is still
    scored and shown, but flagged, left out of every mean and named in a note and the report; a
    folder of gray originals only is refused."""
    ref = tmp_path / "ref"
    ref.mkdir()
    write_image(ref / "a.png", photo(32, 40, 1))
    write_image(ref / "b.png", photo(40, 32, 2))
    write_image(ref / "g.png", photo(32, 40, 3).mean(axis=2).astype(np.uint8))            # a gray scan
    write_image(ref / "h.png", np.repeat(photo(32, 40, 4)[..., 1:2], 3, axis=2))          # gray, stored as RGB
    few = np.repeat(photo(32, 40, 5)[..., 1:2], 3, axis=2).astype(np.int16)
    few[2:8, 2:10] += np.array([30, 0, -12], np.int16)                                    # a gray scene, one small red coat:
    write_image(ref / "s.png", np.clip(few, 0, 255).astype(np.uint8))                      # mean |ab| < 2, but it has color
    from vidcolor.models.config import preset

    weights = save_generator(Generator(preset("tiny_hints")), tmp_path / "hints.safetensors")   # --hint-points needs hint inputs
    res = evaluate_images(ref, weights=weights, styles=("none", "pencil"), device="cpu", semantic=False, hint_points=2)
    assert res["count"] == 5 and res["gray_originals"] == ["g.png", "h.png"]
    flagged = {im["name"]: im.get("gray_original", False) for im in res["images"]}
    assert flagged == {"a.png": False, "b.png": False, "g.png": True, "h.png": True, "s.png": False}
    from vidcolor.color import rgb_to_lab
    from vidcolor.evaluation.evaluate import read_rgb
    assert float(rgb_to_lab(read_rgb(ref / "s.png"))[:, 1:].abs().mean()) < 2.0   # the rule this replaced left it out
    colored = [im for im in res["images"] if not im.get("gray_original")]
    assert min(im["gray"]["psnr"] for im in res["images"] if im.get("gray_original")) > 60
    for key in ("none", "pencil"):
        assert res["mean"][key]["psnr"] == pytest.approx(np.mean([im["styles"][key]["psnr"] for im in colored]))
    assert res["mean"]["gray"]["psnr"] == pytest.approx(np.mean([im["gray"]["psnr"] for im in colored]))
    assert res["mean"]["hints"]["psnr"] == pytest.approx(np.mean([im["hints"]["psnr"] for im in colored]))
    assert res["mean"]["original"]["colorfulness"] == pytest.approx(np.mean([im["original"]["colorfulness"] for im in colored]))
    assert res["notes"] == ["left out of the means: 2 original(s) without color (gray or near-gray), which their gray input "
                            "already matches: g.png, h.png"]
    assert "; means of the 3 in color:" in format_summary(res) and "note: left out of the means" in format_summary(res)
    assert "g.png (gray: not in the means)" in check_report(write_report(res, tmp_path / "rep")).text

    for name in ("a.png", "b.png", "s.png"):
        (ref / name).unlink()
    with pytest.raises(VidcolorError, match="are all gray"):
        evaluate_images(ref, weights=weights, semantic=False)
    r = CliRunner().invoke(cli, ["eval", "--ref", str(ref), "--weights", str(weights), "--no-semantic"])
    assert r.exit_code == 1 and r.output.startswith("Error: the originals in") and r.output.count("\n") == 1


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("v") / "clip.mkv", n_frames=8, size=(48, 32), codec="ffv1")


def test_evaluate_video_alone_and_against_itself(clip, tmp_path):
    res = evaluate_video(clip)
    assert res["frames"] == 8 and res["flow_on"] == "video" and "vs_reference" not in res
    assert len(res["warping_error"]["per_frame"]) == 7 and res["warping_error"]["mean"] >= 0
    assert res["cdc"] > 0 and set(res["cdc_per_dilation"]) == {"1", "2", "4"}

    same = evaluate_video(clip, reference=clip)
    assert same["flow_on"] == "reference"
    assert math.isinf(same["vs_reference"]["psnr"]) and same["vs_reference"]["ssim"] == pytest.approx(1.0)
    assert same["warping_error"] == same["reference_warping_error"] and same["cdc"] == same["reference_cdc"]
    links = check_report(write_report(same, tmp_path / "report"))
    assert "plots/warping_error.png" in links.imgs


def test_evaluate_video_mismatches(clip, tmp_path):
    short = make_clip(tmp_path / "short.mkv", n_frames=5, size=(48, 32), codec="ffv1")
    res = evaluate_video(clip, reference=short)
    assert res["frames"] == 5 and "fewer frames" in res["notes"][0]
    other = make_clip(tmp_path / "other.mkv", n_frames=3, size=(40, 32), codec="ffv1")
    with pytest.raises(VidcolorError, match="48×32"):
        evaluate_video(clip, reference=other)


def test_evaluate_video_notes_a_frame_rate_mismatch(clip, tmp_path):
    """Frames are paired by index: a reference at another rate (25 vs 23.976 fps, or 24) gets a note
    saying so (it was silent); the same rate gets none."""
    for rate in (25, 24):
        other = make_clip(tmp_path / f"r{rate}.mkv", n_frames=8, size=(48, 32), codec="ffv1", rate=rate)
        res = evaluate_video(clip, reference=other)
        assert res["fps"] == pytest.approx(23.976, abs=1e-3) and res["reference_fps"] == rate
        assert len(res["notes"]) == 1 and f"reference at {rate}.000 fps; frames are compared by index" in res["notes"][0]
    assert evaluate_video(clip, reference=clip)["notes"] == []
    r = CliRunner().invoke(cli, ["eval", "--video", str(clip), "--ref-video", str(tmp_path / "r25.mkv")])
    assert r.exit_code == 0 and "note: the video runs at 23.976 fps and the reference at 25.000 fps" in r.output


@pytest.mark.parametrize("args, named", [
    (["--styles", "none,oil", "--hint-points", "3"], "--styles, --hint-points are"),
    (["--weights", "{weights}"], "--weights is"),
    (["--no-semantic", "--render-size", "128", "--device", "cpu", "--hint-placement", "worst"],
     "--render-size, --device, --semantic/--no-semantic, --hint-placement are"),
])
def test_cli_eval_video_refuses_photo_options(args, named, clip, weights):
    """Options about photos given with --video alone were ignored; one Error line names them."""
    args = [a.format(weights=weights) for a in args]
    r = CliRunner().invoke(cli, ["eval", "--video", str(clip)] + args)
    assert r.exit_code == 1 and r.output == f"Error: {named} about photos (--ref); --video scores a video as it is\n"


def test_cli_eval_hint_placement_needs_hint_points(originals, weights):
    r = CliRunner().invoke(cli, ["eval", "--ref", str(originals), "--weights", str(weights), "--hint-placement", "worst"])
    assert r.exit_code == 1 and r.output.startswith("Error: --hint-placement places --hint-points")


def test_make_sheet_layout():
    red = np.zeros((20, 30, 3), np.uint8)
    red[..., 0] = 255
    rows = [SheetRow("one", (("original", red), ("gray", red[:, :20]))), SheetRow("two", (("gray", red), ("extra", red)))]
    sheet = make_sheet(rows, tile_height=20)
    assert sheet.dtype == np.uint8 and sheet.ndim == 3 and sheet.shape[2] == 3
    assert sheet.shape[0] == 22 + 2 * (18 + 20 + 4) + 4
    assert (sheet[..., 0] == 255).sum() >= 4 * 20 * 20  # every tile was drawn
    with pytest.raises(ValueError, match="uint8"):
        make_sheet([SheetRow("x", (("a", red.astype(np.float32)),))])


def test_cli_eval(originals, weights, clip, tmp_path):
    runner = CliRunner()
    args = ["eval", "--ref", str(originals), "--weights", str(weights), "--styles", "none,pencil", "--device", "cpu"]
    r = runner.invoke(cli, args + ["--report", str(tmp_path / "rep")])
    assert r.exit_code == 0, r.output
    assert "gray baseline" in r.output and "pencil" in r.output and "report:" in r.output
    check_report(tmp_path / "rep" / "index.html")

    r = runner.invoke(cli, ["eval", "--video", str(clip), "--ref-video", str(clip), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["video"]["frames"] == 8


@pytest.mark.parametrize("args, message", [
    ([], "nothing to evaluate"),
    (["--video", "{clip}", "--out", "{ref}"], "--out needs --ref"),
    (["--ref", "{ref}", "--styles", "none,bogus"], "unknown style 'bogus'"),
])
def test_cli_eval_errors(args, message, originals, weights, clip):
    args = [a.format(clip=clip, ref=originals) for a in args]
    r = CliRunner().invoke(cli, ["eval", "--weights", str(weights), "--device", "cpu"] + args)
    assert r.exit_code == 1 and f"Error: {message}" in r.output


def test_out_dir_finds_results_of_originals_with_upper_case_extensions(originals, weights, tmp_path):
    """``process`` writes ``PHOTO.JPG``'s result as ``PHOTO.none.jpg``; eval --out looked for
    ``.none.JPG``, then every other extension but ``.jpg``, and refused a folder process had just made."""
    from vidcolor.process import process_paths

    ref = tmp_path / "ref"
    ref.mkdir()
    write_image(ref / "Holiday Photo.JPG", read_image(next(iter(sorted(originals.glob("*.png"))))))
    process_paths([str(ref)], tmp_path / "out", "none", weights=str(weights), device="cpu")
    assert (tmp_path / "out" / "Holiday Photo.none.jpg").is_file()
    res = evaluate_images(ref, tmp_path / "out")
    assert res["images"][0]["styles"]["none"]["psnr"] > 0
