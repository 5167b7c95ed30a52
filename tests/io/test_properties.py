"""Input properties carried through or named: alpha of images, interlacing (kept, or
``--deinterlace``; and `vidcolor info`), and inputs that already have colour."""

from __future__ import annotations

import struct
from fractions import Fraction
from unittest import mock

import av
import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from tests import clips
from tests.clips import frame_image, make_clip
from vidcolor.batch.segments import process_video_segmented
from vidcolor.cli import cli
from vidcolor.io.image import has_color, luma601, read_alpha, read_image, write_image
from vidcolor.io.probe import describe
from vidcolor.io.video import probe_video
from vidcolor.outputs import COLOR_NOTE, PROGRESSIVE_NOTE
from vidcolor.pipeline.engine import Colorizer
from vidcolor.process import process_image, process_video


@pytest.fixture(scope="module")
def col(tiny_weights):
    return Colorizer(tiny_weights, device="cpu")


def interlaced_clip(path, order="tff", **kw):
    opts = {"preset": "veryfast", "crf": "0", "x264-params": f"keyint=10:min-keyint=10:scenecut=0:{order}=1:log-level=error"}
    with mock.patch.dict(clips._VIDEO_CODECS, {"h264": ("libx264", "yuv420p", opts)}):
        return make_clip(path, **kw)


def scan(path) -> tuple[int, bool]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return s.codec_context.field_order, next(c.decode(s)).interlaced_frame


# -- alpha --------------------------------------------------------------------------------------

def rgba(h=37, w=50, dtype=np.uint8):
    top = 255 if dtype == np.uint8 else 65535
    gray = frame_image(3, (w, h), gray=True).astype(np.float64) / 255
    alpha = np.linspace(0, 1, w)[None, :] * np.linspace(1, 0.2, h)[:, None]
    return (gray * top).round().astype(dtype), (alpha * top).round().astype(dtype)


@pytest.mark.parametrize("ext", [".png", ".tif"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_rgba_png_keeps_its_alpha(tmp_path, col, dtype, ext):
    """(A 16-bit RGBA TIFF's alpha was read through Pillow, which opens it as 8-bit, until round 13.)"""
    rgb, alpha = rgba(dtype=dtype)
    src, out = tmp_path / f"in{ext}", tmp_path / f"out{ext}"
    write_image(src, rgb, bit_depth=8 * np.dtype(dtype).itemsize, alpha=alpha)
    assert np.array_equal(read_alpha(src), alpha)
    r = process_image(src, out, "none", colorizer=col)
    assert np.array_equal(read_alpha(out), alpha)            # identical, at the input's depth
    got = read_image(out)
    assert got.shape == rgb.shape and got.dtype == dtype and has_color(got)
    assert r.notes == []                                     # a gray input with alpha: nothing dropped


def test_alpha_survives_every_format_that_holds_it_and_is_named_where_it_cannot(tmp_path, col):
    rgb, alpha = rgba()
    src = tmp_path / "in.png"
    write_image(src, rgb, alpha=alpha)
    for ext in (".tif", ".webp"):
        process_image(src, tmp_path / f"o{ext}", "none", colorizer=col)
        assert np.array_equal(read_alpha(tmp_path / f"o{ext}"), alpha), ext
    r = process_image(src, tmp_path / "o.jpg", "none", colorizer=col)
    assert any("alpha channel dropped: .jpg" in n for n in r.notes)
    assert read_alpha(tmp_path / "o.jpg") is None and read_alpha(tmp_path / "in.png") is not None


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_rgba_tiff_states_its_alpha_as_such(tmp_path, col, dtype):
    """OpenCV's TIFF writer left out ExtraSamples, so Photoshop and libtiff programs saw an unnamed
    fourth channel, not transparency; the written TIFF says 'unassociated alpha' (2), and another
    reader (Pillow, 8 bits) gets the same straight colours and alpha."""
    from PIL import Image

    from vidcolor.io.tiff import tag as tiff_tag

    rgb, alpha = rgba(dtype=dtype)
    out = tmp_path / "out.tif"
    write_image(tmp_path / "in.png", rgb, bit_depth=8 * np.dtype(dtype).itemsize, alpha=alpha)
    process_image(tmp_path / "in.png", out, "none", colorizer=col)
    assert tiff_tag(out, 338) == (2,)
    assert np.array_equal(read_alpha(out), alpha)
    if dtype == np.uint8:
        with Image.open(out) as im:
            assert im.mode == "RGBA"
            pil = np.asarray(im)
        assert np.array_equal(pil[..., 3], alpha) and np.array_equal(pil[..., :3], read_image(out))


def test_rgba_tiff_colors_are_read_straight_not_premultiplied(tmp_path, col):
    """PIL and GIMP write RGBA TIFFs with unassociated alpha; OpenCV's reader multiplies the colours
    by alpha (a half-transparent gray 120 read as 24). Colours and alpha come back as stored, and a
    colorized TIFF keeps the input's lightness under its alpha."""
    from PIL import Image

    rgb, alpha = rgba()
    src = tmp_path / "in.tiff"
    Image.fromarray(np.dstack([rgb, alpha])).save(src)
    assert np.array_equal(read_image(src), rgb) and np.array_equal(read_alpha(src), alpha)
    process_image(src, tmp_path / "out.tiff", "none", colorizer=col)
    out = read_image(tmp_path / "out.tiff")
    assert np.array_equal(read_alpha(tmp_path / "out.tiff"), alpha)
    assert abs(luma601(out).mean() - luma601(rgb).mean()) < 2


def float_tiff(path, samples, orientation=1):
    """A minimal little-endian, uncompressed float32 TIFF of ``samples`` ``(H, W, 3|4)`` (RGB, or
    RGBA with unassociated alpha) carrying the orientation tag 274: what scientific and HDR tools
    write, and neither OpenCV nor Pillow can write."""
    h, w, c = samples.shape
    data = samples.astype("<f4").tobytes()
    tags = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, c, None), (259, 3, 1, 1), (262, 3, 1, 2),
            (273, 4, 1, None), (274, 3, 1, orientation), (277, 3, 1, c), (278, 4, 1, h),
            (279, 4, 1, len(data)), (284, 3, 1, 1), (339, 3, c, None)] + ([(338, 3, 1, 2)] if c == 4 else [])
    tags.sort()
    bits_off = 8 + 2 + 12 * len(tags) + 4
    fmt_off = bits_off + 2 * c
    data_off = fmt_off + 2 * c
    out = bytearray(b"II*\x00" + struct.pack("<IH", 8, len(tags)))
    for tag, typ, count, val in tags:
        val = {258: bits_off, 339: fmt_off, 273: data_off}.get(tag, val)
        packed = struct.pack("<HH", val, 0) if typ == 3 and count == 1 else struct.pack("<I", val)
        out += struct.pack("<HHI", tag, typ, count) + packed
    out += struct.pack("<I", 0) + struct.pack(f"<{c}H", *[32] * c) + struct.pack(f"<{c}H", *[3] * c) + data
    path.write_bytes(bytes(out))


@pytest.mark.parametrize("orientation", [1, 6, 3])
def test_float_rgba_tiff_is_read_upright_with_its_alpha(tmp_path, col, orientation):
    """OpenCV's colour reader refuses a float TIFF with a fourth channel ("not a valid TIF image"
    until round 13); it is read unchanged instead, upright by its orientation tag, and colorized
    with its alpha kept."""
    rng = np.random.default_rng(orientation)
    samples = rng.random((20, 30, 4)).astype(np.float32)
    upright = {1: lambda a: a, 6: lambda a: np.rot90(a, -1), 3: lambda a: a[::-1, ::-1]}[orientation]
    src, out = tmp_path / "in.tif", tmp_path / "out.tif"
    float_tiff(src, samples, orientation)
    want = upright((samples[..., :3] * 65535 + 0.5).astype(np.uint16))
    assert np.array_equal(read_image(src), want)
    assert np.array_equal(read_alpha(src), upright(samples[..., 3]))
    float_tiff(tmp_path / "rgb.tif", samples[..., :3], orientation)   # the same samples without alpha agree
    assert np.array_equal(read_image(tmp_path / "rgb.tif"), want) and read_alpha(tmp_path / "rgb.tif") is None
    process_image(src, out, "none", colorizer=col)
    assert read_image(out).shape == want.shape and read_image(out).dtype == np.uint16
    assert np.array_equal(read_alpha(out), (upright(samples[..., 3]) * 65535 + 0.5).astype(np.uint16))
    assert "RGBA (alpha channel), float32" in describe(src)


def test_gray_plus_alpha_and_plain_images(tmp_path):
    gray = frame_image(0, (20, 10), gray=True)[..., 0]
    alpha = np.arange(200, dtype=np.uint8).reshape(10, 20)
    cv2.imwrite(str(tmp_path / "la.png"), np.dstack([gray, gray, gray, alpha]))
    assert np.array_equal(read_alpha(tmp_path / "la.png"), alpha)
    write_image(tmp_path / "rgb.png", frame_image(0, (20, 10)))
    assert read_alpha(tmp_path / "rgb.png") is None
    with pytest.raises(Exception, match="cannot hold one"):
        write_image(tmp_path / "x.jpg", gray, alpha=alpha)
    assert "RGBA (alpha channel)" in describe(tmp_path / "la.png") and "gray content" in describe(tmp_path / "la.png")



def gray_alpha_tiff(path, gray, alpha, orientation=1):
    """A minimal little-endian, uncompressed gray+alpha TIFF (two samples per pixel, unassociated
    alpha, 8 or 16 bits) with the orientation tag: what GIMP writes for a gray layer with
    transparency; OpenCV cannot write one."""
    h, w = gray.shape
    bits = 8 * gray.dtype.itemsize
    data = np.dstack([gray, alpha]).astype(gray.dtype.newbyteorder("<")).tobytes()
    tags = sorted([(256, 4, w), (257, 4, h), (259, 3, 1), (262, 3, 1), (273, 4, None), (274, 3, orientation),
                   (277, 3, 2), (278, 4, h), (279, 4, len(data)), (284, 3, 1), (338, 3, 2)] + [(258, 3, None)])
    data_off = 8 + 2 + 12 * len(tags) + 4
    out = bytearray(b"II*\x00" + struct.pack("<IH", 8, len(tags)))
    for tag, typ, val in tags:
        if tag == 258:
            out += struct.pack("<HHIHH", tag, typ, 2, bits, bits)
            continue
        val = data_off if tag == 273 else val
        out += struct.pack("<HHI", tag, typ, 1) + (struct.pack("<HH", val, 0) if typ == 3 else struct.pack("<I", val))
    path.write_bytes(bytes(out + struct.pack("<I", 0) + data))


@pytest.mark.parametrize("dtype,orientation", [(np.uint8, 1), (np.uint16, 1), (np.uint8, 6), (np.uint16, 8)])
def test_gray_alpha_tiff_keeps_its_alpha_and_depth(tmp_path, col, dtype, orientation):
    """OpenCV reads a gray+alpha TIFF as 8-bit gray: the alpha channel was lost without a note, and
    a 16-bit one was cut to 8 bits. Both now come back as stored, upright, and the result keeps them."""
    gray, alpha = rgba(h=21, w=30, dtype=dtype)
    gray = np.ascontiguousarray(gray[..., 0])
    src, out = tmp_path / "in.tif", tmp_path / "out.tif"
    gray_alpha_tiff(src, gray, alpha, orientation)
    upright = {1: lambda a: a, 6: lambda a: np.rot90(a, -1), 8: lambda a: np.rot90(a, 1)}[orientation]
    assert np.array_equal(read_image(src), upright(gray)) and np.array_equal(read_alpha(src), upright(alpha))
    r = process_image(src, out, "none", colorizer=col)
    assert np.array_equal(read_alpha(out), upright(alpha)) and read_image(out).dtype == dtype and r.notes == []
    assert "gray + alpha channel" in describe(src) and f"{8 * np.dtype(dtype).itemsize}-bit" in describe(src)


def gray_png(path, gray, depth, key=None):
    """A gray PNG (colour type 0) of ``depth`` bits with, given ``key``, a tRNS chunk making that
    gray value transparent: what optipng/oxipng make of a gray+alpha PNG whose alpha is on or off."""
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    h, w = gray.shape
    if depth < 8:
        bits = np.unpackbits(gray.astype(np.uint8)[..., None], axis=2)[..., 8 - depth:].reshape(h, -1)
        rows = [np.packbits(r).tobytes() for r in bits]
    else:
        rows = [r.astype(">u2" if depth == 16 else np.uint8).tobytes() for r in gray]
    trns = chunk(b"tRNS", struct.pack(">H", key)) if key is not None else b""
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, 0, 0, 0, 0)) + trns
                     + chunk(b"IDAT", zlib.compress(b"".join(b"\x00" + r for r in rows))) + chunk(b"IEND", b""))


@pytest.mark.parametrize("depth", [2, 8, 16])
def test_gray_png_with_a_transparent_value_keeps_its_transparency(tmp_path, col, depth):
    """OpenCV ignores the tRNS chunk of a gray PNG: its transparent pixels came out opaque, without a
    note (a palette or RGB PNG's tRNS was already read)."""
    levels = 2 ** depth
    gray = (np.arange(12 * 16).reshape(12, 16) * 7 % levels).astype(np.uint16 if depth == 16 else np.uint8)
    key = int(gray[3, 5])
    src, out = tmp_path / "in.png", tmp_path / "out.png"
    gray_png(src, gray, depth, key)
    top = 65535 if depth == 16 else 255
    assert np.array_equal(read_alpha(src), np.where(gray == key, 0, top))
    r = process_image(src, out, "none", colorizer=col)
    assert np.array_equal(read_alpha(out), np.where(gray == key, 0, top)) and r.notes == []
    gray_png(tmp_path / "plain.png", gray, depth)
    assert read_alpha(tmp_path / "plain.png") is None


@pytest.mark.parametrize("ext,what", [(".tif", "3 pages"), (".webp", "3 frames"), (".png", "3 frames")])
def test_pictures_after_the_first_are_named(tmp_path, col, ext, what):
    """A multi-page TIFF (a scanned album), an animated WebP or PNG: only the first picture is read;
    the others were dropped without a word, now a note (and ``vidcolor info``) says so."""
    from PIL import Image

    pictures = [Image.fromarray(frame_image(i, (24, 16), gray=True)[..., 0]) for i in range(3)]
    src = tmp_path / f"album{ext}"
    pictures[0].save(src, save_all=True, append_images=pictures[1:])
    r = process_image(src, tmp_path / f"out{ext}", "none", colorizer=col)
    assert [n for n in r.notes if what in n and "only the first" in n] and what in describe(src)
    pictures[0].save(tmp_path / f"one{ext}")
    r = process_image(tmp_path / f"one{ext}", tmp_path / f"out1{ext}", "none", colorizer=col)
    assert r.notes == [] and "only the first" not in describe(tmp_path / f"one{ext}")


@pytest.mark.parametrize("ext", [".jpg", ".png", ".tif"])
def test_a_colour_profile_other_than_srgb_is_named(tmp_path, col, ext):
    """A photo tagged with another colour space (Adobe RGB, a gray "Dot Gain 20%"; here XYZ, the one
    Pillow can make) is read as sRGB and written without a profile: a colour-managed viewer shows it
    differently afterwards, which was not said. An sRGB profile needs no word."""
    from PIL import Image, ImageCms

    gray = Image.fromarray(frame_image(0, (24, 16), gray=True)[..., 0]).convert("RGB")
    src = tmp_path / f"tagged{ext}"
    gray.save(src, icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("XYZ")).tobytes())
    r = process_image(src, tmp_path / "out.png", "none", colorizer=col)
    assert [n for n in r.notes if "colour profile 'XYZ identity built-in' is not applied" in n]
    assert "'XYZ identity built-in' is not applied" in describe(src)
    gray.save(tmp_path / f"srgb{ext}", icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    r = process_image(tmp_path / f"srgb{ext}", tmp_path / "out_srgb.png", "none", colorizer=col)
    assert r.notes == [] and "profile" not in describe(tmp_path / f"srgb{ext}")

def alpha_clip(path, n_frames=12, size=(64, 48), rate=Fraction(25), encoder="ffv1", pix_fmt="yuva420p"):
    """A gray clip whose alpha changes every frame (a ramp that moves right by 3 px per frame), so a
    plane that arrives beside the wrong frame shows. ``alpha_plane(i, size)`` is frame ``i``'s."""
    w, h = size
    with av.open(str(path), "w") as out:
        s = out.add_stream(encoder, rate=rate)
        s.width, s.height, s.pix_fmt = w, h, pix_fmt
        s.time_base = s.codec_context.time_base = 1 / rate
        for i in range(n_frames):
            rgba = np.dstack([frame_image(i, size, gray=True), alpha_plane(i, size)])
            frame = av.VideoFrame.from_ndarray(rgba, format="rgba").reformat(format=pix_fmt)
            frame.pts = i
            out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path


def alpha_plane(i, size=(64, 48)) -> np.ndarray:
    w, h = size
    xx = (np.arange(w)[None, :] + 3 * i) % w
    return np.broadcast_to(xx * 255 // (w - 1), (h, w)).astype(np.uint8)


def alphas(path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgba")[..., 3] for f in c.decode(video=0)]


@pytest.mark.parametrize("src_fmt", [("ffv1", "yuva420p", ".mkv"), ("qtrle", "argb", ".mov"), ("png", "rgba", ".mov")],
                         ids=["ffv1-yuva420p", "qtrle-argb", "png-rgba"])
def test_video_alpha_is_kept_in_mov_and_mkv(tmp_path, tiny_weights, src_fmt):
    """No --codec: ProRes 4444 in .mov and FFV1 in .mkv keep the alpha, frame by frame, in one pass
    and in segments; an .mp4 output (H.264) drops it with a note."""
    encoder, pix_fmt, ext = src_fmt
    src = alpha_clip(tmp_path / f"in{ext}", encoder=encoder, pix_fmt=pix_fmt)
    assert probe_video(src).has_alpha and "; alpha channel;" in describe(src)
    want = alphas(src)  # as decoded (swscale's rgba -> yuva420p moves some alpha values by 1)
    assert max(int(np.abs(a.astype(int) - alpha_plane(i)).max()) for i, a in enumerate(want)) <= 1
    base = ["process", str(src), "--weights", str(tiny_weights), "--device", "cpu", "-q"]
    for name, extra, codec, exact in [("o.mkv", [], "ffv1", True), ("o.mov", [], "prores", False),
                                      ("seg.mov", ["--resume", "--segment-seconds", "0.2"], "prores", False)]:
        out = tmp_path / name
        r = CliRunner().invoke(cli, [*base, "-o", str(out), *extra])
        assert r.exit_code == 0, r.output
        assert "alpha" not in r.output, name
        with av.open(str(out)) as c:
            assert c.streams.video[0].codec_context.name == codec
        got = alphas(out)
        assert len(got) == 12 and probe_video(out).has_alpha
        assert max(int(np.abs(a.astype(int) - b).max()) for a, b in zip(got, want)) <= (0 if exact else 1), name
        assert has_color(read_first_rgb(out))
    r = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "o.mp4")])
    assert r.exit_code == 0 and "alpha channel is dropped" in r.output and "ProRes 4444 in .mov" in r.output
    assert not probe_video(tmp_path / "o.mp4").has_alpha


def test_webm_vp9_alpha_is_read_and_kept(tmp_path, col):
    """WebM keeps VP9's alpha beside each frame (``alpha_mode=1``), which FFmpeg's own VP9 decoder
    ignores: the reader decodes it with libvpx, so `info` names it and an .mkv output keeps it."""
    src = alpha_clip(tmp_path / "a.webm", n_frames=6, encoder="libvpx-vp9")
    with av.open(str(src)) as c:
        assert c.streams.video[0].metadata.get("alpha_mode") == "1"
    from vidcolor.io.video import VideoReader

    with VideoReader(src, alpha=True) as reader:
        assert reader.info.has_alpha and reader.info.codec == "vp9"
        want = [f.alpha for f in reader]
    assert len(want) == 6 and all(a is not None for a in want)
    assert max(int(np.abs(a.astype(int) - alpha_plane(i)).max()) for i, a in enumerate(want)) <= 8  # lossy VP9
    assert "; alpha channel;" in describe(src)
    r = process_video(src, tmp_path / "o.mkv", "none", colorizer=col)
    assert r.notes == [] and all(np.array_equal(a, b) for a, b in zip(alphas(tmp_path / "o.mkv"), want, strict=True))


def test_webm_vp9_alpha_survives_segments(tmp_path, tiny_weights):
    """Segmented rendering seeks into the WebM: every segment's alpha decoder must restart at a
    keyframe with the frame stream, so the joined film carries the same alpha, frame for frame, as a
    single pass."""
    src = alpha_clip(tmp_path / "a.webm", n_frames=12, encoder="libvpx-vp9")
    from vidcolor.io.video import VideoReader

    with VideoReader(src, alpha=True) as reader:
        want = [f.alpha for f in reader]
    base = ["process", str(src), "--weights", str(tiny_weights), "--device", "cpu", "-q"]
    r = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "seg.mkv"), "--resume", "--segment-seconds", "0.2"])
    assert r.exit_code == 0, r.output
    got = alphas(tmp_path / "seg.mkv")
    assert len(got) == 12 and all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))


def test_default_names_keep_an_alpha_avi(tmp_path, tiny_weights):
    """Without -o and --codec, an .avi with alpha stays .avi (FFV1 keeps the alpha); an opaque .avi
    is named .mp4 (H.264 cannot go in AVI)."""
    alpha_clip(tmp_path / "a.avi", n_frames=4, encoder="ffv1", pix_fmt="bgra")
    make_clip(tmp_path / "o.avi", n_frames=4, codec="mpeg4", gray=True)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["process", str(tmp_path / "a.avi"), str(tmp_path / "o.avi"), "-o", str(out), "--weights", str(tiny_weights),
                                 "--device", "cpu", "-q"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["a.none.avi", "o.none.mp4"]
    assert probe_video(out / "a.none.avi").has_alpha and "alpha channel" not in r.output


def test_batch_keeps_alpha_and_deinterlaces(tmp_path, tiny_weights):
    """``vidcolor batch`` chooses the codec per film like ``process`` (alpha kept in .mov/.mkv) and
    has --deinterlace (and a ``deinterlace`` manifest column)."""
    films = tmp_path / "films"
    films.mkdir()
    alpha_clip(films / "a.mov", n_frames=6, encoder="qtrle", pix_fmt="argb")
    woven_clip(films / "w.mkv", n_frames=8)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["batch", str(films), "-o", str(out), "--weights", str(tiny_weights), "--device", "cpu", "--deinterlace"])
    assert r.exit_code == 0, r.output
    with av.open(str(out / "a.none.mov")) as c:
        assert c.streams.video[0].codec_context.name == "prores"
    assert probe_video(out / "a.none.mov").has_alpha and "alpha channel" not in r.output
    assert max(int(np.abs(a.astype(int) - alpha_plane(i)).max()) for i, a in enumerate(alphas(out / "a.none.mov"))) <= 1
    assert scan(out / "w.none.mkv") == (1, False) and "deinterlaced (yadif" in r.output
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"input,output,deinterlace\n{films / 'w.mkv'},kept.mkv,false\n")
    r = CliRunner().invoke(cli, ["batch", str(manifest), "-o", str(out), "--weights", str(tiny_weights), "--device", "cpu",
                                 "--deinterlace"])
    assert r.exit_code == 0, r.output
    assert scan(out / "kept.mkv")[0] == 2


def read_first_rgb(path) -> np.ndarray:
    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24")


def test_video_alpha_with_a_chosen_codec(tmp_path, col):
    src = alpha_clip(tmp_path / "a.mkv", n_frames=4)
    r = process_video(src, tmp_path / "o.mkv", "none", colorizer=col, codec="ffv1")
    assert r.notes == [] and all(np.array_equal(a, b) for a, b in zip(alphas(tmp_path / "o.mkv"), alphas(src), strict=True))
    r = process_video(src, tmp_path / "h.mkv", "none", colorizer=col, codec="h264")
    assert any("alpha channel is dropped" in n and "--codec prores/ffv1" in n for n in r.notes)
    opaque = make_clip(tmp_path / "p.mov", n_frames=4, gray=True)
    process_video(opaque, tmp_path / "p_out.mov", "none", colorizer=col)  # no alpha: the default codec
    with av.open(str(tmp_path / "p_out.mov")) as c:
        assert c.streams.video[0].codec_context.name == "h264"


# -- interlacing --------------------------------------------------------------------------------

@pytest.mark.parametrize("order,code", [("tff", 2), ("bff", 3)])
def test_field_order_is_carried(tmp_path, col, order, code):
    src = interlaced_clip(tmp_path / "in.mkv", order, n_frames=30, gray=True)
    info = probe_video(src)
    assert info.interlaced and info.field_order == order
    plain = process_video(src, tmp_path / "plain.mp4", "none", colorizer=col)
    seg = process_video_segmented(src, tmp_path / "seg.mkv", "none", colorizer=col, segment_seconds=0.4, resume=False)
    assert seg.segments == 3
    for path in (tmp_path / "plain.mp4", tmp_path / "seg.mkv"):
        assert scan(path) == (code, True), path.name
    assert any("kept interlaced" in n for n in plain.notes)
    other = process_video(src, tmp_path / "o.mkv", "none", colorizer=col, codec="ffv1")
    assert scan(tmp_path / "o.mkv")[0] == code and any("progressive pictures" in n for n in other.notes)


def test_info_shows_the_scan(tmp_path):
    il = interlaced_clip(tmp_path / "il.mp4", n_frames=4)
    prog = make_clip(tmp_path / "p.mp4", n_frames=4, gray=True)
    assert "scan: interlaced, top field first" in describe(il)
    assert "scan: progressive; no alpha; first frame is gray" in describe(prog)
    r = CliRunner().invoke(cli, ["info", str(il)])
    assert r.exit_code == 0 and "interlaced, top field first" in r.output


def woven_clip(path, order="tff", n_frames=20, size=(64, 48), rate=Fraction(25)):
    """A truly interlaced clip: the two fields of frame ``i`` show a bright bar at two instants
    (the first field earlier), so a woven frame combs where the bar moves. Lossless x264, coded
    interlaced with that field order (frames flagged interlaced)."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    background = 40 + 100 * xx / w + 40 * yy / h

    def field_image(t):
        img = background.copy()
        x0 = (4 + 5 * t) % (w - 10)
        img[:, x0:x0 + 10] = 230
        return img.astype(np.uint8)

    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=rate)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.time_base = s.codec_context.time_base = 1 / rate
        s.options = {"preset": "veryfast", "crf": "0",
                     "x264-params": f"{order}=1:keyint=10:min-keyint=10:scenecut=0:log-level=error"}
        for i in range(n_frames):
            early, late = field_image(2 * i), field_image(2 * i + 1)
            img = np.empty((h, w), np.uint8)
            top, bottom = (early, late) if order == "tff" else (late, early)
            img[0::2], img[1::2] = top[0::2], bottom[1::2]
            frame = av.VideoFrame.from_ndarray(img, format="gray").reformat(format="yuv420p")
            frame.pts = i
            out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path


def combing(path) -> float:
    """Mean |odd row - mean of the even rows around it| of the luma over all frames: high where
    fields from two instants are woven, low in progressive pictures."""
    with av.open(str(path)) as c:
        rows = [f.to_ndarray(format="gray").astype(np.float64) for f in c.decode(video=0)]
    return float(np.mean([np.abs(y[1:-1:2] - (y[0:-2:2] + y[2::2]) / 2).mean() for y in rows]))


def stream_pts(path) -> list[float]:
    with av.open(str(path)) as c:
        return [f.time for f in c.decode(video=0)]


def test_deinterlace_option(tmp_path, tiny_weights):
    """Default: field order kept, and a note names --deinterlace. With it: yadif before
    colorizing, progressive output with the same frames and timestamps (one pass and segments)."""
    src = woven_clip(tmp_path / "in.mkv")
    r = CliRunner().invoke(cli, ["info", str(src)])
    assert r.exit_code == 0 and "scan: interlaced, top field first" in r.output
    base = ["process", str(src), "--weights", str(tiny_weights), "--device", "cpu", "-q"]
    kept, di, seg = tmp_path / "kept.mp4", tmp_path / "di.mp4", tmp_path / "seg.mkv"
    r = CliRunner().invoke(cli, [*base, "-o", str(kept)])
    assert r.exit_code == 0, r.output
    assert "field order kept" in r.output and "--deinterlace" in r.output
    assert scan(kept) == (2, True)
    r = CliRunner().invoke(cli, [*base, "-o", str(di), "--deinterlace"])
    assert r.exit_code == 0, r.output
    assert r.output.count("deinterlaced (yadif, top field first) before colorizing") == 1
    assert "field order kept" not in r.output
    r = CliRunner().invoke(cli, [*base, "-o", str(seg), "--deinterlace", "--resume", "--segment-seconds", "0.4"])
    assert r.exit_code == 0, r.output
    assert r.output.count("deinterlaced (yadif") == 1
    for out in (di, seg):
        assert scan(out) == (1, False), out.name                       # progressive, stream and frames
        assert stream_pts(out) == pytest.approx(stream_pts(src), abs=1e-3)  # 20 frames, same times
        assert combing(out) < 0.4 * combing(kept), out.name
    assert combing(src) == pytest.approx(combing(kept), rel=0.25)      # colorizing keeps the combs


def test_deinterlace_bottom_field_first_and_progressive_inputs(tmp_path, col):
    from vidcolor.io.video import VideoReader

    src = woven_clip(tmp_path / "bff.mkv", "bff", n_frames=8)
    with VideoReader(src, deinterlace=True) as reader:
        frames = list(reader)
        assert reader.info.deinterlaced and reader.info.field_order == "bff"
    with VideoReader(src) as reader:
        woven = list(reader)
    assert [f.pts for f in frames] == [f.pts for f in woven] == list(range(0, 320, 40))  # ms
    comb = [np.abs(f.image[1:-1:2].astype(float) - (f.image[0:-2:2].astype(float) + f.image[2::2]) / 2).mean()
            for f in (frames[4], woven[4])]
    assert comb[0] < 0.4 * comb[1]
    prog = make_clip(tmp_path / "p.mp4", n_frames=4, gray=True)
    plain = process_video(prog, tmp_path / "a.mp4", "none", colorizer=col)
    asked = process_video(prog, tmp_path / "b.mp4", "none", colorizer=col, deinterlace=True)
    assert asked.notes == plain.notes + [PROGRESSIVE_NOTE]
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()


def test_progressive_input_stays_progressive(tmp_path, col):
    src = make_clip(tmp_path / "p.mp4", n_frames=4, gray=True)
    r = process_video(src, tmp_path / "o.mp4", "none", colorizer=col)
    assert scan(tmp_path / "o.mp4")[1] is False and not any("interlaced" in n for n in r.notes)


# -- inputs that already have colour --------------------------------------------------------------

def test_color_input_gets_a_note_gray_does_not(tmp_path, col):
    color, gray = make_clip(tmp_path / "c.mp4", n_frames=4), make_clip(tmp_path / "g.mp4", n_frames=4, gray=True)
    assert COLOR_NOTE in process_video(color, tmp_path / "co.mp4", "none", colorizer=col).notes
    assert COLOR_NOTE not in process_video(gray, tmp_path / "go.mp4", "none", colorizer=col).notes
    write_image(tmp_path / "c.png", frame_image(0, (40, 30)))
    write_image(tmp_path / "g.png", frame_image(0, (40, 30), gray=True))
    assert COLOR_NOTE in process_image(tmp_path / "c.png", tmp_path / "co.png", colorizer=col).notes
    assert process_image(tmp_path / "g.png", tmp_path / "go.png", colorizer=col).notes == []


def test_color_found_after_a_gray_opening(tmp_path, col):
    """A film that opens on gray (titles) and turns colour later is still named."""
    path = tmp_path / "late.mp4"
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for i in range(60):
            frame = av.VideoFrame.from_ndarray(frame_image(i, gray=i < 48), format="rgb24").reformat(format="yuv420p")
            frame.pts = i
            out.mux(s.encode(frame))
        out.mux(s.encode(None))
    assert not probe_video(path).has_color
    assert COLOR_NOTE in process_video(path, tmp_path / "o.mp4", "none", colorizer=col).notes
