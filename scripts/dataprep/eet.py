"""Pull the largest JPEG out of an EET/Edje file (``.edj``, magic 0x1ee70f42).

Edje backgrounds store the same photo as raw JPEG entries at many sizes. Rather
than parse the EET directory, scan the bytes for JPEG streams: from each SOI
(FF D8 FF) walk the marker segments (lengths), skip entropy-coded data after
each SOS up to the next non-RST marker, and stop at EOI. Streams that
do not walk cleanly are ignored; the caller decodes the largest ones.
"""
from __future__ import annotations

import struct
from pathlib import Path

EET_MAGICS = (b"\x1e\xe7\x0f\x42", b"\x1e\xe7\xff\x00")


def _jpeg_end(buf: bytes, start: int) -> int | None:
    """End offset (exclusive) of the JPEG stream beginning at `start`, or None."""
    n = len(buf)
    o = start + 2
    while o + 4 <= n:
        if buf[o] != 0xFF:
            return None
        m = buf[o + 1]
        if m == 0xFF:  # fill byte
            o += 1
            continue
        if m == 0xD9:
            return o + 2
        if 0xD0 <= m <= 0xD7 or m == 0x01:
            o += 2
            continue
        seg = struct.unpack_from(">H", buf, o + 2)[0]
        if seg < 2:
            return None
        o += 2 + seg
        if m == 0xDA:  # entropy-coded data follows until a real marker
            while True:
                o = buf.find(b"\xff", o)
                if o < 0 or o + 1 >= n:
                    return None
                nx = buf[o + 1]
                if nx == 0x00 or 0xD0 <= nx <= 0xD7 or nx == 0xFF:
                    o += 1 if nx == 0xFF else 2
                    continue
                break
    return None


def jpeg_streams(buf: bytes) -> list[tuple[int, int]]:
    """(start, end) of every complete top-level JPEG stream in `buf`."""
    found = []
    o = 0
    while True:
        s = buf.find(b"\xff\xd8\xff", o)
        if s < 0:
            return found
        e = _jpeg_end(buf, s)
        if e is None:
            o = s + 2
        else:
            found.append((s, e))
            o = e


def largest_jpeg(path: Path | str, decode) -> tuple[bytes, int] | None:
    """Largest JPEG stream in the file that `decode(bytes)` accepts (returns not None).

    Returns (jpeg bytes, number of JPEG streams found) or None.
    """
    buf = Path(path).read_bytes()
    if buf[:4] not in EET_MAGICS:
        raise ValueError(f"{path}: not an EET file (magic {buf[:4].hex()})")
    streams = sorted(jpeg_streams(buf), key=lambda se: se[1] - se[0], reverse=True)
    for s, e in streams:
        blob = buf[s:e]
        if decode(blob) is not None:
            return blob, len(streams)
    return None
