"""What each ``--codec`` is and how the writer sets it up: encoders, containers, pixel formats, the
colour tags an output states, which audio codecs MP4/MOV take as they are, encoder options. Read by
:mod:`vidcolor.io.video_writer` and by the checks made before any work (:mod:`vidcolor.outputs`).
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass

from vidcolor.io.video import VideoInfo

# matrix -> (AVColorSpace, AVColorPrimaries, AVColorTransferCharacteristic) tags written by the writer.
_COLOR_TAGS = {"bt709": (1, 1, 1), "bt601": (6, 6, 6)}


@dataclass(frozen=True)
class _CodecSpec:
    encoder: str
    exts: tuple[str, ...]
    pix_fmt: str
    odd_pix_fmt: str  # used when width or height is odd (4:2:0 cannot hold it without cropping)
    alpha_pix_fmt: str | None = None  # with an alpha channel (any size); None: the codec holds none


_CODECS = {
    "h264": _CodecSpec("libx264", (".mp4", ".m4v", ".mov", ".mkv"), "yuv420p", "yuv444p"),
    "hevc": _CodecSpec("libx265", (".mp4", ".mov", ".mkv"), "yuv420p", "yuv444p"),  # the .m4v muxer refuses HEVC
    "prores": _CodecSpec("prores_ks", (".mov", ".mkv"), "yuv422p10le", "yuv444p10le", "yuva444p10le"),  # 4444 + alpha
    "ffv1": _CodecSpec("ffv1", (".mkv", ".avi"), "bgr0", "bgr0", "bgra"),
    "mpeg4": _CodecSpec("mpeg4", (".mp4", ".m4v", ".avi", ".mkv", ".mov"), "yuv420p", "yuv420p"),
}
CODEC_EXTENSIONS: dict[str, tuple[str, ...]] = {name: spec.exts for name, spec in _CODECS.items()}
"""Output file extensions each ``--codec`` can be written to; the first is its default."""
ALPHA_CODECS: dict[str, str] = {".mov": "prores", ".mkv": "ffv1", ".avi": "ffv1"}
"""Output extension -> the codec that keeps an input's alpha channel there (ProRes 4444, FFV1 BGRA)."""


def output_matrix(matrix: str | None) -> str:
    """The YCbCr matrix the writer encodes an input of ``matrix`` with: BT.601 and BT.709 are kept,
    others (SMPTE 240M, BT.2020) written as BT.709. Plain colorization keeps luma with these weights,
    so the output's Y plane is the input's."""
    return matrix if matrix in _COLOR_TAGS else "bt709"


def output_tags(info: VideoInfo, matrix: str) -> tuple[int, int, int]:
    """(AVColorSpace, AVColorPrimaries, AVColorTransferCharacteristic) of the output of a film with
    ``info``, encoded with ``matrix``. The input's own BT.601 flavour is kept (PAL's BT.470BG is not
    retagged NTSC's SMPTE 170M), and so is its transfer where it is stated — an HDR film's PQ or HLG,
    without which its luma (kept code for code) would show with the wrong tone curve. Primaries are
    the input's where the matrix is its own (the colours vidcolor makes are sRGB/BT.709-based: a
    BT.2020 film is written with BT.709's), else the matrix's."""
    space, primaries, transfer = _COLOR_TAGS[matrix]
    if matrix == "bt601" and info.matrix == "bt601":
        space = 5 if info.primaries == 5 else space          # BT.470BG: PAL/SECAM
        primaries = info.primaries if info.primaries in (5, 6) else primaries
    if info.transfer not in (0, 2, 3):   # stated (0, 3: reserved)
        transfer = info.transfer
    return space, primaries, transfer


DEEP_CODECS: dict[str, tuple[int, ...]] = {"prores": (10,), "hevc": (10,), "ffv1": (10, 12, 16)}
"""Codecs that keep a deeper-than-8-bit film's depth, and the depths the writer writes them in
(ProRes 422 HQ/4444 are 10-bit here; HEVC Main 10 — Main 12 plays in few players; FFV1 planar RGB).
H.264 stays 8-bit: its High 10 profile plays in few players and no browser, and MPEG-4 Part 2 has
no deeper profile."""

DEPTH_LIMITS = {"prores": "prores_ks writes ProRes with 10 bits", "hevc": "HEVC Main 10, what players play; "
                "--codec ffv1 keeps more"}
"""Why a codec of :data:`DEEP_CODECS` writes fewer bits than a film has (for the note)."""


def output_depth(bit_depth: int, codec: str) -> int:
    """Bits per sample the writer encodes a film of ``bit_depth`` with in ``codec``: 8, or, for a
    deeper film in a :data:`DEEP_CODECS` codec, the least depth of that codec that holds it (its
    deepest otherwise: a 16-bit film in HEVC is written with 10, in FFV1 with 16)."""
    depths = DEEP_CODECS.get(codec)
    if (bit_depth or 8) <= 8 or depths is None:
        return 8
    return next((d for d in depths if d >= bit_depth), depths[-1])


def deep_pix_fmt(codec: str, depth: int, odd: bool, alpha: bool, full_chroma: bool = False) -> str:
    """The encoder pixel format of ``codec`` at ``depth`` > 8 bits (:func:`output_depth`): HEVC 4:2:0
    (4:4:4 for odd sizes), FFV1 planar RGB (with alpha: RGBA), ProRes its 10-bit formats — 4444
    for an input whose chroma is full (``full_chroma``: a ProRes 4444 or RGB master stays 4444)."""
    spec = _CODECS[codec]
    if codec == "prores":
        return spec.alpha_pix_fmt if alpha else (spec.odd_pix_fmt if odd or full_chroma else spec.pix_fmt)
    if codec == "hevc":
        return f"yuv{'444' if odd else '420'}p{depth}le"
    return f"gbr{'a' if alpha else ''}p{depth}le"


def holds_depth(codec: str) -> bool:
    """True if the writer keeps more than 8 bits per sample in ``codec`` (:data:`DEEP_CODECS`)."""
    return codec in DEEP_CODECS


def holds_alpha(codec: str) -> bool:
    """True if the writer keeps an alpha channel in ``codec`` (prores: 4444 with alpha; ffv1: BGRA)."""
    spec = _CODECS.get(codec)
    return spec is not None and spec.alpha_pix_fmt is not None


# Audio codecs stream-copied into MP4 (FFmpeg also muxes e.g. PCM there, but few players play it).
_MP4_AUDIO = frozenset({"aac", "mp3", "mp2", "ac3", "eac3", "alac", "flac", "opus"})
# QuickTime (.mov) holds fewer: FFmpeg's mov muxer takes FLAC, Opus and Vorbis as streams but then
# refuses to write the header ("returned 22"), so those are re-encoded.
_MOV_AUDIO = frozenset({"aac", "mp3", "mp2", "ac3", "eac3", "alac"})


@functools.lru_cache(maxsize=1)
def _x264_asm() -> str | None:
    """x264's ``asm`` setting on this CPU: ``AVX2`` where the CPU has AVX-512, else None (x264's own
    choice). x264 (core 165)'s AVX-512 code makes its output differ from run to run on some content
    (flat, synthetic-looking frames; single- or multi-threaded; gone with ``mbtree=0``, ``bframes=0``
    or without AVX-512), so those CPUs get the AVX2 code: byte-identical reruns, the same bytes on
    natural footage, x264 ~9 % slower (640x360, preset medium; no measurable change end to end,
    where the model dominates). Every AVX-512 CPU has the AVX2 set. CPU features
    as NumPy detected them (NumPy 1.x and 2.x keep them in different modules)."""
    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        try:
            features = importlib.import_module(module).__cpu_features__
        except (ImportError, AttributeError):
            continue
        return "AVX2" if features.get("AVX512_SKX") else None
    return None


def _writer_options(codec: str, crf: int, preset: str | None, pix_fmt: str, cfr: bool = True) -> dict[str, str]:
    """Encoder options. ``cfr``: the input has a constant frame rate; x264 is then told so
    (``force-cfr``), which makes the timing info in its bitstream (SPS VUI: time_scale /
    2·num_units_in_tick, what decoders report as the codec frame rate) state the frame rate instead
    of one tick of the encoder time base (1/1000 s ticks read as "1000 fps"); frame pts are passed
    through unchanged either way. Variable-rate inputs keep the tick there (H.264 has no other way
    to time them). x265 states the frame rate by itself."""
    if codec == "h264":
        asm = _x264_asm()
        params = (["force-cfr=1"] if cfr else []) + ([f"asm={asm}"] if asm else [])
        return {"crf": str(crf), "preset": preset or "medium", **({"x264-params": ":".join(params)} if params else {})}
    if codec == "hevc":
        return {"crf": str(crf), "preset": preset or "medium", "x265-params": "log-level=error"}
    if codec == "prores":
        return {"profile": "4" if pix_fmt.startswith(("yuv444", "yuva444")) else "3"}  # 4444 / HQ
    if codec == "ffv1":
        return {"level": "3", "slicecrc": "1"}
    q = max(2, min(31, round(crf / 6)))  # mpeg4: fixed quantiser, crf 18 -> q 3
    return {"qmin": str(q), "qmax": str(q)}
