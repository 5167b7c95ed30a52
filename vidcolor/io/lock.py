"""One writer per output: an advisory lock beside the output, and removal of killed runs' leftovers.

:class:`OutputLock` takes an exclusive ``flock`` on ``.NAME.vidcolor-lock`` next to the output
(the segmented renderer's work folder ``NAME.vidcolor-work`` belongs to the same output, so the
lock covers it too). A second vidcolor process that wants to write the same output fails at once
with the first one's PID. The kernel drops the lock when its holder dies, even by SIGKILL, so a
stale lock file never blocks anyone; the holder deletes the file when it lets go.

While the lock is held no other vidcolor process can be writing this output, so every temporary
sibling of it (``.NAME.partial-PID-XXXXXXXX.ext``, :func:`vidcolor.io.atomic.partial_path`) that
this process is not writing is the leftover of a killed run, and is deleted. Another live run's
files are never touched: it would hold the lock.

The lock is re-entrant within one process (a batch holds it while the segmented renderer it
calls takes it again). On platforms without ``fcntl`` locking is skipped.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from pathlib import Path

from vidcolor.errors import VidcolorError
from vidcolor.io.atomic import live_partials, partial_pattern

try:
    import fcntl
except ImportError:  # pragma: no cover — not POSIX
    fcntl = None

LOCK_SUFFIX = ".vidcolor-lock"
_held: dict[str, list] = {}   # lock path -> [fd, depth]
_guard = threading.Lock()


class OutputBusy(VidcolorError):
    """Another process holds the lock of this output."""

    def __init__(self, path: Path, pid: int | None):
        self.path, self.pid = path, pid
        who = f"pid {pid}" if pid else "pid unknown"
        super().__init__(f"'{path}' is being written by another vidcolor process ({who}); "
                         "wait for it to finish, or write to another output")


def lock_path(output: str | os.PathLike) -> Path:
    out = Path(output)
    return out.with_name(f".{out.name}{LOCK_SUFFIX}")


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _same_file(fd: int, path: Path) -> bool:
    try:
        a, b = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def leftover_partials(output: str | os.PathLike) -> list[Path]:
    """Temporary siblings of ``output`` written by atomic output (current and older name
    formats) that this process is not writing now."""
    out = Path(output)
    folder = out.parent if str(out.parent) else Path(".")
    pattern = partial_pattern(out)
    live = live_partials()
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return [folder / n for n in sorted(names) if pattern.fullmatch(n) and os.path.abspath(folder / n) not in live]


class OutputLock:
    """``with OutputLock(output):`` — hold the output's lock (:class:`OutputBusy` if another
    process holds it) and delete the leftovers of killed runs of the same output on entry."""

    def __init__(self, output: str | os.PathLike):
        self.output = Path(output)
        self.path = lock_path(self.output)
        self.removed: list[Path] = []

    def __enter__(self) -> OutputLock:
        if fcntl is None:
            return self
        key = os.path.abspath(self.path)
        with _guard:
            if key in _held:
                _held[key][1] += 1
                return self
            while True:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    pid = _read_pid(fd)
                    os.close(fd)
                    raise OutputBusy(self.output, pid) from None
                except BaseException:
                    os.close(fd)
                    raise
                if _same_file(fd, self.path):  # not unlinked by a holder that let go meanwhile
                    break
                os.close(fd)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            _held[key] = [fd, 1]
        for p in leftover_partials(self.output):
            with contextlib.suppress(OSError):
                p.unlink()
                self.removed.append(p)
        return self

    def __exit__(self, *exc) -> None:
        if fcntl is None:
            return
        key = os.path.abspath(self.path)
        with _guard:
            entry = _held.get(key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] > 0:
                return
            del _held[key]
            with contextlib.suppress(OSError):
                os.unlink(self.path)  # before unlocking: a waiter re-checks the inode
            os.close(entry[0])


def locks_output(fn):
    """Decorator for ``fn(input, output, ...)``: run it holding :class:`OutputLock` (output).
    Without the output's folder there is nothing to lock; ``fn`` then reports that itself."""

    @functools.wraps(fn)
    def wrapper(input, output, *args, **kwargs):
        out = Path(output)
        if not (out.parent if str(out.parent) else Path(".")).is_dir():
            return fn(input, output, *args, **kwargs)
        with OutputLock(out):
            return fn(input, output, *args, **kwargs)

    return wrapper
