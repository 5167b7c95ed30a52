#!/usr/bin/env python3
"""Choose the full-resolution reference composite's settings on *training* photos (never held-out ones).

Each photo becomes two 40-frame clips (``eval_temporal.render_clip``: a pan and zoom, and a still
camera, both with a moving occluder); the color clip (read as gray, as in ``eval_control.py videos``) is colorized with its true frame 0 as
``--reference 0=…`` for each candidate setting of :mod:`vidcolor.control.fullres` (``alpha,tolerance``,
and the temporal smoothing β of its decisions, ``--smoothing``), and scored (PSNR on frames 1…, RGB;
warping error, Lai et al., with the color clip's flow) against the color clip, beside automatic
colorization, a static copy of frame 0's chroma onto the gray film's lightness and the color clip's
own warping error.

    python scripts/tune_reference.py data/train --photos 6 --settings 50,0.02 20,0.02 5,0.05
    python scripts/tune_reference.py data/train --photos 6 --smoothing 0 0.85 --size 640x480
    python scripts/tune_reference.py data/train --photos 6 --composite-smoothing 0 0.7 0.85 0.93

Two one-off comparisons were measured with options since removed with the code they switched:
restricting the still candidate (costs 0.9–1.3 dB, ``r2_tune_reference.txt``) and, at commit 6e9a908,
deciding at full instead of working size (equal) and a weak floor of the still candidate (−0.3 dB,
``docs/results/r3_tune_reference.txt``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_control import psnr, read_frames, with_film_lightness  # noqa: E402
from eval_temporal import render_clip  # noqa: E402

from vidcolor.control import fullres, propagate  # noqa: E402
from vidcolor.control.apply import Controls  # noqa: E402
from vidcolor.evaluation.evaluate import evaluate_video  # noqa: E402
from vidcolor.pipeline.engine import Colorizer  # noqa: E402
from vidcolor.process import process_video  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", help="training photos (data/train)")
    ap.add_argument("--photos", type=int, default=6)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--settings", nargs="+", default=[f"{fullres.ALPHA:g},{fullres.TOLERANCE:g}"], help="alpha,tolerance pairs (default: the current ones)")
    ap.add_argument("--presets", nargs="+", default=["medium"], help="DIS presets of the planning pass to compare")
    ap.add_argument("--smoothing", nargs="+", type=float, default=[fullres.SMOOTHING], help="β of the decisions' temporal smoothing")
    ap.add_argument("--composite-smoothing", nargs="+", type=float, default=[fullres.COMPOSITE_SMOOTHING],
                    help="β of the composited chroma's temporal smoothing (CompositeSmoother; 0: none)")
    ap.add_argument("--size", default="480x320", help="clip size WxH")
    ap.add_argument("--weights")
    args = ap.parse_args()
    col = Colorizer(args.weights, device="cpu")
    photos = sorted(p for p in Path(args.folder).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    photos = photos[3:: max(1, len(photos) // args.photos)][: args.photos]
    scores: dict = {}
    defaults = (fullres.ALPHA, fullres.TOLERANCE, fullres.SMOOTHING, fullres.COMPOSITE_SMOOTHING)
    warp: dict = {}
    default_preset = propagate.PRESET
    with tempfile.TemporaryDirectory() as td:
        td = Path(td)
        for i, photo in enumerate(photos):
            for camera in (True, False):
                kind = "moving" if camera else "still"
                color, gray = td / "color.mkv", td / "gray.mkv"
                render_clip(photo, color, gray, args.frames, size=tuple(int(v) for v in args.size.split("x")), seed=i, camera=camera)
                truth = read_frames(color)
                ref = td / "f0.png"
                cv2.imwrite(str(ref), cv2.cvtColor(truth[0], cv2.COLOR_RGB2BGR))

                def score(path):
                    return float(np.mean([psnr(a, b) for a, b in zip(read_frames(path)[1:], truth[1:])]))

                def steadiness(path, name):
                    res = evaluate_video(path, color)
                    warp.setdefault((kind, name), []).append(res["warping_error"]["mean"])
                    return res

                process_video(color, td / "auto.mkv", colorizer=col, codec="ffv1", overwrite=True)
                scores.setdefault((kind, "automatic"), []).append(score(td / "auto.mkv"))
                own = steadiness(td / "auto.mkv", "automatic")["reference_warping_error"]["mean"]
                warp.setdefault((kind, "color clip"), []).append(own)   # the same flows: what a perfectly steady result scores
                scores.setdefault((kind, "static copy"), []).append(float(np.mean([psnr(with_film_lightness(f, truth[0]), f) for f in truth[1:]])))
                for preset in args.presets:
                    propagate.PRESET = preset
                    for setting in args.settings:
                        for beta in args.smoothing:
                            for beta_c in args.composite_smoothing:
                                fullres.ALPHA, fullres.TOLERANCE = (float(x) for x in setting.split(","))
                                fullres.SMOOTHING, fullres.COMPOSITE_SMOOTHING = beta, beta_c
                                process_video(color, td / "ref.mkv", colorizer=col, codec="ffv1", overwrite=True,
                                              controls=Controls(references=(f"0={ref}",)))
                                name = (setting + (f" {preset}" if len(args.presets) > 1 else "") + (f" β={beta:g}" if len(args.smoothing) > 1 else "")
                                        + (f" βc={beta_c:g}" if len(args.composite_smoothing) > 1 else ""))
                                scores.setdefault((kind, name), []).append(score(td / "ref.mkv"))
                                steadiness(td / "ref.mkv", name)
                propagate.PRESET = default_preset
                fullres.ALPHA, fullres.TOLERANCE, fullres.SMOOTHING, fullres.COMPOSITE_SMOOTHING = defaults
            print(photo.name, flush=True)
    rows = []
    for (kind, name), vals in scores.items():
        we = warp.get((kind, name))
        rows.append({"clips": kind, "method": name, "psnr": float(np.mean(vals)), "per_clip": vals,
                     "warping_error": float(np.mean(we)) if we else None})
        print(f"{kind:<7} {name:<22} PSNR {np.mean(vals):.2f}" + (f"  warping error {np.mean(we) * 1e4:.2f}e-4" if we else " " * 26)
              + "   " + " ".join(f"{v:.2f}" for v in vals))
    for kind in ("moving", "still"):
        if (kind, "color clip") in warp:
            print(f"{kind:<7} {'color clip':<22} warping error {np.mean(warp[(kind, 'color clip')]) * 1e4:.2f}e-4")
    print(json.dumps({"photos": [p.name for p in photos], "rows": rows}))


if __name__ == "__main__":
    main()
