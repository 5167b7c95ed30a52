"""What the fault tests of ``vidcolor process`` share: a CLI that renders slowly or dies at a chosen
moment, run in a subprocess so that it can be signalled, and waiting for what it leaves on disk.

Runs that must be interrupted mid-film go through a tiny wrapper that makes each inference batch
sleep (``SLOW``), so "mid-film" does not depend on the machine's speed; decoding, encoding and
muxing are the real PyAV code."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from vidcolor.cli import cli

ROOT = Path(__file__).parents[1]
SLOW = """
import sys, time
import vidcolor.pipeline.frames as frames
_infer = frames.FrameProcessor.infer
def infer(self, batch):
    time.sleep(float(sys.argv[1]))
    return _infer(self, batch)
frames.FrameProcessor.infer = infer
from vidcolor.cli import cli
cli(sys.argv[2:], prog_name="vidcolor")
"""
KILL_IN_JOIN = """
import os, signal, sys
from vidcolor.batch.concat import SegmentConcat
_write = SegmentConcat.write_packet
def write_packet(self, packet):
    if self.frames_written == 5:
        os.kill(os.getpid(), signal.SIGKILL)
    _write(self, packet)
SegmentConcat.write_packet = write_packet
from vidcolor.cli import cli
cli(sys.argv[1:], prog_name="vidcolor")
"""


def start(code: str, *args) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(cond, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    end = time.time() + timeout
    while not cond():
        if proc.poll() is not None:
            raise AssertionError(f"process ended early ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
        if time.time() > end:
            proc.kill()
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def partials(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if ".partial-" in p.name]


def run_process(*args, weights):
    """``vidcolor process ARGS… --weights W -q`` in this process (click's runner)."""
    return CliRunner().invoke(cli, ["process", *map(str, args), "--weights", str(weights), "-q"])
