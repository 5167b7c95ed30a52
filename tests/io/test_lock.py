"""One writer per output: the advisory lock, and leftovers of killed runs removed (never a live run's)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from vidcolor.io.atomic import atomic_output, partial_path
from vidcolor.io.lock import OutputBusy, OutputLock, leftover_partials, lock_path

HOLD = """
import sys
from vidcolor.io.lock import OutputLock
with OutputLock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()
"""


def holder(path: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2]))
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert proc.stdout.readline().strip() == b"held"
    return proc


def test_partial_names_carry_the_owner_pid(tmp_path):
    p = partial_path(tmp_path / "film.mp4")
    assert p.name.startswith(f".film.partial-{os.getpid()}-") and p.suffix == ".mp4"


def test_second_writer_fails_at_once_with_the_holders_pid(tmp_path):
    out = tmp_path / "out.mp4"
    proc = holder(out)
    try:
        with pytest.raises(OutputBusy, match=rf"being written by another vidcolor process \(pid {proc.pid}\)"):
            with OutputLock(out):
                pass
    finally:
        proc.kill()  # SIGKILL: no cleanup at all; the kernel drops the lock
        proc.wait()
    assert lock_path(out).exists()  # the stale file of the killed holder...
    with OutputLock(out):            # ...blocks nobody
        pass
    assert not lock_path(out).exists() and list(tmp_path.iterdir()) == []


def test_lock_is_reentrant_in_one_process(tmp_path):
    out = tmp_path / "out.mp4"
    with OutputLock(out):
        with OutputLock(out):
            pass
        assert lock_path(out).exists()
    assert not lock_path(out).exists()


def test_leftovers_of_killed_runs_are_removed_but_not_a_live_one(tmp_path):
    out = tmp_path / "film.mp4"
    dead = [tmp_path / ".film.partial-4194303-0badf00d.mp4", tmp_path / ".film.partial-deadbeef.mp4"]  # new and old format
    others = [tmp_path / ".other.partial-12-0badf00d.mp4", tmp_path / ".film.partial-12-0badf00d.mkv", tmp_path / "film.mp4.txt"]
    for p in dead + others:
        p.write_bytes(b"x")
    with atomic_output(out) as live:
        live.write_bytes(b"being written")
        assert sorted(leftover_partials(out)) == sorted(dead)
        with OutputLock(out) as lock:
            assert sorted(lock.removed) == sorted(dead)
        assert live.exists()
    assert out.read_bytes() == b"being written"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in others + [out])


def test_a_live_writers_partial_survives_a_second_run(tmp_path):
    """The holder writes a partial; another process trying the same output fails and deletes nothing."""
    out = tmp_path / "out.mp4"
    proc = holder(out)
    live = tmp_path / f".out.partial-{proc.pid}-0badf00d.mp4"
    live.write_bytes(b"x")
    try:
        with pytest.raises(OutputBusy):
            with OutputLock(out):
                pass
        assert live.exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
