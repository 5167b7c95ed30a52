"""Warping error (Lai et al., ×10⁻⁴, the color original's flow) of a style with and without a reference
keyframe (the true frame 0) on held-out color videos, first 60 frames: does carrying a reference into a
style cost temporal stability? Round 7 (references in a style: their remaining correction spread too).

    python scripts/style_reference_we.py VIDEO... [--style watercolor] [--frames 60] [--weights W]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_control import even, read_frames, write_video  # noqa: E402

from vidcolor.control.apply import Controls  # noqa: E402
from vidcolor.evaluation.evaluate import evaluate_video  # noqa: E402
from vidcolor.pipeline.engine import Colorizer  # noqa: E402
from vidcolor.process import process_video  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("videos", nargs="+")
    ap.add_argument("--style", default="watercolor")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--weights", default=None)
    args = ap.parse_args()
    col = Colorizer(args.weights)
    for v in map(Path, args.videos):
        frames = [even(f) for f in read_frames(v, args.frames)]
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            src = write_video(tmp / "s.mkv", frames)
            ref = tmp / "f0.png"
            cv2.imwrite(str(ref), cv2.cvtColor(frames[0], cv2.COLOR_RGB2BGR))
            row = {"video": v.name, "style": args.style}
            for name, controls in (("automatic", None), ("reference", Controls(references=(f"0={ref}",)))):
                process_video(src, tmp / f"{name}.mkv", args.style, colorizer=col, codec="ffv1", overwrite=True, controls=controls)
                row[name] = round(evaluate_video(tmp / f"{name}.mkv", src)["warping_error"]["mean"] * 1e4, 3)
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
