"""Atomic file output: write to a temporary sibling, rename onto the target only on success.

A crash, an exception or Ctrl-C (``KeyboardInterrupt``) while writing never leaves a half-written
file under the target name, and never leaves the temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

from vidcolor.errors import VidcolorError


_live: set[str] = set()  # temporary files this process is writing now


def live_partials() -> frozenset[str]:
    """Temporary paths of :func:`atomic_output` blocks open in this process."""
    return frozenset(_live)


def partial_path(path: str | os.PathLike) -> Path:
    """A free temporary name next to ``path`` that keeps its extension and names its owner.

    ``out/film.mp4`` -> ``out/.film.partial-4711-3fa9c2d1.mp4`` (PID 4711). The extension is kept
    so that tools which pick a muxer or an image encoder from the name (FFmpeg, OpenCV) choose the
    right one; the PID tells a later run whose file it is (:mod:`vidcolor.io.lock` removes those
    of killed runs).
    """
    path = Path(path)
    while True:
        candidate = path.with_name(f".{path.stem}.partial-{os.getpid()}-{secrets.token_hex(4)}{path.suffix}")
        if not candidate.exists():
            return candidate


def partial_pattern(path: str | os.PathLike) -> re.Pattern:
    """What the names :func:`partial_path` gives ``path`` look like (also the older format without
    a PID): match a file name with ``fullmatch``."""
    path = Path(path)
    return re.compile(rf"\.{re.escape(path.stem)}\.partial-(?:\d+-)?[0-9a-f]{{8}}{re.escape(path.suffix)}")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Context manager yielding a temporary path to write instead of ``path``.

    On normal exit the temporary file is renamed onto ``path`` (``os.replace``: atomic on one file
    system, replaces an existing file). On any exception, including ``KeyboardInterrupt``, the
    temporary file is deleted and the exception propagates; ``path`` is left untouched.

    Raises :class:`VidcolorError` if the folder of ``path`` does not exist, or if the body
    finished without creating the temporary file.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise VidcolorError(f"cannot write '{path}': folder '{folder}' does not exist")
    if path.is_dir():
        raise VidcolorError(f"cannot write '{path}': it is a folder")
    tmp = partial_path(path)
    _live.add(os.path.abspath(tmp))
    try:
        try:
            yield tmp
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        if not tmp.exists():
            raise VidcolorError(f"cannot write '{path}': nothing was written")
        try:
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise VidcolorError(f"cannot write '{path}': {exc.strerror or exc}") from exc
    finally:
        _live.discard(os.path.abspath(tmp))
