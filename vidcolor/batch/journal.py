"""The resume journal of a segmented render: ``<work folder>/journal.json``.

One JSON document, rewritten atomically (temporary sibling, ``fsync``, ``os.replace``) after every
finished segment, so a crash leaves either the old or the new journal, never a torn one::

    {"version": 1,
     "input":    {"path", "size", "mtime_ns", "head_sha256"},   # sha256 of the first MiB
     "settings": {"style", "weights", "render_size", "temporal", "codec", "crf",
                  "segment_seconds", "warmup"},                  # weights: sha256 of the model
     "plan":     {"time_base": "1/24000", "frames": 144, "segments": [{...Segment...}, ...]},
     "done":     {"3": {"file": "seg_00003.mp4", "frames": 1440, "size": ..., "sha256": ...,
                        "first_time": "1001/24", "cuts": [...], ...}}}

A segment counts as finished only when it has a ``done`` entry *and* its file still has the
recorded size and SHA-256. The journal has one writer (the process that plans the film); Ray
workers only write segment files and return their records.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from vidcolor.io.atomic import partial_path
from vidcolor.io.sequence import is_sequence, sequence_identity

VERSION = 1
_HEAD_BYTES = 1 << 20


def file_sha256(path: str | os.PathLike, limit: int | None = None) -> str:
    """SHA-256 (hex) of a file, or of its first ``limit`` bytes."""
    h = hashlib.sha256()
    left = limit
    with open(path, "rb") as fh:
        while left is None or left > 0:
            chunk = fh.read(1 << 20 if left is None else min(1 << 20, left))
            if not chunk:
                break
            h.update(chunk)
            if left is not None:
                left -= len(chunk)
    return h.hexdigest()


def input_identity(path: str | os.PathLike) -> dict:
    """What identifies an input file cheaply: size, mtime (ns) and the hash of its first MiB."""
    path = Path(path)
    if is_sequence(path):
        return sequence_identity(path)
    st = path.stat()
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "head_sha256": file_sha256(path, _HEAD_BYTES)}


def segment_record_ok(path: Path, record: dict) -> bool:
    """True if the segment file exists with the size and SHA-256 in ``record``."""
    try:
        return path.stat().st_size == record["size"] and file_sha256(path) == record["sha256"]
    except (OSError, KeyError):
        return False


def write_json_atomic(path: Path, data: dict) -> None:
    tmp = partial_path(path)
    try:
        with open(tmp, "w") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


class Journal:
    """A film's plan and its finished segments (see the module docstring for the format)."""

    def __init__(self, path: Path, data: dict):
        self.path, self.data = Path(path), data

    @classmethod
    def create(cls, path: str | os.PathLike, identity: dict, settings: dict, plan: dict) -> Journal:
        journal = cls(Path(path), {"version": VERSION, "input": identity, "settings": settings, "plan": plan, "done": {}})
        journal.save()
        return journal

    @classmethod
    def load(cls, path: str | os.PathLike) -> Journal | None:
        """The journal at ``path``, or None if there is none or it is unreadable."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("done"), dict):
            return None
        return cls(Path(path), data)

    def matches(self, identity: dict, settings: dict) -> bool:
        """Same input file (path aside: a moved file still matches) and same render settings."""
        mine = {k: v for k, v in self.data.get("input", {}).items() if k != "path"}
        theirs = {k: v for k, v in identity.items() if k != "path"}
        return mine == theirs and self.data.get("settings") == settings

    @property
    def plan(self) -> dict:
        return self.data["plan"]

    def done(self, index: int) -> dict | None:
        return self.data["done"].get(str(index))

    def record(self, index: int, record: dict) -> None:
        """Mark segment ``index`` finished (and save the journal)."""
        self.data["done"][str(index)] = record
        self.save()

    def forget(self, index: int) -> None:
        if self.data["done"].pop(str(index), None) is not None:
            self.save()

    def save(self) -> None:
        write_json_atomic(self.path, self.data)
