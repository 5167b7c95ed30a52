"""Read compiled Qt resource files (``.rcc``, magic ``qres``) without Qt.

Layout (all integers big-endian): ``qres``, version, tree offset, data offset,
names offset (version >= 3 adds a 4-byte flags word). The tree is an array of
nodes, 14 bytes each (22 from version 2: an 8-byte modification time follows):
name offset (4), flags (2), then for a directory child count (4) and index of
the first child (4), for a file territory (2), language (2) and data offset
(4). Names: length (2), hash (4), UTF-16BE characters. Data: size (4) then the
bytes; a zlib-compressed entry (flag 1) starts with its 4-byte uncompressed
length (``qCompress`` format). Zstd entries (flag 4) are reported, not read.
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

COMPRESSED, DIRECTORY, COMPRESSED_ZSTD = 1, 2, 4


class QrcError(ValueError):
    pass


def _u16(b, o):
    return struct.unpack_from(">H", b, o)[0]


def _u32(b, o):
    return struct.unpack_from(">I", b, o)[0]


def read_rcc(path: Path | str, want=None) -> dict[str, bytes]:
    """All files of an .rcc as {"/dir/name.ext": bytes}.

    `want(path) -> bool`, if given, selects which files are decompressed.
    """
    buf = Path(path).read_bytes()
    if buf[:4] != b"qres":
        raise QrcError(f"{path}: not a Qt resource file")
    version, tree, data, names = struct.unpack_from(">IIII", buf, 4)
    node_size = 14 if version < 2 else 22

    def name_at(noff: int) -> str:
        o = names + noff
        n = _u16(buf, o)
        return buf[o + 6: o + 6 + 2 * n].decode("utf-16-be")

    out: dict[str, bytes] = {}
    stack = [(0, "")]
    seen = set()
    while stack:
        idx, prefix = stack.pop()
        if idx in seen:
            raise QrcError(f"{path}: loop in resource tree")
        seen.add(idx)
        o = tree + idx * node_size
        flags = _u16(buf, o + 4)
        name = "" if idx == 0 else name_at(_u32(buf, o))
        full = f"{prefix}/{name}" if idx else ""
        if flags & DIRECTORY:
            count, first = _u32(buf, o + 6), _u32(buf, o + 10)
            for c in range(first, first + count):
                stack.append((c, full))
            continue
        if want is not None and not want(full):
            continue
        d = data + _u32(buf, o + 10)
        size = _u32(buf, d)
        blob = buf[d + 4: d + 4 + size]
        if flags & COMPRESSED_ZSTD:
            raise QrcError(f"{path}:{full}: zstd-compressed entry not supported")
        if flags & COMPRESSED:
            expect = _u32(blob, 0)
            blob = zlib.decompress(blob[4:])
            if len(blob) != expect:
                raise QrcError(f"{path}:{full}: size {len(blob)} != {expect}")
        out[full] = blob
    return out
