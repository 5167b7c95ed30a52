"""read_image / read_gray_float / write_image: round trips, depths, orientation, errors, atomicity."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from vidcolor.errors import VidcolorError
from vidcolor.io.image import IMAGE_EXTS, color_model, luma601, read_alpha, read_gray_float, read_image, write_image

RNG = np.random.default_rng(0)
RGB8 = RNG.integers(0, 256, (6, 9, 3), dtype=np.uint8)
RGB16 = RNG.integers(0, 65536, (6, 9, 3), dtype=np.uint16)


@pytest.mark.parametrize("ext", [".png", ".tif", ".tiff", ".bmp"])
def test_lossless_round_trip_8bit(tmp_path, ext):
    path = write_image(tmp_path / f"a{ext}", RGB8)
    assert np.array_equal(read_image(path), RGB8)
    gray = RGB8[..., 0]
    assert np.array_equal(read_image(write_image(tmp_path / f"g{ext}", gray)), gray)


@pytest.mark.parametrize("ext", [".png", ".tif"])
def test_16bit_is_preserved(tmp_path, ext):
    image = read_image(write_image(tmp_path / f"a{ext}", RGB16, bit_depth=16))
    assert image.dtype == np.uint16 and np.array_equal(image, RGB16)


@pytest.mark.parametrize("ext", [".jpg", ".jpeg", ".webp"])
def test_lossy_formats(tmp_path, ext):
    smooth = np.dstack([np.tile(np.linspace(0, 255, 32, dtype=np.uint8), (24, 1))] * 3)
    image = read_image(write_image(tmp_path / f"a{ext}", smooth))
    assert image.shape == (24, 32, 3) and image.dtype == np.uint8
    assert np.abs(image.astype(int) - smooth).mean() < 3


def test_float_input_is_clipped_and_rounded(tmp_path):
    values = np.array([[-0.5, 0.0, 0.5, 1.0, 2.0]], np.float32)
    assert read_image(write_image(tmp_path / "f.png", values)).tolist() == [[0, 0, 128, 255, 255]]
    deep = read_image(write_image(tmp_path / "f16.png", values, bit_depth=16))
    assert deep.tolist() == [[0, 0, 32768, 65535, 65535]]


def test_depth_conversion_between_8_and_16_bits(tmp_path):
    up = read_image(write_image(tmp_path / "up.png", RGB8, bit_depth=16))
    assert np.array_equal(up, RGB8.astype(np.uint16) * 257)
    down = read_image(write_image(tmp_path / "down.png", RGB16, bit_depth=8))
    assert np.abs(down.astype(int) - RGB16 / 257).max() <= 0.5


def test_read_gray_float_uses_rec601_luma(tmp_path):
    color = np.zeros((2, 3, 3), np.uint8)
    color[0, 0], color[0, 1], color[0, 2] = (255, 0, 0), (0, 255, 0), (0, 0, 255)
    gray = read_gray_float(write_image(tmp_path / "c.png", color))
    assert gray.dtype == np.float32 and gray.shape == (2, 3)
    assert gray[0].tolist() == pytest.approx([0.299, 0.587, 0.114], abs=1e-6)
    assert np.allclose(gray, luma601(color) / 255, atol=1e-6)
    deep = read_gray_float(write_image(tmp_path / "d.png", RGB16[..., 1], bit_depth=16))
    assert np.allclose(deep, RGB16[..., 1] / 65535, atol=1e-6)


def test_alpha_is_dropped(tmp_path):
    bgra = np.dstack([RGB8[..., ::-1], np.full(RGB8.shape[:2], 7, np.uint8)])
    cv2.imwrite(str(tmp_path / "a.png"), bgra)
    assert np.array_equal(read_image(tmp_path / "a.png"), RGB8)


def test_exif_orientation_is_applied(tmp_path):
    pil = pytest.importorskip("PIL.Image")
    image = np.zeros((20, 40, 3), np.uint8)
    image[:, :10] = 255  # white band on the left
    picture = pil.fromarray(image)
    exif = picture.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    picture.save(tmp_path / "o.jpg", exif=exif.tobytes(), quality=95)
    upright = read_image(tmp_path / "o.jpg")
    assert upright.shape == (40, 20, 3)
    assert upright[:5].mean() > 200 and upright[-20:].mean() < 50  # the band is now on top


@pytest.mark.parametrize("ext", [".png", ".webp"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_alpha_of_a_flat_cutout_follows_the_exif_orientation(tmp_path, ext, orientation):
    """A logo or cut-out whose shape is only in its alpha (one flat colour, the same under every
    turn): its alpha is turned the way the tag says, as a viewer shows it — it was the first turn
    whose colours matched (90° counter-clockwise for a tag asking 90° clockwise)."""
    from PIL import Image, ImageOps

    alpha = np.zeros((30, 40), np.uint8)
    alpha[2:12, 3:30] = 255
    alpha[20:28, 5:9] = 128
    rgba = np.dstack([np.full((30, 40, 3), 90, np.uint8), alpha])
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{ext}"
    Image.fromarray(rgba, "RGBA").save(path, exif=exif.tobytes(), lossless=True)
    shown = np.asarray(ImageOps.exif_transpose(Image.open(path)))
    assert read_image(path).shape[:2] == shown.shape[:2]
    assert np.array_equal(read_alpha(path), shown[..., 3])


@pytest.mark.parametrize("ext", [".jfif", ".jpe", ".JFIF"])
def test_jpeg_under_its_other_names_is_a_photo(tmp_path, ext):
    """``.jfif`` (browsers on Windows) and ``.jpe`` are JPEG photos, read and written as such (they
    were taken for videos: a one-frame H.264 file)."""
    from PIL import Image

    smooth = np.zeros((32, 48, 3), np.uint8)
    smooth[:, :24] = (200, 40, 30)
    path = write_image(tmp_path / f"p{ext}", smooth)
    assert ext.lower() in IMAGE_EXTS and Image.open(path).format == "JPEG"
    assert np.abs(read_image(path).astype(int) - smooth).mean() < 4


def test_bad_inputs(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("not an image")
    cases = {"missing.png": "file not found", "empty.png": "file is empty",
             "text.jpg": "not a valid JPG", "movie.mkv": "unsupported extension '.mkv'",
             "text.gif": "not a valid GIF"}
    (tmp_path / "text.gif").write_text("not an image")
    for name, message in cases.items():
        with pytest.raises(VidcolorError, match=message):
            read_image(tmp_path / name)
    with pytest.raises(VidcolorError, match="cannot hold 16-bit"):
        write_image(tmp_path / "x.jpg", RGB16, bit_depth=16)
    with pytest.raises(VidcolorError, match="unsupported extension '.gif'"):   # read when still, never written
        write_image(tmp_path / "x.gif", RGB16[..., 0].astype(np.uint8))
    with pytest.raises(VidcolorError, match="does not exist"):
        write_image(tmp_path / "no" / "x.png", RGB8)
    with pytest.raises(ValueError, match="shape"):
        write_image(tmp_path / "x.png", np.zeros((4, 4, 2), np.uint8))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.png", "text.gif", "text.jpg"]


def test_write_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "keep.png"
    write_image(target, RGB8)

    def interrupted(self, data):
        with open(self, "wb") as handle:
            handle.write(data[:10])
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_bytes", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_image(target, RGB8[::-1])
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["keep.png"]
    assert np.array_equal(read_image(target), RGB8)


def test_image_exts():
    assert {".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".tif", ".tiff", ".webp", ".bmp"} == set(IMAGE_EXTS)


def test_float_images_are_read_as_0_to_1_or_refused(tmp_path):
    """Float samples are taken as 0–1; a file beyond that (0–255, HDR) or with NaN is refused
    rather than clipped to white."""
    from PIL import Image

    ramp = np.tile(np.linspace(0, 1, 9, dtype=np.float32), (4, 1))
    Image.fromarray(ramp, mode="F").save(tmp_path / "ok.tif")
    assert read_image(tmp_path / "ok.tif").tolist()[0] == [round(v * 65535) for v in np.linspace(0, 1, 9)]
    Image.fromarray(ramp * 255, mode="F").save(tmp_path / "scaled.tif")
    with pytest.raises(VidcolorError, match="scaled.tif.*run from 0 to 255.*0–1"):
        read_image(tmp_path / "scaled.tif")
    Image.fromarray(np.where(ramp > 0.5, np.nan, ramp).astype(np.float32), mode="F").save(tmp_path / "nan.tif")
    with pytest.raises(VidcolorError, match="NaN"):
        read_image(tmp_path / "nan.tif")


@pytest.mark.parametrize("ext", [".tif", ".jpg"])
def test_cmyk_is_read_as_rgb_without_alpha(tmp_path, ext):
    """A CMYK file comes back as RGB; a CMYK TIFF has no alpha channel (OpenCV's fourth channel
    is an opaque one of its own)."""
    from PIL import Image

    cmyk = np.zeros((6, 8, 4), np.uint8)
    cmyk[..., 0], cmyk[..., 2] = 200, 50
    Image.fromarray(cmyk, mode="CMYK").save(tmp_path / f"c{ext}")
    assert color_model(tmp_path / f"c{ext}") == "CMYK"
    rgb = read_image(tmp_path / f"c{ext}")
    assert rgb.shape == (6, 8, 3) and np.abs(rgb[0, 0].astype(int) - [55, 255, 205]).max() <= 3
    assert read_alpha(tmp_path / f"c{ext}") is None
    assert color_model(write_image(tmp_path / f"rgb{ext}", rgb)) is None
