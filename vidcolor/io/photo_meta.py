"""A photo's descriptive metadata, carried from the input to the colorized output.

An archival scan states its resolution (600 dpi: the print size), and often a caption, a copyright,
the date, the camera; OpenCV's encoders write none of it. :func:`read_photo_metadata` takes what
describes the picture — the resolution, and of the EXIF the descriptive tags of the main directory
(:data:`KEEP`) with the Exif and GPS sub-directories — and leaves out what describes the file's
layout (strip offsets, sample format: a TIFF's whole directory reads as "EXIF" through Pillow) and
the orientation (the output's pixels are written upright). :func:`embed` puts it into the encoded
bytes: JPEG as a JFIF density and an APP1 Exif segment, PNG as ``pHYs`` and ``eXIf`` chunks; TIFF
takes the resolution as encoder parameters (:func:`tiff_params`), not the EXIF; WebP and BMP keep
neither (a note says so). No colour profile is carried: the colours are vidcolor's, in sRGB.
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

    def __bool__(self) -> bool:
        return self.dpi is not None or self.exif is not None


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
    return PhotoMetadata(dpi, exif)


def metadata_note(meta: PhotoMetadata, ext: str) -> str | None:
    """The note for what an output of extension ``ext`` cannot keep of ``meta``, or None."""
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
    if meta.exif is not None and len(meta.exif) <= JPEG_EXIF_MAX:
        at = 4 + app0_len
        segment = b"\xff\xe1" + struct.pack(">H", len(meta.exif) + 8) + b"Exif\x00\x00" + meta.exif
        out[at:at] = segment
    return bytes(out)


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
    return data[:at] + extra + data[at:]


__all__ = ["JPEG_EXIF_MAX", "KEEP", "PhotoMetadata", "embed", "metadata_note", "read_photo_metadata", "tiff_params"]
