"""A photo's resolution and descriptive EXIF carried into the colorized output (vidcolor.io.photo_meta)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from vidcolor.io.image import write_image
from vidcolor.io.photo_meta import PhotoMetadata, read_photo_metadata
from vidcolor.process import process_image

DESCRIPTION, COPYRIGHT, DATE, ORIGINAL = 0x010E, 0x8298, 0x0132, 0x9003


def _scan(path, orientation: int | None = None):
    """A 40×30 gray scan at 600 dpi with a caption, a copyright, a date and an Exif sub-directory."""
    gray = np.tile(np.linspace(20, 230, 40, dtype=np.uint8), (30, 1))
    exif = Image.Exif()
    exif[DESCRIPTION], exif[COPYRIGHT], exif[DATE] = "Reel 3, scene 12", "(c) Archive", "1931:05:04 10:00:00"
    exif[0x8769] = {ORIGINAL: "1931:05:04 09:58:00"}
    if orientation:
        exif[0x0112] = orientation
    Image.fromarray(gray).save(path, dpi=(600, 600), exif=exif.tobytes(), quality=95)
    return path


@pytest.mark.parametrize("ext", [".jpg", ".png"])
def test_resolution_and_exif_are_carried_and_the_orientation_is_not(tmp_path, tiny_weights, ext):
    src = _scan(tmp_path / "scan.jpg", orientation=6)
    res = process_image(src, tmp_path / f"out{ext}", weights=str(tiny_weights), device="cpu")
    assert not [n for n in res.notes if "not carried" in n]
    with Image.open(tmp_path / f"out{ext}") as im:
        exif = im.getexif()
        assert im.size == (30, 40)                                   # written upright …
        assert 0x0112 not in exif                                    # … so no orientation to apply again
        assert [round(v) for v in im.info["dpi"]] == [600, 600]
        assert (exif[DESCRIPTION], exif[COPYRIGHT], exif[DATE]) == ("Reel 3, scene 12", "(c) Archive", "1931:05:04 10:00:00")
        assert exif.get_ifd(0x8769)[ORIGINAL] == "1931:05:04 09:58:00"


def test_tiff_keeps_the_resolution_and_webp_says_what_it_drops(tmp_path, tiny_weights):
    src = _scan(tmp_path / "scan.png")
    res = process_image(src, tmp_path / "out.tif", weights=str(tiny_weights), device="cpu")
    with Image.open(tmp_path / "out.tif") as im:
        assert [round(v) for v in im.info["dpi"]] == [600, 600]
    assert any("EXIF (caption, copyright, date, camera) not carried: .tif" in n for n in res.notes), res.notes
    res = process_image(src, tmp_path / "out.webp", weights=str(tiny_weights), device="cpu")
    assert any("EXIF" in n and "resolution (600 dpi) not carried: .webp" in n for n in res.notes), res.notes


def test_a_tiffs_layout_tags_are_not_taken_for_metadata(tmp_path):
    """Pillow reads a TIFF's whole directory as its EXIF (strip offsets, sample format, …): only
    the descriptive tags are carried, or a JPEG made from it would state another file's layout."""
    gray = np.zeros((30, 40), np.uint8)
    Image.fromarray(gray).save(tmp_path / "s.tif", dpi=(300, 300), tiffinfo={270: "Reel 3", 33432: "(c) Archive"})
    meta = read_photo_metadata(tmp_path / "s.tif")
    write_image(tmp_path / "o.jpg", np.zeros((30, 40, 3), np.uint8), metadata=meta)
    with Image.open(tmp_path / "o.jpg") as im:
        assert dict(im.getexif()) == {270: "Reel 3", 33432: "(c) Archive"} and im.info["dpi"] == (300, 300)


def test_no_metadata_changes_nothing(tmp_path):
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "plain.png")
    assert not read_photo_metadata(tmp_path / "plain.png")
    assert not read_photo_metadata(tmp_path / "missing.png")        # never fails a render
    image = np.full((8, 8, 3), 90, np.uint8)
    for ext in (".jpg", ".png"):
        a = write_image(tmp_path / f"a{ext}", image).read_bytes()
        assert write_image(tmp_path / f"b{ext}", image, metadata=PhotoMetadata()).read_bytes() == a


def test_maker_note_left_out_oversized_exif_named_and_rgba_tiff_keeps_dpi(tmp_path, tiny_weights):
    """A camera's MakerNote is not carried (its offsets point into the input's layout); EXIF too large
    for one JPEG segment is named in a note (PNG keeps it); an RGBA TIFF keeps the resolution."""
    gray = np.tile(np.linspace(20, 230, 40, dtype=np.uint8), (30, 1))
    exif = Image.Exif()
    exif[DESCRIPTION] = "Reel 3"
    exif[0x8769] = {ORIGINAL: "1931:05:04 09:58:00", 0x927C: b"\x01" * 300}
    Image.fromarray(gray).save(tmp_path / "cam.jpg", exif=exif.tobytes())
    sub = Image.Exif()
    sub.load(b"Exif\x00\x00" + read_photo_metadata(tmp_path / "cam.jpg").exif)
    assert 0x927C not in sub.get_ifd(0x8769) and sub.get_ifd(0x8769)[ORIGINAL] == "1931:05:04 09:58:00"

    exif[0x8769] = {0x9286: b"ASCII\x00\x00\x00" + b"x" * 70000}   # a 70 KB UserComment
    Image.fromarray(gray).save(tmp_path / "big.png", exif=exif.tobytes())
    res = process_image(tmp_path / "big.png", tmp_path / "out.jpg", weights=str(tiny_weights), device="cpu")
    assert any("EXIF (68 KB) not carried" in n and "use .png" in n for n in res.notes), res.notes
    res = process_image(tmp_path / "big.png", tmp_path / "out.png", weights=str(tiny_weights), device="cpu")
    assert not [n for n in res.notes if "not carried" in n]
    with Image.open(tmp_path / "out.png") as im:
        assert im.getexif()[DESCRIPTION] == "Reel 3"

    rgba = Image.fromarray(np.dstack([gray] * 3 + [np.full_like(gray, 200)]))
    rgba.save(tmp_path / "cut.png", dpi=(600, 600))
    process_image(tmp_path / "cut.png", tmp_path / "cut.tif", weights=str(tiny_weights), device="cpu")
    with Image.open(tmp_path / "cut.tif") as im:
        assert im.mode == "RGBA" and [round(v) for v in im.info["dpi"]] == [600, 600]


def test_xmp_iptc_comments_and_png_text_are_carried_or_named(tmp_path, tiny_weights):
    """Archives keep captions and rights in IPTC and XMP (and PNG text), not only in EXIF: carried
    where the output holds them, named in a note where it does not."""
    import struct

    from PIL import IptcImagePlugin, PngImagePlugin

    gray = Image.fromarray(np.tile(np.linspace(20, 230, 40, dtype=np.uint8), (30, 1)))
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:description>Grandma 1932</dc:description></x:xmpmeta>'
    gray.save(tmp_path / "x.jpg", quality=92, xmp=xmp, comment=b"Scanned by Archive X")
    iptc = b"".join(b"\x1c\x02" + bytes([ds]) + struct.pack(">H", len(v)) + v for ds, v in ((120, b"Grandma 1932"), (116, b"(c) Archive")))
    app13 = b"Photoshop 3.0\x00" + b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    data = (tmp_path / "x.jpg").read_bytes()
    (tmp_path / "scan.jpg").write_bytes(data[:2] + b"\xff\xed" + struct.pack(">H", len(app13) + 2) + app13 + data[2:])
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", "Grandma 1932")
    info.add_text("Copyright", "(c) Archive")
    gray.save(tmp_path / "scan.png", pnginfo=info)

    def run(src, ext):
        return process_image(tmp_path / src, tmp_path / f"{src}.out{ext}", weights=str(tiny_weights), device="cpu").notes

    assert not [n for n in run("scan.jpg", ".jpg") if "not carried" in n]
    with Image.open(tmp_path / "scan.jpg.out.jpg") as im:
        assert im.info["xmp"] == xmp and im.info["comment"] == b"Scanned by Archive X"
        assert IptcImagePlugin.getiptcinfo(im)[(2, 120)] == b"Grandma 1932"
    notes = run("scan.jpg", ".png")
    assert [n for n in notes if "not carried" in n] == ["the photo's IPTC (caption, copyright, keywords: .jpg keeps it) not carried into .png"]
    with Image.open(tmp_path / "scan.jpg.out.png") as im:
        assert im.info["xmp"] == xmp and im.info["Comment"] == "Scanned by Archive X"
    assert not [n for n in run("scan.png", ".png") if "not carried" in n]
    with Image.open(tmp_path / "scan.png.out.png") as im:
        assert (im.info["Title"], im.info["Copyright"]) == ("Grandma 1932", "(c) Archive")
    assert any("PNG text (Copyright, Title) not carried into .jpg" in n for n in run("scan.png", ".jpg"))
    assert any("XMP, IPTC" in n and "comment not carried into .webp" in n for n in run("scan.jpg", ".webp"))


def test_damaged_descriptions_never_fail_a_render_and_raw_profiles_are_not_copied(tmp_path, tiny_weights):
    """A truncated XMP chunk (which OpenCV reads past) crashed the render; ImageMagick's 'Raw profile
    type exif' was copied beside the cleaned EXIF, stating the old orientation."""
    import struct
    import zlib

    from PIL import PngImagePlugin

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    gray = Image.fromarray(np.tile(np.linspace(20, 230, 40, dtype=np.uint8), (30, 1)))
    gray.save(tmp_path / "ok.png")
    data = (tmp_path / "ok.png").read_bytes()
    at = 8 + 25   # after IHDR
    (tmp_path / "bad.png").write_bytes(data[:at] + chunk(b"iTXt", b"XML:com.adobe.xmp\x00") + data[at:])
    res = process_image(tmp_path / "bad.png", tmp_path / "bad.out.png", weights=str(tiny_weights), device="cpu")
    assert res.output.exists()
    exif = Image.Exif()
    exif[0x0112] = 6
    info = PngImagePlugin.PngInfo()
    info.add_text("Raw profile type exif", "\nexif\n" + exif.tobytes().hex(), zip=True)
    info.add_text("Title", "Reel 3")
    gray.save(tmp_path / "im.png", pnginfo=info)
    meta = read_photo_metadata(tmp_path / "im.png")
    assert [c[8:13] for c in meta.png_text] == [b"Title"]
