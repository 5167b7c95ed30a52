"""A photo's descriptive metadata, carried from the input to the colorized output.

An archival scan states its resolution (600 dpi: the print size), and often a caption, a copyright,
the date, the camera; OpenCV's encoders write none of it. :func:`read_photo_metadata` takes what
describes the picture — the resolution, and of the EXIF the descriptive tags of the main directory
(:data:`KEEP`) with the Exif and GPS sub-directories — and leaves out what describes the file's
layout (strip offsets, sample format: a TIFF's whole directory reads as "EXIF" through Pillow) and
the orientation (the output's pixels are written upright). Archives also keep captions and rights in
XMP and IPTC, a JPEG comment, a PNG's text chunks: those are taken as stored. :func:`embed` puts it
into the encoded bytes: JPEG as a JFIF density, APP1 Exif and XMP segments, the Photoshop APP13 (IPTC)
and a COM segment; PNG as ``pHYs``, ``eXIf``, an XMP ``iTXt`` and the text chunks (a JPEG's comment
as ``tEXt`` Comment). TIFF takes the resolution as encoder parameters (:func:`tiff_params`), not the
rest; WebP and BMP keep none; IPTC stays in JPEG and PNG text in PNG. :func:`metadata_notes` names
what an output leaves out. No colour profile is carried: the colours are vidcolor's, in sRGB.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

KEEP = (0x010E, 0x010F, 0x0110, 0x0132, 0x013B, 0x8298)
"""Tags of the main EXIF directory carried: ImageDescription, Make, Model, DateTime, Artist,
Copyright (the Exif 0x8769 and GPS 0x8825 sub-directories go along whole). Not Software: it names
the program that wrote the input (an encoder's stamp), not the picture."""
_SUB_IFDS = (0x8769, 0x8825)
_MAKER_NOTE = 0x927C
"""The camera maker's private block in the Exif sub-directory: left out — its internal offsets point
into the input file's layout (moved, it reads as garbage), and it can reach tens of kilobytes."""
JPEG_EXIF_MAX = 65535 - 8
"""The most EXIF bytes one JPEG APP1 segment holds (its 16-bit length counts itself and ``Exif\0\0``)."""


@dataclass(frozen=True)
class PhotoMetadata:
    """``dpi``: (x, y) pixels per inch, or None; ``exif``: a TIFF-structured EXIF block (``MM``/``II``
    first, no ``Exif\\0\\0`` header) with the orientation left out, or None."""

    dpi: tuple[float, float] | None = None
    exif: bytes | None = None
    xmp: bytes | None = None            # the XMP packet (UTF-8 XML): Lightroom's, Photoshop's, an archive's caption
    iptc: bytes | None = None           # a JPEG's Photoshop APP13 payload (IPTC caption, copyright, keywords), as stored
    comment: bytes | None = None        # a JPEG's COM text
    png_text: tuple[bytes, ...] = ()    # a PNG's tEXt/zTXt/iTXt chunks (Title, Copyright, ...), whole

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.dpi, self.exif, self.xmp, self.iptc, self.comment)) or bool(self.png_text)


def read_photo_metadata(path: str | Path) -> PhotoMetadata:
    """What of ``path``'s metadata an output can carry (empty when the file states none or Pillow
    cannot read it: metadata never fails a render)."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            dpi = im.info.get("dpi")
            old = im.getexif()
            new = Image.Exif()
            for tag in KEEP:
                if tag in old:
                    new[tag] = old[tag]
            for tag in _SUB_IFDS:
                sub = dict(old.get_ifd(tag)) if tag in old else None
                if sub:
                    sub.pop(_MAKER_NOTE, None)
                    new[tag] = sub
            exif = new.tobytes()[6:] if len(new) else None
    except Exception:   # noqa: BLE001 - any reader error means: nothing to carry
        return PhotoMetadata()
    try:
        dpi = (round(float(dpi[0]), 1), round(float(dpi[1]), 1)) if dpi else None   # a PNG's 600 dpi reads 599.9988
    except (TypeError, ValueError, IndexError):
        dpi = None
    if dpi is not None and not (1.0 < dpi[0] < 100000 and 1.0 < dpi[1] < 100000):   # JFIF's aspect-only 1:1, nonsense
        dpi = None
    try:
        extra = _read_descriptions(Path(path))
    except Exception:   # noqa: BLE001 - a damaged description never fails a render: nothing to carry
        extra = {}
    return PhotoMetadata(dpi, exif, **extra)


_XMP_JPEG = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_PNG = b"XML:com.adobe.xmp"


def _read_descriptions(path: Path) -> dict:
    """The XMP, IPTC, comment and text a JPEG, PNG or TIFF carries besides its EXIF, read from the
    file's own segments/chunks/tags (what describes the picture; nothing is decoded or changed).
    The file is read segment by segment, image data skipped."""
    with open(path, "rb") as f:
        head = f.read(8)
        if head[:2] == b"\xff\xd8":
            return _jpeg_descriptions(f)
        if head == b"\x89PNG\r\n\x1a\n":
            return _png_descriptions(f)
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        from vidcolor.io import tiff

        xmp = tiff.tag(path, 700)   # XMLPacket
        return {"xmp": bytes(xmp)} if isinstance(xmp, (bytes, bytearray)) and xmp else {}
    return {}


def _jpeg_descriptions(f) -> dict:
    out: dict = {}
    f.seek(2)
    while True:
        marker = f.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return out
        if marker[1] in (0xD8, 0x01) or 0xD0 <= marker[1] <= 0xD7:
            continue
        if marker[1] in (0xDA, 0xD9):   # start of scan: the metadata segments come before it
            return out
        size = f.read(2)
        if len(size) < 2:
            return out
        body = f.read(struct.unpack(">H", size)[0] - 2)
        if marker[1] == 0xE1 and body.startswith(_XMP_JPEG):
            out.setdefault("xmp", body[len(_XMP_JPEG):])
        elif marker[1] == 0xED and body.startswith(b"Photoshop 3.0\x00"):
            out.setdefault("iptc", body)
        elif marker[1] == 0xFE and body:
            out.setdefault("comment", body)


#: Text chunks not carried as text: ImageMagick's "Raw profile type exif/xmp/iptc" hold the EXIF, XMP
#: and IPTC (the EXIF is written cleaned, as eXIf: a raw copy would state the old orientation), and
#: Adobe's XMP key is carried as the XMP.
_NOT_TEXT = (b"Raw profile type ", _XMP_PNG)
_TEXT_MAX = 1 << 20   # one text chunk, compressed or not: a caption, not a payload


def _png_descriptions(f) -> dict:
    out: dict = {}
    text = []
    while True:
        head = f.read(8)
        if len(head) < 8:
            break
        length, kind = struct.unpack(">I4s", head)
        if kind == b"IEND":
            break
        if kind not in (b"tEXt", b"zTXt", b"iTXt") or length > _TEXT_MAX:
            f.seek(length + 4, 1)   # image data and everything else: skipped
            continue
        body = f.read(length)
        crc = f.read(4)
        if len(body) < length or len(crc) < 4:
            break
        if kind == b"iTXt" and body.startswith(_XMP_PNG + b"\x00"):
            xmp = _itxt_text(body)
            if xmp is not None:
                out["xmp"] = xmp
        elif not body.startswith(_NOT_TEXT):
            text.append(head + body + crc)
    return {**out, "png_text": tuple(text)} if text else out


def _itxt_text(body: bytes) -> bytes | None:
    """The text of an iTXt chunk's ``body`` (keyword, flags, language and translated keyword skipped,
    inflated when compressed, at most :data:`_TEXT_MAX` bytes), or None when it is malformed."""
    parts = body.split(b"\x00", 1)
    if len(parts) < 2 or len(parts[1]) < 2:
        return None
    compressed, rest = parts[1][0], parts[1][2:]
    pieces = rest.split(b"\x00", 2)   # language tag, translated keyword, text
    if len(pieces) < 3:
        return None
    if not compressed:
        return pieces[2]
    inflate = zlib.decompressobj()
    text = inflate.decompress(pieces[2], _TEXT_MAX)
    return None if inflate.unconsumed_tail else text


def metadata_notes(meta: PhotoMetadata, ext: str) -> list[str]:
    """The notes for what an output of extension ``ext`` cannot keep of ``meta``: its resolution and
    EXIF (:func:`metadata_note`), its XMP, IPTC, comment and PNG text."""
    from vidcolor.io.image import JPEG_EXTS

    ext = ext.lower()
    notes = [n for n in [metadata_note(meta, ext)] if n]
    jpeg, png = ext in JPEG_EXTS, ext == ".png"
    lost = []
    if meta.xmp is not None and not ((jpeg and len(meta.xmp) <= _XMP_MAX) or png):
        lost.append(f"XMP ({len(meta.xmp) // 1024} KB: more than one JPEG segment holds)" if jpeg else "XMP")
    if meta.iptc is not None and not jpeg:
        lost.append("IPTC (caption, copyright, keywords: .jpg keeps it)")
    if meta.comment is not None and not (jpeg or png):
        lost.append("comment")
    if meta.png_text and not png:
        lost.append("PNG text (" + ", ".join(sorted({_text_key(c) for c in meta.png_text})) + ")")
    if lost:
        notes.append(f"the photo's {', '.join(lost)} not carried into {ext}"
                     + ("" if jpeg or png else " (.jpg and .png keep descriptions)"))
    return notes


_XMP_MAX = 65533 - len(_XMP_JPEG)


def _text_key(chunk: bytes) -> str:
    body = chunk[8:-4]
    return body[:body.find(b"\x00")].decode("latin-1", "replace") if b"\x00" in body else "?"


def metadata_note(meta: PhotoMetadata, ext: str) -> str | None:
    """The note for what an output of extension ``ext`` cannot keep of ``meta``'s resolution and EXIF, or None."""
    from vidcolor.io.image import JPEG_EXTS

    ext = ext.lower()
    holds_exif = JPEG_EXTS | {".png"}
    lost = []
    if meta.exif is not None and ext not in holds_exif:
        lost.append("EXIF (caption, copyright, date, camera)")
    elif meta.exif is not None and ext in JPEG_EXTS and len(meta.exif) > JPEG_EXIF_MAX:
        return (f"the photo's EXIF ({len(meta.exif) // 1024} KB) not carried: it is larger than one JPEG segment "
                f"holds (64 KB); use .png to keep it")
    if meta.dpi is not None and ext not in holds_exif | {".tif", ".tiff"}:
        lost.append(f"resolution ({meta.dpi[0]:g} dpi)")
    if not lost:
        return None
    keep = ".jpg, .png" if meta.exif is not None else ".jpg, .png, .tif"
    return f"the photo's {' and '.join(lost)} not carried: {ext} output keeps none (use {keep})"


def tiff_params(meta: PhotoMetadata) -> list[int]:
    """OpenCV TIFF encoder parameters for ``meta``'s resolution (whole pixels per inch)."""
    import cv2

    if meta.dpi is None:
        return []
    return [cv2.IMWRITE_TIFF_RESUNIT, 2, cv2.IMWRITE_TIFF_XDPI, round(meta.dpi[0]), cv2.IMWRITE_TIFF_YDPI, round(meta.dpi[1])]


def embed(encoded: bytes, meta: PhotoMetadata) -> bytes:
    """``encoded`` (a JPEG or PNG file as OpenCV wrote it, told by its first bytes) with ``meta``
    put in; other formats and files of an unexpected layout come back unchanged."""
    if not meta:
        return encoded
    if encoded[:2] == b"\xff\xd8":
        return _embed_jpeg(encoded, meta)
    if encoded[:8] == b"\x89PNG\r\n\x1a\n":
        return _embed_png(encoded, meta)
    return encoded


def _embed_jpeg(data: bytes, meta: PhotoMetadata) -> bytes:
    if data[:4] != b"\xff\xd8\xff\xe0" or data[6:11] != b"JFIF\x00":
        return data
    (app0_len,) = struct.unpack(">H", data[4:6])
    out = bytearray(data)
    if meta.dpi is not None:   # units 1 = dots per inch, then X and Y density
        x, y = (min(65535, max(1, round(v))) for v in meta.dpi)
        out[13:18] = struct.pack(">BHH", 1, x, y)
    segments = b""
    if meta.exif is not None and len(meta.exif) <= JPEG_EXIF_MAX:
        segments += _segment(0xE1, b"Exif\x00\x00" + meta.exif)
    if meta.xmp is not None and len(meta.xmp) <= _XMP_MAX:
        segments += _segment(0xE1, _XMP_JPEG + meta.xmp)
    if meta.iptc is not None and len(meta.iptc) <= 65533:
        segments += _segment(0xED, meta.iptc)
    if meta.comment is not None and len(meta.comment) <= 65533:
        segments += _segment(0xFE, meta.comment)
    at = 4 + app0_len
    out[at:at] = segments
    return bytes(out)


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def _embed_png(data: bytes, meta: PhotoMetadata) -> bytes:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return data
    (ihdr_len,) = struct.unpack(">I", data[8:12])
    at = 8 + 12 + ihdr_len   # after IHDR: before any IDAT
    extra = b""
    if meta.dpi is not None:   # pixels per metre, unit 1
        extra += _chunk(b"pHYs", struct.pack(">IIB", round(meta.dpi[0] / 0.0254), round(meta.dpi[1] / 0.0254), 1))
    if meta.exif is not None:
        extra += _chunk(b"eXIf", meta.exif)
    if meta.xmp is not None:   # iTXt, uncompressed, no language: what Adobe's tools write
        extra += _chunk(b"iTXt", _XMP_PNG + b"\x00\x00\x00\x00\x00" + meta.xmp)
    if meta.comment is not None:
        extra += _chunk(b"tEXt", b"Comment\x00" + meta.comment.decode("utf-8", "replace").encode("latin-1", "replace"))
    extra += b"".join(meta.png_text)
    return data[:at] + extra + data[at:]


__all__ = ["JPEG_EXIF_MAX", "KEEP", "PhotoMetadata", "embed", "metadata_note", "metadata_notes", "read_photo_metadata", "tiff_params"]
