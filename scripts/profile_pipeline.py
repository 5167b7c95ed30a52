"""Where a render's CPU time goes: py-spy samples of ``vidcolor process``, grouped by stage.

    pip install py-spy
    python scripts/profile_pipeline.py [--frames 240] [--style none] [--out FILE]

Builds :mod:`bench_pipeline`'s 640×480 gray clip, records ``vidcolor process`` on it with
``py-spy record --threads -r 100 -f raw`` (on-CPU samples only, Python and the native time under
it), and prints each stage's share of all samples — a stack counts for the first stage whose
marker it contains, in the order of :data:`STAGES` — then the most frequent innermost frames.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import make_clip  # noqa: E402

STAGES = (
    ("model (generator forward)", ("Generator.forward", "forward_with_logits")),
    ("finishing: Lab->RGB (+ keep luma)", ("lab_to_rgb_u8",)),
    ("finishing: upsample", ("guided_upsample",)),
    ("encode (PyAV/x264 + YUV)", ("VideoWriter.",)),
    ("flow + stabilizer", ("compute_flow", "TemporalStabilizer", "DecisionSmoother")),
    ("scene detection", ("SceneDetector", "detector.update")),
    ("decode", ("VideoReader", "decode_frames", "_decode")),
    ("finishing: other (assembling, luma)", ("FrameProcessor.finish",)),
)


def stage_of(stack: str, thread: str) -> str:
    for name, markers in STAGES:
        if any(m in stack for m in markers):
            return name
    return f"other ({thread})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--style", default="none")
    ap.add_argument("--out", help="also write the table here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as td:
        clip = make_clip(Path(td) / "g640.mp4", n=args.frames)
        raw = Path(td) / "profile.txt"
        cmd = ["py-spy", "record", "-r", "100", "--threads", "-f", "raw", "-o", str(raw), "--",
               sys.executable, "-m", "vidcolor", "process", str(clip), "-o", str(Path(td) / "out.mp4"), "--style", args.style]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode:
            sys.exit(f"Error: py-spy failed: {run.stderr.strip().splitlines()[-1] if run.stderr.strip() else run.returncode}")
        summary = next((line for line in (run.stdout + run.stderr).splitlines() if "frames in" in line), "")
        stages, leaves = collections.Counter(), collections.Counter()
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            frames = stack.split(";")
            thread = frames[0].split("): ", 1)[1] if "): " in frames[0] else "startup"  # "thread (tid): name"
            stages[stage_of(stack, thread)] += int(count)
            leaves[f"{thread:<16} {frames[-1]}"] += int(count)
    total = sum(stages.values()) or 1
    lines = [f"# py-spy record -r 100 --threads -f raw -- vidcolor process g640.mp4 --style {args.style}  (640x480, {args.frames} frames)",
             f"# {summary.strip()}", "# share of on-CPU samples, all threads"]
    lines += [f"{100 * n / total:5.1f}%  {name}" for name, n in stages.most_common()]
    lines += ["# innermost frames"] + [f"{100 * n / total:5.1f}%  {name}" for name, n in leaves.most_common(20)]
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
