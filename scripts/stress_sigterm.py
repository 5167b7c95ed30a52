"""SIGTERM at random moments of a folder run, under CPU load: how often is it not 'Error: terminated'?

Round 15 found two ways a SIGTERM (or Ctrl-C) was mishandled, both timing-dependent and most
frequent on a loaded machine: landing inside ``Thread.start`` of the render pipeline (the decoder
thread kept running while its file was closed: "internal error (ValueError: generator already
executing)", exit 1), and landing inside a finalizer (``__del__``: Python drops the exception, the
run went on and exited 0). This script sends SIGTERM right after the first output appears (between
two files, where both happened) plus a random 0–``--jitter`` s, with ``--load`` busy processes
competing for the CPU, and counts the runs that did not end with exit 143.

    python scripts/stress_sigterm.py --runs 40 --load 2        # docs/results/r15_sigterm_stress.txt
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.clips import make_clip  # noqa: E402
from tests.faults import SLOW, start  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--load", type=int, default=2, help="busy processes competing for the CPU")
    ap.add_argument("--jitter", type=float, default=0.05, help="random extra delay before the signal (s)")
    ap.add_argument("--weights", default=None, help="generator weights (default: the bundled model)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="vidcolor-sigterm-"))
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)]
    outcomes: dict[str, int] = {}
    try:
        src = work / "films"
        src.mkdir()
        for n in "abc":
            make_clip(src / f"{n}.mp4", n_frames=8)
        weights = ["--weights", args.weights] if args.weights else []
        for i in range(args.runs):
            out = work / "out"
            shutil.rmtree(out, ignore_errors=True)
            proc = start(SLOW, 0.3, "--debug", "process", src, "-o", out, *weights, "--batch-size", "4")
            while not (out / "a.none.mp4").exists() and proc.poll() is None:
                time.sleep(0.01)
            time.sleep(rng.random() * args.jitter)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=120)
            text = err.decode()
            if proc.returncode == 143:
                kind = "exit 143 (Error: terminated)"
            elif "generator already executing" in text:
                kind = "internal error: generator already executing"
            elif proc.returncode == 0:
                kind = "exit 0: the signal was lost"
            else:
                kind = f"exit {proc.returncode}: " + (text.strip().splitlines() or ["?"])[-1][:100]
            leftovers = sorted(p.name for p in out.glob(".*")) if out.exists() else []
            if leftovers:
                kind += f" + leftovers {leftovers}"
            outcomes[kind] = outcomes.get(kind, 0) + 1
    finally:
        for b in burners:
            b.kill()
        shutil.rmtree(work, ignore_errors=True)
    print(f"# python scripts/stress_sigterm.py --runs {args.runs} --load {args.load} --jitter {args.jitter}")
    for kind, n in sorted(outcomes.items(), key=lambda kv: -kv[1]):
        print(f"{n:4d}  {kind}")
    bad = sum(n for k, n in outcomes.items() if not k.startswith("exit 143") or "leftovers" in k)
    print(f"not 'Error: terminated' with nothing left behind: {bad} of {args.runs}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
