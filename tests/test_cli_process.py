"""`vidcolor process` end to end, in-process with click's CliRunner, on real PyAV clips."""

from __future__ import annotations

import os
import sys
from fractions import Fraction

import av
import numpy as np
import pytest
from click.testing import CliRunner

from tests.clips import make_clip
from vidcolor.cli import cli
from vidcolor.io.image import read_image, write_image


def run(args):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def probe(path):
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = [f for f in c.decode(video=0)]
        return {"n": len(frames), "w": v.width, "h": v.height, "rate": v.average_rate, "audio": len(c.streams.audio),
                "pts": [f.pts * f.time_base for f in frames]}


def test_process_video_keeps_frames_timing_and_audio(tmp_path, tiny_weights):
    src = make_clip(tmp_path / "in.mp4", n_frames=20, size=(63, 47), audio="aac", audio_tracks=2)
    out = tmp_path / "out.mp4"
    r = run(["process", str(src), "-o", str(out), "--weights", str(tiny_weights), "--style", "watercolor", "-q"])
    assert r.exit_code == 0, r.output
    a, b = probe(src), probe(out)
    assert (b["n"], b["w"], b["h"], b["audio"]) == (a["n"], a["w"], a["h"], 2)
    assert b["rate"] == Fraction(24000, 1001)
    assert np.allclose([float(x) for x in a["pts"]], [float(x) for x in b["pts"]], atol=1e-3)


def test_process_vfr_keeps_timestamps(tmp_path, tiny_weights):
    src = make_clip(tmp_path / "vfr.mkv", n_frames=10, vfr=True, codec="h264")
    out = tmp_path / "vfr_out.mkv"
    assert run(["process", str(src), "-o", str(out), "--weights", str(tiny_weights), "-q"]).exit_code == 0
    a, b = probe(src), probe(out)
    assert a["n"] == b["n"]
    assert np.allclose([float(x) for x in a["pts"]], [float(x) for x in b["pts"]], atol=2e-3)


def test_default_output_name_in_cwd(tmp_path, tiny_weights, monkeypatch):
    src = make_clip(tmp_path / "film.mp4", n_frames=6)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    r = CliRunner().invoke(cli, ["process", str(src), "--weights", str(tiny_weights), "--style", "cartoon", "-q"])
    assert r.exit_code == 0, r.output
    assert (work / "film.cartoon.mp4").is_file()


def test_process_images_8_and_16_bit(tmp_path, tiny_weights):
    img8 = (np.random.default_rng(0).random((33, 41)) * 255).astype(np.uint8)
    img16 = (np.random.default_rng(1).random((30, 20, 3)) * 65535).astype(np.uint16)
    write_image(tmp_path / "a.jpg", img8)
    write_image(tmp_path / "b.png", img16, bit_depth=16)
    out = tmp_path / "out"
    r = run(["process", str(tmp_path / "a.jpg"), str(tmp_path / "b.png"), "-o", str(out), "--weights", str(tiny_weights), "-q"])
    assert r.exit_code == 0, r.output
    a, b = read_image(out / "a.none.jpg"), read_image(out / "b.none.png")
    assert a.shape == (33, 41, 3) and a.dtype == np.uint8
    assert b.shape == (30, 20, 3) and b.dtype == np.uint16
    assert "16-bit" not in r.output


def test_16_bit_input_written_with_8_bits_is_named(tmp_path, tiny_weights):
    """A 16-bit scan colorized into a JPEG, WebP or BMP loses half its bits; the alpha channel got a
    note in that case, the depth did not."""
    write_image(tmp_path / "scan.tif", (np.random.default_rng(1).random((30, 20)) * 65535).astype(np.uint16), bit_depth=16)
    r = run(["process", str(tmp_path / "scan.tif"), "-o", str(tmp_path / "scan.jpg"), "--weights", str(tiny_weights)])
    assert r.exit_code == 0, r.output
    assert "note: scan.tif: 16-bit input written with 8 bits per sample: .jpg cannot hold more (use .png, .tif, .tiff)" in r.output
    assert read_image(tmp_path / "scan.jpg").dtype == np.uint8


def test_plain_colorization_keeps_luminance(tmp_path, tiny_weights):
    """The photo's gray values come back as the output's Rec.601 luma (what PIL/OpenCV take to turn it gray)."""
    from vidcolor.process import process_image

    g = np.tile(np.linspace(40, 215, 64, dtype=np.float32), (48, 1)).astype(np.uint8)
    write_image(tmp_path / "g.png", g)
    process_image(tmp_path / "g.png", tmp_path / "c.png", "none", weights=str(tiny_weights), device="cpu")
    import cv2

    c = read_image(tmp_path / "c.png")
    assert c.std(axis=2).mean() > 1.0
    assert (np.abs(cv2.cvtColor(c, cv2.COLOR_RGB2GRAY).astype(int) - g) <= 1).mean() > 0.95


def test_saturation_option(tmp_path, tiny_weights):
    """--saturation 0 gives gray, a larger value more chroma than the default; out of range is refused."""
    import cv2

    g = (np.random.default_rng(0).random((48, 64)) * 255).astype(np.uint8)
    write_image(tmp_path / "g.png", g)
    chroma = {}
    for s in ("0", "1", "2"):
        r = run(["process", str(tmp_path / "g.png"), "-o", str(tmp_path / f"s{s}.png"), "--weights", str(tiny_weights), "--saturation", s, "-q"])
        assert r.exit_code == 0, r.output
        lab = cv2.cvtColor(read_image(tmp_path / f"s{s}.png"), cv2.COLOR_RGB2Lab).astype(float)
        chroma[s] = np.abs(lab[..., 1:] - 128).mean()
    assert chroma["0"] < 0.6 < chroma["1"] < chroma["2"]
    r = CliRunner().invoke(cli, ["process", str(tmp_path / "g.png"), "-o", str(tmp_path / "x.png"), "--saturation", "9"])
    assert r.exit_code == 2 and "--saturation" in r.output and not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("args, needle", [
    (["process", "IN", "-o", "x.png", "--saturation", "9"], "Invalid value for '--saturation'"),
    (["process", "--hints", "."], "is a directory"),
    (["process"], "Missing argument 'INPUTS...'"),
    (["batch", "IN", "-o", "o", "--resume"], "No such option '--resume'"),
    (["nosuch"], "No such command 'nosuch'"),
])
def test_usage_errors_are_one_error_line(tmp_path, args, needle):
    """A bad option or argument is one ``Error: …`` line (exit 2) that says where the help is, like
    every other error — not Click's usage block."""
    write_image(tmp_path / "g.png", np.zeros((8, 8), np.uint8))
    r = CliRunner().invoke(cli, [str(tmp_path / "g.png") if a == "IN" else a for a in args])
    lines = r.stderr.splitlines()
    assert r.exit_code == 2 and len(lines) == 1 and lines[0].startswith("Error: ") and needle in lines[0], r.output
    assert "--help')" in lines[0] and not (tmp_path / "x.png").exists()


def _assert_error(r, out_path=None, needle=None):
    assert r.exit_code != 0
    assert r.output.startswith("Error:"), r.output
    assert "Traceback" not in r.output
    assert r.output.count("\n") <= 1
    if needle:
        assert needle in r.output
    if out_path is not None:
        assert not out_path.exists()


@pytest.mark.parametrize("case", ["missing", "empty", "text", "truncated_header", "folder_empty"])
def test_bad_inputs(tmp_path, tiny_weights, case):
    out = tmp_path / "out.mp4"
    if case == "missing":
        src = tmp_path / "nope.mp4"
    elif case == "empty":
        src = tmp_path / "empty.mp4"
        src.write_bytes(b"")
    elif case == "text":
        src = tmp_path / "notes.mp4"
        src.write_text("this is not a video\n" * 50)
    elif case == "truncated_header":
        full = make_clip(tmp_path / "full.mp4", n_frames=8)
        src = tmp_path / "cut.mp4"
        src.write_bytes(full.read_bytes()[:200])
    else:
        src = tmp_path / "emptydir"
        src.mkdir()
        out = tmp_path / "outdir"
    before = src.read_bytes() if src.is_file() else None
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--weights", str(tiny_weights)])
    _assert_error(r, out)
    if before is not None:
        assert src.read_bytes() == before
    assert not list(tmp_path.glob(".*partial*"))


def test_unknown_style_lists_valid(tmp_path, tiny_weights):
    src = make_clip(tmp_path / "in.mp4", n_frames=4)
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / "o.mp4"), "--style", "vangogh", "--weights", str(tiny_weights)])
    _assert_error(r, tmp_path / "o.mp4", "watercolor")


def test_bad_weights(tmp_path):
    src = make_clip(tmp_path / "in.mp4", n_frames=4)
    import torch

    pkl = tmp_path / "w.safetensors"
    torch.save({"x": torch.zeros(2)}, pkl)
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / "o.mp4"), "--weights", str(pkl)])
    _assert_error(r, tmp_path / "o.mp4", "pickle")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{bad json")
    _assert_error(CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / "o.mp4"), "--weights", str(junk)]), tmp_path / "o.mp4")
    _assert_error(CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / "o.mp4"), "--weights", str(tmp_path / "missing.safetensors")]), tmp_path / "o.mp4")


def test_output_equal_to_input_and_existing_output(tmp_path, tiny_weights):
    src = make_clip(tmp_path / "in.mp4", n_frames=4)
    before = src.read_bytes()
    _assert_error(CliRunner().invoke(cli, ["process", str(src), "-o", str(src), "--weights", str(tiny_weights), "--overwrite"]))
    assert src.read_bytes() == before
    existing = tmp_path / "exists.mp4"
    existing.write_bytes(b"keep me")
    _assert_error(CliRunner().invoke(cli, ["process", str(src), "-o", str(existing), "--weights", str(tiny_weights)]))
    assert existing.read_bytes() == b"keep me"
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(existing), "--weights", str(tiny_weights), "--overwrite", "-q"])
    assert r.exit_code == 0 and existing.read_bytes() != b"keep me"


def test_codec_container_mismatch_is_an_error(tmp_path, tiny_weights):
    src = make_clip(tmp_path / "in.mp4", n_frames=4)
    _assert_error(CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / "o.mp4"), "--codec", "ffv1", "--weights", str(tiny_weights)]), tmp_path / "o.mp4")


def test_ffv1_lossless_and_prores(tmp_path, tiny_weights):
    src = make_clip(tmp_path / "in.mp4", n_frames=5, size=(40, 30))
    for codec, ext in (("ffv1", ".mkv"), ("prores", ".mov")):
        out = tmp_path / f"o{ext}"
        r = run(["process", str(src), "-o", str(out), "--codec", codec, "--weights", str(tiny_weights), "-q"])
        assert r.exit_code == 0, r.output
        assert probe(out)["n"] == 5


def test_failure_mid_run_leaves_no_output(tmp_path, tiny_weights, monkeypatch):
    from vidcolor.pipeline import frames as frames_mod

    src = make_clip(tmp_path / "in.mp4", n_frames=30)
    out = tmp_path / "o.mp4"
    calls = {"n": 0}
    orig = frames_mod.FrameProcessor.infer

    def flaky(self, batch):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return orig(self, batch)

    monkeypatch.setattr(frames_mod.FrameProcessor, "infer", flaky)
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--weights", str(tiny_weights)])
    assert r.exit_code != 0
    assert "Error: interrupted" in r.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_styles_and_info_commands(tmp_path):
    r = run(["styles"])
    assert r.exit_code == 0
    for name in ("none", "watercolor", "oil", "pencil", "cartoon"):
        assert name in r.output
    src = make_clip(tmp_path / "in.mp4", n_frames=4, audio="aac")
    r = run(["info", str(src)])
    assert r.exit_code == 0 and "video" in r.output and "audio" in r.output
    _assert_error(CliRunner().invoke(cli, ["info", str(tmp_path / "nope.mp4")]))


def test_library_api_without_click(tmp_path, tiny_weights):
    import vidcolor

    src = make_clip(tmp_path / "in.mp4", n_frames=6)
    res = vidcolor.process_video(src, tmp_path / "o.mp4", "pencil", weights=str(tiny_weights), device="cpu")
    assert res.frames == 6 and res.output.is_file()


def test_mp3_in_mp4_is_copied_not_reencoded(tmp_path, tiny_weights):
    """Decoder names differ from codec names (mp3float vs mp3): the copy decision uses the codec."""
    src = make_clip(tmp_path / "in.mp4", n_frames=8, audio="mp3")
    out = tmp_path / "o.mp4"
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--weights", str(tiny_weights), "-q"])
    assert r.exit_code == 0, r.output
    with av.open(str(src)) as a, av.open(str(out)) as b:
        pa = [bytes(p) for p in a.demux(a.streams.audio[0]) if p.size]
        pb = [bytes(p) for p in b.demux(b.streams.audio[0]) if p.size]
    assert pa == pb
    assert "re-encoding" not in r.output


def test_wma_in_avi_is_reencoded_to_aac_with_its_duration(tmp_path, tiny_weights):
    """WMA (2048-sample frames) → AAC (1024): frames are re-chunked, so the muxer accepts them."""
    src = tmp_path / "wma.avi"
    out = av.open(str(src), "w")
    v = out.add_stream("msmpeg4v2", rate=Fraction(25))
    v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
    a = out.add_stream("wmav2", rate=44100)
    a.layout, a.bit_rate = "stereo", 128000
    n = 0
    for i in range(20):
        f = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 10 * i, np.uint8), format="rgb24")
        f.pts = i
        for p in v.encode(f):
            out.mux(p)
        while n < (i + 1) * 44100 / 25:
            tone = (0.2 * np.sin(2 * np.pi * 440 * (n + np.arange(2048)) / 44100)).astype(np.float32)
            af = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
            af.sample_rate, af.pts = 44100, n
            for p in a.encode(af):
                out.mux(p)
            n += 2048
    for st in (v, a):
        for p in st.encode(None):
            out.mux(p)
    out.close()
    dst = tmp_path / "o.mp4"
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(dst), "--weights", str(tiny_weights)])
    assert r.exit_code == 0, r.output
    assert "re-encoding to AAC" in r.output and r.output.count("re-encoding") == 1

    def seconds(path):
        with av.open(str(path)) as c:
            s = c.streams.audio[0]
            return sum(fr.samples for fr in c.decode(s)) / s.rate, s.codec_context.name

    (d_in, _), (d_out, codec) = seconds(src), seconds(dst)
    assert codec == "aac" and abs(d_in - d_out) < 0.05
    assert probe(dst)["n"] == 20


def test_a_truncated_png_gives_one_error_line_and_no_opencv_warning(tmp_path, tiny_weights):
    """OpenCV prints its own warning for a cut-off PNG from native code (not through Python's
    stderr, so only a real process sees it); the CLI silences it: one Error: line in all."""
    import subprocess
    import sys

    import cv2

    full = tmp_path / "full.png"
    cv2.imwrite(str(full), np.random.default_rng(0).integers(0, 255, (60, 80), dtype=np.uint8))
    cut = tmp_path / "cut.png"
    cut.write_bytes(full.read_bytes()[:300])
    out = tmp_path / "out.png"
    r = subprocess.run([sys.executable, "-m", "vidcolor", "process", str(cut), "-o", str(out), "--weights", str(tiny_weights),
                        "--device", "cpu", "-q"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, r.stderr
    assert not out.exists()


def test_import_is_light_and_errors_are_reachable_as_readme_writes_them():
    """``import vidcolor`` loads no torch, OpenCV or PyAV; ``vidcolor.errors.VidcolorError`` works
    without importing the submodule first."""
    import subprocess
    import sys

    code = ("import sys, vidcolor\nassert vidcolor.errors.VidcolorError is vidcolor.VidcolorError\n"
            "print(sorted(m for m in ('torch', 'cv2', 'av') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_float_and_cmyk_images(tmp_path, tiny_weights):
    """Float TIFFs in 0–1 are colorized (16-bit out), a CMYK TIFF is colorized without the opaque
    alpha channel OpenCV adds to it, and a float TIFF of 0–255 values is refused with one Error
    line (it was clipped to a white picture)."""
    from tests.io.test_probe import odd_images
    from vidcolor.io.image import read_alpha

    odd_images(tmp_path)
    for name in ("fgray", "frgb", "cmyk"):
        out = tmp_path / f"{name}.out.tif"
        r = CliRunner().invoke(cli, ["process", str(tmp_path / f"{name}.tif"), "-o", str(out), "--weights", str(tiny_weights), "-q"])
        assert r.exit_code == 0, r.output
        image = read_image(out)
        assert image.shape == (30, 40, 3) and image.dtype == (np.uint8 if name == "cmyk" else np.uint16)
        assert read_alpha(out) is None
    gray = read_image(tmp_path / "fgray.out.tif").astype(float).mean(axis=(0, 2))
    assert gray[0] < 0.1 * 65535 and gray[-1] > 0.9 * 65535   # the 0–1 ramp kept, not clipped
    out = tmp_path / "f255.out.tif"
    r = CliRunner().invoke(cli, ["process", str(tmp_path / "f255.tif"), "-o", str(out), "--weights", str(tiny_weights)])
    _assert_error(r, out, "float32 samples run from 0 to 255")


def test_libpng_warnings_stay_off_stderr_unless_debug(tmp_path, tiny_weights):
    """libpng prints its own warnings (a gray PNG tagged with an RGB profile: 'libpng warning: iCCP:
    … RGB color space not permitted on grayscale PNG'), beyond OpenCV's log level, once per decode —
    three lines for one photo. Without --debug stderr shows only vidcolor's own lines; with it, they
    are there; a damaged PNG is the one Error line."""
    import subprocess

    from PIL import Image, ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = tmp_path / "g.png"
    Image.fromarray((np.arange(48 * 64) % 256).reshape(48, 64).astype(np.uint8), "L").save(src, icc_profile=srgb)

    env = {k: v for k, v in os.environ.items() if k != "OPENCV_LOG_LEVEL"}   # as a user's shell has it (in-process runs set it)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "vidcolor", *args], capture_output=True, text=True, env=env)

    r = cli("process", str(src), "-o", str(tmp_path / "o.png"), "--weights", str(tiny_weights))
    assert r.returncode == 0 and (tmp_path / "o.png").is_file(), r.stderr
    assert "libpng warning" not in r.stderr + r.stdout
    r = cli("--debug", "process", str(src), "-o", str(tmp_path / "d.png"), "--weights", str(tiny_weights))
    assert r.returncode == 0 and "libpng warning: iCCP" in r.stderr   # not swallowed where the user asked to see all
    data = bytearray(src.read_bytes())
    at = data.find(b"IDAT")
    data[at + 10:at + 40] = b"\xff" * 30   # inside the compressed image data: "libpng error: IDAT: …"
    (tmp_path / "bad.png").write_bytes(bytes(data))
    r = cli("process", str(tmp_path / "bad.png"), "-o", str(tmp_path / "b.png"), "--weights", str(tiny_weights))
    lines = [ln for ln in (r.stdout + r.stderr).splitlines() if ln.strip()]
    assert r.returncode != 0 and len(lines) == 1 and lines[0].startswith("Error:"), lines
    assert not (tmp_path / "b.png").exists()


def test_a_gif_of_one_picture_is_a_photo_and_an_animated_one_a_video(tmp_path, tiny_weights):
    """A GIF holding one picture (old scans are often GIFs) becomes a PNG photo with its luminance and
    transparency kept; an animated GIF in the same folder is a video; GIF is never written."""
    from PIL import Image

    from vidcolor.io.image import luma601, read_alpha

    rng = np.random.default_rng(0)
    gray = np.tile(np.linspace(0, 255, 40), (30, 1)).astype(np.uint8)
    Image.fromarray(gray).save(tmp_path / "scan.gif")
    pal = Image.fromarray(gray).convert("P")
    pal.save(tmp_path / "cut.gif", transparency=int(np.asarray(pal)[0, 0]))
    frames = [Image.fromarray(rng.integers(0, 255, (30, 40), dtype=np.uint8)) for _ in range(4)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["process", str(tmp_path), "-o", str(out) + "/", "--weights", str(tiny_weights), "-q"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["anim.none.mp4", "cut.none.png", "scan.none.png"]
    colorized = read_image(out / "scan.none.png")
    assert colorized.shape == (30, 40, 3)
    assert np.abs(luma601(colorized).astype(float) - gray).mean() < 2.0
    alpha = read_alpha(out / "cut.none.png")
    assert alpha is not None and (alpha == 0).sum() == (np.asarray(pal) == np.asarray(pal)[0, 0]).sum() > 0
    assert read_alpha(out / "scan.none.png") is None
    with av.open(str(out / "anim.none.mp4")) as c:
        assert sum(1 for _ in c.decode(video=0)) == 4
    bad = tmp_path / "x.gif"
    r = CliRunner().invoke(cli, ["process", str(tmp_path / "scan.gif"), "-o", str(bad), "--weights", str(tiny_weights)])
    _assert_error(r, bad, "does not write GIF")


def test_photos_are_not_sent_to_batch_and_process_video_refuses_one(tmp_path, tiny_weights):
    """``vidcolor batch`` renders films: advice for photos does not point there; the library's
    process_video refuses a photo as the command does (it wrote a one-frame MP4)."""
    import vidcolor

    folder = tmp_path / "d"
    folder.mkdir()
    for name in ("a.png", "a.PNG"):
        write_image(folder / name, np.full((12, 16), 90, np.uint8))
    r = CliRunner().invoke(cli, ["process", str(folder), "-o", str(tmp_path / "out"), "--weights", str(tiny_weights)])
    assert r.exit_code != 0 and "would both be written" in r.output and "batch" not in r.output, r.output
    r = CliRunner().invoke(cli, ["process", str(folder / "a.png"), str(folder / "a.PNG"), "-o", str(tmp_path / "o2"),
                                 "--hints", str(tmp_path / "h.csv"), "--weights", str(tiny_weights)])
    assert r.exit_code != 0 and "one at a time" in r.output and "batch" not in r.output, r.output
    with pytest.raises(vidcolor.VidcolorError, match="is a photo; colorize it with process_image"):
        vidcolor.process_video(folder / "a.png", tmp_path / "a.mp4", weights=str(tiny_weights))
    assert not (tmp_path / "a.mp4").exists()


def test_a_lossless_webp_stays_lossless(tmp_path, tiny_weights):
    from PIL import Image

    from vidcolor.io.image import webp_lossless

    gray = np.tile(np.linspace(0, 255, 40, dtype=np.uint8), (30, 1))
    Image.fromarray(gray).save(tmp_path / "master.webp", lossless=True)
    Image.fromarray(gray).save(tmp_path / "web.webp", quality=80)
    assert webp_lossless(tmp_path / "master.webp") and not webp_lossless(tmp_path / "web.webp")
    for name in ("master", "web"):
        r = CliRunner().invoke(cli, ["process", str(tmp_path / f"{name}.webp"), "-o", str(tmp_path / f"{name}.out.webp"),
                                     "--weights", str(tiny_weights), "-q"])
        assert r.exit_code == 0, r.output
    assert webp_lossless(tmp_path / "master.out.webp") and not webp_lossless(tmp_path / "web.out.webp")
    import struct   # a 70 KB colour profile before the bitstream (a scanner's): still told lossless

    raw = (tmp_path / "master.webp").read_bytes()
    chunks = b"VP8X" + struct.pack("<I", 10) + bytes(10) + b"ICCP" + struct.pack("<I", 70000) + bytes(70000) + raw[12:]
    (tmp_path / "icc.webp").write_bytes(b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks)
    assert webp_lossless(tmp_path / "icc.webp")
