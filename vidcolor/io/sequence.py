"""Numbered image sequences as films: ``scans/reel1_%06d.dpx`` or ``scans/reel1_######.dpx``.

Film scanners and restoration suites deliver a film as one image per frame (DPX, TIFF, PNG, EXR,
JPEG), numbered: ``reel1_000000.dpx``, ``reel1_000001.dpx``, … A path whose file name holds one
frame-number field — printf style ``%d``/``%06d`` (FFmpeg's) or a run of ``#`` (one per digit, as
Nuke and Resolve write it) — names such a sequence, and vidcolor reads it as a film: in number order,
from the first number present, one frame per number, at :func:`sequence_rate` frames per second, through
FFmpeg's ``image2`` demuxer (so deep DPX/TIFF scans are read with their 10 or 16 bits).

A missing number in the middle (a frame lost in transfer) is refused, naming it: FFmpeg would end
the film there, and renumbering silently would move every later frame in time.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from vidcolor.errors import VidcolorError

_PRINTF = re.compile(r"%(0?)(\d*)d")
_HASHES = re.compile(r"#+")
MAX_NUMBER = 2**31 - 1
"""The largest frame number FFmpeg's image2 reader counts to."""


#: Still-image extensions a sequence may have (what FFmpeg's image2 demuxer decodes).
SEQUENCE_EXTS = frozenset({".dpx", ".tif", ".tiff", ".png", ".jpg", ".jpeg", ".exr", ".bmp", ".webp", ".tga", ".j2k", ".jp2"})
#: Frames per second of a sequence that states none (DPX headers may: :func:`sequence_rate`): film's 24.
DEFAULT_RATE = Fraction(24)

_RATES: dict[str, Fraction] = {}


def _field(name: str) -> re.Match | None:
    """The frame-number field of a file name: its one printf field (``%06d``, ``%d``; a ``#`` is then
    part of the name, as in ``take#2_%04d.png``), else its one run of ``#``; None if there is not
    exactly one."""
    printf = list(_PRINTF.finditer(name))
    if printf:
        return printf[0] if len(printf) == 1 else None
    hashes = list(_HASHES.finditer(name))
    return hashes[0] if len(hashes) == 1 else None


def is_sequence(path: str | os.PathLike) -> bool:
    """True if the file name of ``path`` holds exactly one frame-number field (``%06d``, ``%d`` or
    ``######``) and a still-image extension, and no file has that very name (``Photo #1.jpg`` is a photo)."""
    name = Path(path).name
    return _field(name) is not None and Path(name).suffix.lower() in SEQUENCE_EXTS and not os.path.lexists(path)


def is_input(path: str | os.PathLike) -> bool:
    """True if ``path`` is a file, or names an image sequence (:func:`is_sequence`; whether its frames
    are there is :func:`find_sequence`'s to say, with the reason)."""
    return Path(path).is_file() or is_sequence(path)


@dataclass(frozen=True)
class Sequence:
    """A numbered image sequence on disk: ``pattern`` (FFmpeg's ``%0Nd`` form, full path), the first
    ``first`` and last ``last`` frame numbers, ``files`` in number order."""

    pattern: str
    first: int
    last: int
    files: tuple[Path, ...]

    @property
    def count(self) -> int:
        return len(self.files)


def _parts(path: Path) -> tuple[str, str, int | None]:
    """``(prefix, suffix, width)`` around the file name's frame-number field; ``width`` None: any."""
    m = _field(path.name)
    if m.group(0).startswith("#"):
        width = len(m.group(0))
    else:
        width = int(m.group(2)) if m.group(2) else None
    return path.name[: m.start()], path.name[m.end():], width


def find_sequence(path: str | os.PathLike, name: str | os.PathLike | None = None) -> Sequence:
    """The frames of sequence ``path`` (:func:`is_sequence`). VidcolorError (naming ``path`` as
    ``name``) if its folder does not exist, no file matches, or a number is missing between the
    first and the last."""
    path = Path(path)
    label = path if name is None else name
    folder = path.parent
    if not folder.is_dir():
        raise VidcolorError(f"cannot read image sequence '{label}': folder '{folder}' not found")
    prefix, suffix, width = _parts(path)
    # printf's "%04d" pads to 4 digits and prints wider numbers whole (FFmpeg reads it so): 0999, 9999, 10000
    digits = r"\d+" if width is None or width <= 1 else rf"\d{{{width}}}|[1-9]\d{{{width},}}"
    rx = re.compile(re.escape(prefix) + f"({digits})" + re.escape(suffix) + r"\Z")
    if width is None:
        width = 0
    numbered = {}
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        raise VidcolorError(f"cannot read image sequence '{label}': {exc.strerror or exc}") from exc
    empty = []
    for entry in entries:
        m = rx.match(entry.name)
        if m and entry.is_file():
            numbered.setdefault(int(m.group(1)), Path(entry.path))
            if entry.stat().st_size == 0:
                empty.append(entry.name)
    if not numbered:
        raise VidcolorError(f"input not found: '{label}' (no file of that name; read as an image sequence, no numbered "
                            f"files in '{folder}' match it)")
    if empty:
        raise VidcolorError(f"image sequence '{label}': {sorted(empty)[0]} is empty"
                            + (f" (and {len(empty) - 1} more)" if len(empty) > 1 else "")
                            + "; restore it, or render the parts before and after as two sequences")
    numbers = sorted(numbered)
    if width == 0:   # "%d" given for zero-padded files: FFmpeg needs their width
        lengths = {len(rx.match(f.name).group(1)) for f in numbered.values()}
        if len(lengths) == 1 and any(rx.match(f.name).group(1).startswith("0") for f in numbered.values()):
            width = lengths.pop()
    if numbers[-1] > MAX_NUMBER:
        raise VidcolorError(f"image sequence '{label}' numbers its frames up to {numbers[-1]}: FFmpeg counts to {MAX_NUMBER}; "
                            f"renumber the files (e.g. from 0)")
    for a, b in zip(numbers, numbers[1:]):
        if b != a + 1:
            gap = f"{a + 1}" if b == a + 2 else f"{a + 1}–{b - 1}"
            raise VidcolorError(f"image sequence '{label}' misses frame {gap} (between {numbered[a].name} and "
                                f"{numbered[b].name}): restore it, or render the parts before and after as two sequences")
    field = f"%0{width}d" if width > 1 else "%d"
    pattern = str(folder / f"{prefix}\0{suffix}").replace("%", "%%").replace("\0", field)   # a "%" in a folder's name too
    return Sequence(pattern, numbers[0], numbers[-1], tuple(numbered[n] for n in numbers))


def parse_rate(text: str | float | Fraction) -> Fraction:
    """A frame rate as users write it (``24``, ``23.976``, ``24000/1001``) → Fraction; VidcolorError
    if it is not a number of frames per second between 1/60 and 1000."""
    try:
        value = Fraction(str(text).strip()).limit_denominator(1001 * 1000)
    except (ValueError, ZeroDivisionError):
        raise VidcolorError(f"frame rate '{text}' is not a number (e.g. 24, 25, 23.976 or 24000/1001)") from None
    if not Fraction(1, 60) <= value <= 300:
        raise VidcolorError(f"frame rate of an image sequence must be between 1/60 and 300 frames/s, not {text}")
    return _ntsc(value)


def _ntsc(value: Fraction) -> Fraction:
    """23.976, 29.97, 47.952, 59.94, 119.88 (as written, or a float near them) → N·1000/1001, as
    players read them."""
    for n in (24, 30, 48, 60, 120):
        exact = Fraction(n * 1000, 1001)
        if value != n and abs(value - exact) < Fraction(1, 500):
            return exact
    return value


def damaged_frame_error(path: str | os.PathLike, name, index: int, exc: Exception) -> VidcolorError:
    """The error for a sequence's frame that does not decode near frame ``index`` (the decoder's
    threads report it a few packets late: the file is found by decoding the ones before on their own).
    A damaged scan is refused by name, as a missing one is, not skipped as a video's damaged packet
    is (the film would lose a frame, and everything after it its time)."""
    seq = find_sequence(path, name)
    bad = next((f.name for f in seq.files[max(0, index - 16): index + 1] if not _decodes(f)), f"a frame near {index}")
    return VidcolorError(f"image sequence '{name}': {bad} is damaged ({getattr(exc, 'strerror', None) or exc}); "
                         f"restore it, or render the parts before and after as two sequences")


def _decodes(path: Path) -> bool:
    """True if the one image in ``path`` decodes (FFmpeg, on its own)."""
    import av
    import av.error

    try:
        with av.open(str(path)) as c:
            return any(True for _ in c.decode(video=0))
    except (av.error.FFmpegError, OSError, ValueError):
        return False


def set_sequence_rate(path: str | os.PathLike, rate: Fraction | float | str | None) -> None:
    """Read sequence ``path`` at ``rate`` frames per second in this process (``vidcolor process
    --fps``; :func:`parse_rate`); None forgets it (the stated or default rate again)."""
    key = str(Path(path).resolve())
    if rate is None:
        _RATES.pop(key, None)
        return
    _RATES[key] = parse_rate(rate)


def _dpx_rate(path: Path) -> Fraction | None:
    """The frame rate a DPX file's header states (film header, else television header), if plausible."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1944)
    except OSError:
        return None
    if len(head) < 1944 or head[:4] not in (b"SDPX", b"XPDS"):
        return None
    order = ">" if head[:4] == b"SDPX" else "<"
    for offset in (1724, 1940):
        (rate,) = struct.unpack(order + "f", head[offset:offset + 4])
        if rate == rate and 1 <= rate <= 300:   # not NaN (undefined fields are all ones)
            return _ntsc(Fraction(rate).limit_denominator(1001))
    return None


def sequence_rate(seq: Sequence, path: str | os.PathLike) -> Fraction:
    """Frames per second of a sequence: as set (:func:`set_sequence_rate`), else what its first DPX
    file's header states, else :data:`DEFAULT_RATE`."""
    rate = _RATES.get(str(Path(path).resolve()))
    if rate is None and seq.files[0].suffix.lower() == ".dpx":
        rate = _dpx_rate(seq.files[0])
    return rate or DEFAULT_RATE


def open_sequence(path: str | os.PathLike, name: str | os.PathLike | None = None):
    """An input container reading sequence ``path`` as a film (FFmpeg's image2 demuxer, pts = frame
    number from the first, time base 1/rate)."""
    import av
    import av.error

    seq = find_sequence(path, name)
    rate = sequence_rate(seq, path)
    try:
        return av.open(seq.pattern, "r", format="image2",
                       options={"framerate": f"{rate.numerator}/{rate.denominator}", "start_number": str(seq.first)})
    except av.error.FFmpegError as exc:
        raise VidcolorError(f"cannot read image sequence '{path if name is None else name}': "
                            f"{exc.strerror or type(exc).__name__}") from exc


def sequence_stem(path: str | os.PathLike) -> str:
    """A name for a sequence's film: its file name without the number field and the separators
    around it (``reel1_%06d.dpx`` → ``reel1``; ``%04d.png`` → its folder's name)."""
    path = Path(path)
    prefix, suffix, _ = _parts(path)
    stem = (prefix + suffix[: len(suffix) - len(path.suffix)]).strip("_.- ")
    return stem or path.parent.resolve().name or "sequence"


RUN_NOTE_FRAMES = 12
"""Numbered photos in a row that make a folder's photos look like a film's frames (:func:`film_like_runs`)."""


def numbered_runs(files: list[Path]) -> list[tuple[Path, list[Path]]]:
    """``(pattern, files)`` for each run of at least :data:`RUN_NOTE_FRAMES` files of one folder named
    alike with consecutive numbers (``scan_001000.tif``, ``scan_001001.tif``, …): the frames of a
    film, and the sequence path that names them (``scan_%06d.tif``)."""
    groups: dict[tuple, dict[int, Path]] = {}
    for f in files:
        m = re.fullmatch(r"(.*?)(\d+)(\.[^.]+)", f.name)
        if m and f.suffix.lower() in SEQUENCE_EXTS:
            groups.setdefault((f.parent, m.group(1), len(m.group(2)), m.group(3)), {})[int(m.group(2))] = f
    runs = []
    for (folder, prefix, width, ext), numbered in groups.items():
        numbers = sorted(numbered)
        if len(numbers) >= RUN_NOTE_FRAMES and numbers[-1] - numbers[0] + 1 == len(numbers):
            field = f"%0{width}d" if "%" not in prefix else "#" * width
            runs.append((folder / f"{prefix}{field}{ext}", [numbered[n] for n in numbers]))
    return runs


def film_like_runs(files: list[Path]) -> dict[Path, str]:
    """For photos given one by one that are numbered frames of a film (:func:`numbered_runs`),
    ``{first file: note}`` saying how to render them as one film instead (each photo is colorized on
    its own: no motion-stable colours)."""
    return {run[0]: (f"{len(run)} numbered photos ({run[0].name} … {run[-1].name}) look like the frames of a film: "
                     f"each is colorized on its own; to render them as one film, with colours stable over time, "
                     f"give '{pattern}' (and --fps)")
            for pattern, run in numbered_runs(files)}


def sequence_identity(path: str | os.PathLike) -> dict:
    """What identifies a sequence for resuming: its frames' numbers and a hash of every file's
    size and modification time (a frame replaced in the middle is a new film)."""
    import hashlib

    seq = find_sequence(path)
    h = hashlib.sha256()
    for f in seq.files:
        st = f.stat()
        h.update(f"{f.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return {"path": str(Path(path).resolve()), "first": seq.first, "last": seq.last, "files_sha256": h.hexdigest()}
