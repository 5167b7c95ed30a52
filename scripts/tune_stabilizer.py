#!/usr/bin/env python3
"""Choose the stabilizer's settings for a style on *training* photos (never held-out ones).

Each photo becomes a camera-move clip with a moving occluder (``eval_temporal.render_clip``); the
clip's gray version is colorized in plain colorization with the default stabilizer, and in
``--style`` with each candidate ``strength,alpha[,detail_strength]`` setting (the style's entry of
:data:`vidcolor.pipeline.stabilize.STYLE_SETTINGS` replaced). Printed: warping error
(Lai et al.; flow on the color clip's luminance) of each, its ratio to plain colorization's, and
PSNR against the color clip (ghosting costs PSNR; the warping error's occlusion mask does not see it).

    python scripts/tune_stabilizer.py data/train --style pencil --photos 6 --settings 0.85,200 0.95,200 0.85,200,0.97
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_temporal import render_clip  # noqa: E402

import vidcolor.pipeline.stabilize as stabilize  # noqa: E402
from vidcolor.evaluation.evaluate import evaluate_video  # noqa: E402
from vidcolor.pipeline.engine import Colorizer  # noqa: E402
from vidcolor.process import process_video  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", help="training photos (data/train)")
    ap.add_argument("--style", default="pencil")
    ap.add_argument("--photos", type=int, default=6)
    ap.add_argument("--frames", type=int, default=32)
    ap.add_argument("--settings", nargs="+", default=["0.85,200", "0.95,200"], help="strength,alpha[,detail_strength]")
    ap.add_argument("--weights")
    args = ap.parse_args()
    col = Colorizer(args.weights, device="cpu")
    photos = sorted(p for p in Path(args.folder).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    photos = photos[:: max(1, len(photos) // args.photos)][: args.photos]
    runs = [("none", "default")] + [(args.style, s) for s in args.settings]
    scores: dict = {r: [] for r in runs}
    original = dict(stabilize.STYLE_SETTINGS)
    with tempfile.TemporaryDirectory() as td:
        td = Path(td)
        for i, photo in enumerate(photos):
            color, gray = td / f"{i}_color.mp4", td / f"{i}_gray.mp4"
            render_clip(photo, color, gray, args.frames, seed=i)
            for style, setting in runs:
                stabilize.STYLE_SETTINGS.clear()
                stabilize.STYLE_SETTINGS.update(original)
                if setting != "default":
                    vals = [float(x) for x in setting.split(",")]
                    stabilize.STYLE_SETTINGS[style] = {"strength": vals[0], "alpha": vals[1],
                                                       "detail_strength": vals[2] if len(vals) > 2 else None}
                out = td / "out.mp4"
                process_video(gray, out, style, colorizer=col, crf=12, overwrite=True)
                r = evaluate_video(out, color)
                scores[(style, setting)].append((r["warping_error"]["mean"], r["vs_reference"]["psnr"]))
            print(photo.name, flush=True)
    stabilize.STYLE_SETTINGS.clear()
    stabilize.STYLE_SETTINGS.update(original)
    plain = float(np.mean([w for w, _ in scores[("none", "default")]]))
    rows = []
    for (style, setting), vals in scores.items():
        we, ps = float(np.mean([w for w, _ in vals])), float(np.mean([p for _, p in vals]))
        rows.append({"style": style, "setting": setting, "warping_error": we, "ratio_to_plain": we / plain, "psnr": ps})
        print(f"{style:<10} {setting:<10} warping error {we:.6f}  ratio to plain {we / plain:.2f}  PSNR {ps:.2f}")
    print(json.dumps({"photos": [p.name for p in photos], "rows": rows}))


if __name__ == "__main__":
    main()
