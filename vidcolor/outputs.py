"""What every render path shares: output names, output and codec checks, and the result record.

:mod:`vidcolor.process` (single pass, images, ``vidcolor process``) and
:mod:`vidcolor.batch.segments` / :mod:`vidcolor.batch.batch` (segmented and batch renders) both
build on this module; neither imports the other's internals, so there is no import cycle
(``process`` → ``batch.segments`` → ``outputs``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from vidcolor.errors import VidcolorError
from vidcolor.io.image import IMAGE_EXTS, is_photo_file
from vidcolor.io.codecs import ALPHA_CODECS, CODEC_EXTENSIONS
from vidcolor.io.sequence import is_sequence, sequence_stem
from vidcolor.io.truncation import declared_span, slack

__all__ = ["DEEP_DEFAULT_CODECS", "DEFAULT_CODEC", "MASTER_CODECS", "ProcessResult", "auto_codec", "check_clashes", "check_codec",
           "check_crf_applies", "check_output", "check_side_output", "codec_choice", "default_output", "is_image", "same_file_key"]
DEFAULT_CODEC = "h264"



@dataclass
class ProcessResult:
    """One rendered file: ``kind`` is ``video`` or ``image`` (or ``folder``: a subfolder a recursive
    run passed by, always ``skipped``); ``seconds`` wall time; ``cuts`` the detected scene cuts;
    ``notes`` what could not be kept as it was (one line each). ``status``: ``done``, or — from
    :func:`vidcolor.process.process_paths` with several inputs — ``skipped`` (its output existed,
    ``skip_existing``) or ``failed`` (``detail`` says why; nothing was written)."""

    input: Path
    output: Path
    kind: str                     # "video" | "image"
    frames: int = 0
    seconds: float = 0.0
    cuts: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    status: str = "done"          # "done" | "skipped" | "failed"
    detail: str = ""

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def is_image(path: Path) -> bool:
    """True if ``path`` is rendered as a photo (:func:`vidcolor.io.image.is_photo_file`)."""
    return is_photo_file(path)


def default_output(inp: Path, style: str, codec: str | None = DEFAULT_CODEC, folder: Path | None = None) -> Path:
    """``<folder or cwd>/<stem>.<style>.<ext>``; videos keep their extension when the codec allows it.
    ``codec`` None (chosen per video, :func:`auto_codec`): an input with alpha or more than 8 bits keeps
    an extension where a codec holds them (an .avi stays .avi, as FFV1), others are named as for the
    default codec."""
    ext = inp.suffix.lower()
    if is_sequence(inp):   # a film of numbered images: named after them, in .mov (.mkv for FFV1)
        exts = CODEC_EXTENSIONS.get(codec or DEFAULT_CODEC, (".mov",))
        return (folder or Path.cwd()) / f"{sequence_stem(inp)}.{style}{'.mov' if '.mov' in exts else exts[0]}"
    if ext not in IMAGE_EXTS and is_photo_file(inp):
        ext = ".png"    # a still GIF: its 256 colours could not hold the colorization
    elif ext not in IMAGE_EXTS:
        if codec is None:
            keeps = ext in CODEC_EXTENSIONS[DEFAULT_CODEC] or (ext not in ALPHA_CODECS and ext not in DEEP_DEFAULT_CODECS)
            codec = DEFAULT_CODEC if keeps else probe_codec(inp, ext)
        exts = CODEC_EXTENSIONS.get(codec, (".mp4",))
        ext = ext if ext in exts else exts[0]
    return (folder or Path.cwd()) / f"{inp.stem}.{style}{ext}"


DEEP_DEFAULT_CODECS: dict[str, str] = {".mov": "hevc", ".mp4": "hevc", ".mkv": "hevc", ".avi": "ffv1"}
"""Output extension → the codec a film of more than 8 bits per sample gets when no ``--codec`` is
given, so that a 10-bit film stays 10-bit: HEVC Main 10 (what 10-bit phone and HDR films are), FFV1
in .avi (its only deeper codec); a master keeps its class (:data:`MASTER_CODECS`). .m4v (whose muxer
refuses HEVC) stays H.264, 8-bit, with a note."""

_SCANS = frozenset({"dpx", "tiff", "png", "exr", "jpeg2000", "bmp"})   # image sequences' codecs
MASTER_CODECS: dict[str, tuple[str, frozenset[str]]] = {
    ".mov": ("prores", frozenset({"prores", "dnxhd", "cfhd", "v210", "v410", "r210", "rawvideo", "qtrle"}) | _SCANS),
    ".mkv": ("ffv1", frozenset({"ffv1", "huffyuv", "ffvhuff", "utvideo", "magicyuv", "rawvideo", "v210"}) | _SCANS),
}
"""Output extension → (codec, input codecs it is chosen for): a deep edit master (ProRes, DNxHR,
CineForm, uncompressed) or a scan (a DPX/TIFF/PNG/EXR sequence) into .mov is written as ProRes 422 HQ,
a lossless archive (FFV1, the archives' format, other lossless codecs, scans) into .mkv as FFV1 — not
an HEVC delivery file."""


def probe_codec(inp: Path, ext: str) -> str:
    """:func:`auto_codec` for an output of extension ``ext``; the default codec if ``inp`` cannot be read
    (the error is reported with the input's other checks)."""
    try:
        return auto_codec(inp, Path("out" + ext))
    except VidcolorError:
        return DEFAULT_CODEC


def auto_codec(inp: str | os.PathLike, out: str | os.PathLike, codec: str | None = None) -> str:
    """``codec`` if given; else :data:`DEFAULT_CODEC`, except for a video whose alpha channel or
    depth the output's container can keep with another codec (:func:`codec_choice`)."""
    return codec if codec is not None else codec_choice(inp, out)[0]


def codec_choice(inp: str | os.PathLike, out: str | os.PathLike, info=None) -> tuple[str, str]:
    """``(codec, why)`` for a render of ``inp`` into ``out`` without ``--codec``: a video with an
    alpha channel, in a container where a codec keeps it, gets that codec
    (:data:`~vidcolor.io.codecs.ALPHA_CODECS`: ProRes 4444 in .mov, FFV1 in .mkv/.avi); a film of
    more than 8 bits gets one that keeps its depth (:data:`DEEP_DEFAULT_CODECS`); others
    :data:`DEFAULT_CODEC`. ``why`` says why, for messages (empty for the default). Probes ``inp``
    (one frame) only where the container offers such a codec, and ``info`` (its
    :class:`~vidcolor.io.video.VideoInfo`) is not given."""
    ext = Path(out).suffix.lower()
    alpha_codec, deep_codec = ALPHA_CODECS.get(ext), DEEP_DEFAULT_CODECS.get(ext)
    if (alpha_codec is None and deep_codec is None) or is_image(Path(inp)):
        return DEFAULT_CODEC, ""
    if info is None:
        from vidcolor.io.video import probe_video

        info = probe_video(inp)
    if alpha_codec is not None and info.has_alpha:
        return alpha_codec, f" (chosen to keep the alpha channel of '{Path(inp).name}' in {ext})"
    if deep_codec is not None and info.bit_depth > 8 and info.field_order not in ("tff", "bff"):
        # (an interlaced film keeps H.264, the one codec here that codes it interlaced; its note says how to keep the depth)
        master, sources = MASTER_CODECS.get(ext, (None, frozenset()))
        return (master if info.codec in sources else deep_codec), f" (chosen to keep the {info.bit_depth} bits of '{Path(inp).name}' in {ext})"
    return DEFAULT_CODEC, ""


def check_output(inp: Path, out: Path, overwrite: bool) -> None:
    """VidcolorError if ``out`` is the input, exists (without ``overwrite``), is a folder, or its
    folder does not exist."""
    if out.exists() and out.resolve() == Path(inp).resolve():
        raise VidcolorError(f"output '{out}' is the input file; choose another output")
    if out.exists() and not overwrite:
        raise VidcolorError(f"output '{out}' already exists (use --overwrite to replace it)")
    if out.is_dir():
        raise VidcolorError(f"output '{out}' is a folder")
    if not out.parent.exists():
        raise VidcolorError(f"output folder '{out.parent}' does not exist")
    _check_writable(out.parent, "output folder")


def _check_writable(folder: Path, what: str) -> None:
    """VidcolorError if ``folder`` exists but this process cannot create files in it (permissions,
    a read-only mount): found before any work, not after the render."""
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        raise VidcolorError(f"{what} '{folder}' is not writable")


def check_side_output(path: str | os.PathLike, option: str, pairs: list[tuple[Path, Path]], overwrite: bool,
                      pending: list[Path] = ()) -> Path:
    """Check a second file a render writes beside its output (``--scenes``' cut list) before any work:
    VidcolorError if it is one of the ``pairs``' inputs or outputs, a folder, in a folder that does
    not exist (nor is among the ``pending`` ones the render makes first), or exists (without
    ``overwrite``). ``option`` names it in the message."""
    side = Path(path)
    key = same_file_key(side)
    for inp, out in pairs:
        if key == same_file_key(inp):
            raise VidcolorError(f"{option} '{side}' is the input file; choose another name for it")
        if key == same_file_key(out):
            raise VidcolorError(f"{option} '{side}' is the output file; choose another name for it")
    if side.is_dir():
        raise VidcolorError(f"{option} '{side}' is a folder; give a file name (e.g. cuts.csv)")
    folder = side.parent if str(side.parent) else Path(".")
    if not folder.is_dir() and same_file_key(folder) not in {same_file_key(d) for d in pending}:
        raise VidcolorError(f"{option}: folder '{folder}' does not exist")
    if side.exists() and not overwrite:
        raise VidcolorError(f"{option} '{side}' already exists (use --overwrite to replace it)")
    _check_writable(folder, f"{option}: folder")
    return side


def check_codec(out: Path, codec: str, crf: int) -> None:
    """VidcolorError unless ``codec`` is known, fits ``out``'s extension and ``crf`` is in 0..51."""
    if codec not in CODEC_EXTENSIONS:
        raise VidcolorError(f"unknown codec '{codec}'; valid: {', '.join(CODEC_EXTENSIONS)}")
    ext = out.suffix.lower()
    if ext not in CODEC_EXTENSIONS[codec]:
        containers = ", ".join(sorted({e for exts in CODEC_EXTENSIONS.values() for e in exts}))
        if ext in IMAGE_EXTS:
            raise VidcolorError(f"output '{out}' is an image file name; a video needs a video file ({containers})")
        fits = [c for c, exts in CODEC_EXTENSIONS.items() if ext in exts]
        if not fits:
            raise VidcolorError(f"vidcolor cannot write '{ext or 'no extension'}' videos; name the output with one of {containers}")
        raise VidcolorError(f"codec '{codec}' cannot be written to a '{ext}' file; use {', '.join(CODEC_EXTENSIONS[codec])}, "
                            f"or --codec {' / '.join(fits)} for {ext}")
    if not 0 <= crf <= 51:
        raise VidcolorError(f"--crf must be in 0..51, got {crf}")


NO_CRF_CODECS = {"prores": "a fixed-quality profile", "ffv1": "lossless"}
"""Codecs without a CRF setting, and what they have instead."""


def check_crf_applies(crf: int | None, codec: str | None, why: str = "") -> None:
    """VidcolorError if a ``--crf`` the user gave (None: not given) would be ignored by ``codec``;
    ``why`` tells how that codec was chosen, when the user did not choose it."""
    if crf is not None and codec in NO_CRF_CODECS:
        raise VidcolorError(f"--crf has no effect with {codec}{why} ({NO_CRF_CODECS[codec]}); "
                            "leave it out, or use h264/hevc/mpeg4")


def same_file_key(path: str | os.PathLike) -> str:
    """A key equal for two spellings of one path (absolute, normalised, case-folded where the
    platform does; symlinked folders resolved)."""
    p = Path(path)
    try:
        p = p.parent.resolve() / p.name
    except OSError:
        p = Path(os.path.abspath(p))
    return os.path.normcase(str(p))


def check_clashes(pairs: list[tuple[Path, Path]], overwrite: bool = False,
                  advice: str = "give one an output of its own in the manifest",
                  exists_advice: str = "use --overwrite to replace it") -> None:
    """Check every (input, output) pair before any work starts.

    VidcolorError if two inputs map to one output, if an output is one of the inputs, or (without
    ``overwrite``) if an output exists; the message names every clash found, not only the first, and
    ends a clash of two inputs with ``advice`` (how the caller's user gives them outputs of their own)
    and an existing output with ``exists_advice``.
    """
    problems: list[str] = []
    two_inputs = False  # a clash the advice is about
    seen: dict[str, Path] = {}
    inputs = {same_file_key(i): i for i, _ in pairs}
    for inp, out in pairs:
        key = same_file_key(out)
        if key in seen:
            if same_file_key(seen[key]) == same_file_key(inp):
                problems.append(f"'{inp}' is given twice")
            else:
                problems.append(f"'{seen[key]}' and '{inp}' would both be written to '{out}'")
                two_inputs = True
            continue
        seen[key] = inp
        if key in inputs and same_file_key(inputs[key]) == same_file_key(inp):
            problems.append(f"output '{out}' is the input file '{inputs[key]}'")
        elif key in inputs:
            problems.append(f"output '{out}' of '{inp}' is also an input (a result of an earlier run among the inputs? "
                            "write the outputs to another folder with -o)")
        elif not overwrite and out.exists():
            problems.append(f"output '{out}' already exists ({exists_advice})")
    if len(problems) == 1:
        raise VidcolorError(problems[0] + (f"; {advice}" if two_inputs else ""))
    if problems:
        raise VidcolorError(f"{len(problems)} output problems, nothing was rendered:\n  " + "\n  ".join(problems))


COLOR_NOTE = "the input already has color: only its luminance is used, its colors are replaced"
PROGRESSIVE_NOTE = "--deinterlace: the input is progressive, nothing to deinterlace"
_FIELDS = {"tff": "top field first", "bff": "bottom field first", "unknown": "field order not stated"}


def ended_early_note(info, media_end: float | None, frames: int, video_end: float | None = None) -> str | None:
    """A note when a render's media (video and the audio copied with it:
    :attr:`~vidcolor.io.video_writer.VideoWriter.media_end`) stop well before the duration the
    input file declares: a file cut off in a copy or a download decodes up to where it ends, which
    is all there is to render, but the user should hear that it is shorter than it says. "Well
    before": by more than :func:`~vidcolor.io.truncation.slack` of the film's declared length —
    1 s on films of 4–20 s, 5 % on longer ones, a quarter of a clip shorter than 4 s (a 0.8 s clip
    that stops at 0.4 s is cut off too), never less than two frames (headers round durations).
    None otherwise, and when the header states no duration. ``video_end``: where the last frame
    ends by its own stated duration (:attr:`~vidcolor.io.video.VideoReader.video_end`; a long last
    frame — slideshows, GIF conversions — outlasts the writer's mean-interval estimate). Lengths
    count from the film's first frame to the declared end (:func:`~vidcolor.io.truncation.declared_span`:
    a Matroska film stamped from 1 h is 10 s long, not 3610)."""
    span = declared_span(info)
    if span is None or media_end is None:
        return None
    first, end = span
    media_end = max(media_end, video_end or 0.0)
    if end - media_end <= slack(end - first, info.frame_rate):
        return None
    return (f"the video ends after {media_end - first:.1f} s, but the file says it lasts {end - first:.1f} s: it may be "
            f"truncated or damaged ({frames} frames rendered)")


def video_input_notes(info, color_seen: bool = False, resized: dict | None = None, beyond_legal: bool = False) -> list[str]:
    """What a render of a video with :class:`~vidcolor.io.video.VideoInfo` ``info`` changed or
    replaced, one line each: deinterlacing, its colours (``color_seen``: the reader saw colour in a
    sampled frame), frames of another size scaled to the first's (``resized``: the reader's
    :attr:`~vidcolor.io.video.VideoReader.resized`). Whether its alpha channel and its depth were kept are the writer's notes."""
    notes = []
    if resized:
        sizes = ", ".join(f"{w}×{h}" for w, h in sorted(resized))
        notes.append(f"the frame size changes in the video: {sum(resized.values())} frames of {sizes} were scaled "
                     f"to {info.width}×{info.height}, the first frame's size")
    if info.deinterlaced:
        notes.append(f"deinterlaced (yadif, {_FIELDS.get(info.field_order, info.field_order)}) before colorizing: "
                     "written progressive, one frame per input frame, same timestamps")
    if beyond_legal:
        notes.append("the input has levels below black or above white (sub-blacks, super-whites: luma under 16 or over 235 "
                     "in 8 bits); they are clipped to the legal range the output is written in")
    if "f16" in info.pix_fmt or "f32" in info.pix_fmt:
        notes.append("floating-point frames (EXR): read as display values, so values above 1.0 (scene-linear highlights) "
                     "are clipped and linear light shows too dark; export display-referred frames (DPX, TIFF) for a faithful result")
    if info.has_color or color_seen:
        notes.append(COLOR_NOTE)
    return notes
