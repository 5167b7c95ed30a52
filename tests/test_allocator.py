"""glibc malloc settings of the render commands: in force, observable, and the user's own respected.

Each case runs in a fresh interpreter (the settings are process-wide and set once)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")

# a 20 MB block: above glibc's default mmap threshold (128 KiB, raised only by earlier frees), below ours
PROBE = """
import ctypes, sys
from vidcolor.allocator import apply_malloc_defaults
applied = apply_malloc_defaults() if sys.argv[1] == "apply" else False
libc = ctypes.CDLL("libc.so.6")

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = (ctypes.c_void_p,)
before = libc.mallinfo2().hblks
p = libc.malloc(20 * 1024 * 1024)
mapped = libc.mallinfo2().hblks - before   # 1: a block of its own from mmap, 0: from the heap
libc.free(p)
print(applied, mapped, apply_malloc_defaults() if applied else "")
"""


def _probe(mode: str, **env) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env={**environ, **env}, check=True)
    return out.stdout.split()


def test_large_blocks_come_from_the_heap_once_applied():
    try:
        assert _probe("plain")[:2] == ["False", "1"]  # glibc's default: a fresh mapping per large block
    except subprocess.CalledProcessError as exc:  # glibc < 2.33 has no mallinfo2
        pytest.skip(f"no mallinfo2: {exc.stderr.strip().splitlines()[-1]}")
    assert _probe("apply") == ["True", "0", "True"]  # kept in the heap for reuse; a second call is a no-op


def test_the_users_own_malloc_tunables_are_left_in_charge():
    assert _probe("apply", MALLOC_TRIM_THRESHOLD_="1000000")[0] == "False"


def test_render_commands_apply_them_and_train_does_not(tmp_path):
    def run(*args):
        code = ("import sys, vidcolor.cli as c, vidcolor.allocator as a; "
                f"sys.argv = ['vidcolor', *{list(args)!r}]\n"
                "try:\n    c.main()\nexcept SystemExit:\n    pass\n"
                "print(a._applied)")
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path, env=environ).stdout
        return out.strip().splitlines()[-1]

    assert run("process", "missing.mp4") == "True"
    assert run("train", "--config", "missing.yaml", "--out", "r") == "False"
