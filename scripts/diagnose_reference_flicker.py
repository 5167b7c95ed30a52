#!/usr/bin/env python3
"""Where does the flicker of a reference render come from? A one-off diagnosis on *training* photos.

Each photo becomes two 40-frame clips (``eval_temporal.render_clip``: a pan and zoom, and a still
camera, with a moving occluder); the color clip, read as gray, is rendered automatically and with its
true frame 0 as ``--reference 0=…`` under variants of :mod:`vidcolor.control.fullres` swapped in for
the run: as shipped; without the full-resolution composite (the network with the dense hints only);
without its temporal smoothing; the moved candidate only; no lightness test (strength = the carried
confidence). Warping error (Lai et al., the color clip's flow) and PSNR against the color clip.

    python scripts/diagnose_reference_flicker.py data/train --photos 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_control import read_frames  # noqa: E402
from eval_temporal import render_clip  # noqa: E402

import vidcolor.pipeline.frames as frames_mod  # noqa: E402
from vidcolor.control import fullres  # noqa: E402
from vidcolor.control.apply import Controls  # noqa: E402
from vidcolor.evaluation.evaluate import evaluate_video  # noqa: E402
from vidcolor.pipeline.engine import Colorizer  # noqa: E402
from vidcolor.process import process_video  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", help="training photos (data/train)")
    ap.add_argument("--photos", type=int, default=3)
    ap.add_argument("--size", default="480x320")
    args = ap.parse_args()
    col = Colorizer(None, device="cpu")
    photos = sorted(p for p in Path(args.folder).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    photos = photos[3:: max(1, len(photos) // args.photos)][: args.photos]
    strength, composite, smoothing = fullres._strength, frames_mod.composite, fullres.SMOOTHING

    def moved_only(lum, moved, still, radius):
        _, p = strength(lum, moved, moved, radius)
        return np.zeros(p.shape, bool), p

    def no_test(lum, moved, still, radius):
        use_still, _ = strength(lum, moved, still, radius)
        return use_still, np.where(use_still, still[..., 0], moved[..., 0]).astype(np.float32)

    variants = {"as shipped": {}, "no composite": {"composite": lambda ab, plan, dec: ab},
                "no smoothing": {"smoothing": 0.0}, "moved candidate only": {"strength": moved_only},
                "no lightness test": {"strength": no_test}}
    res: dict = {}
    with tempfile.TemporaryDirectory() as td:
        td = Path(td)
        for i, photo in enumerate(photos):
            for camera in (True, False):
                kind = "moving" if camera else "still"
                color = td / "color.mkv"
                render_clip(photo, color, td / "gray.mkv", 40, size=tuple(int(v) for v in args.size.split("x")), seed=i, camera=camera)
                ref = td / "f0.png"
                cv2.imwrite(str(ref), cv2.cvtColor(read_frames(color, 1)[0], cv2.COLOR_RGB2BGR))
                process_video(color, td / "auto.mkv", colorizer=col, codec="ffv1", overwrite=True)
                e = evaluate_video(td / "auto.mkv", color)
                res.setdefault((kind, "color clip"), []).append((e["reference_warping_error"]["mean"], float("nan")))
                res.setdefault((kind, "automatic"), []).append((e["warping_error"]["mean"], e["vs_reference"]["psnr"]))
                for name, v in variants.items():
                    fullres._strength = v.get("strength", strength)
                    frames_mod.composite = v.get("composite", composite)
                    fullres.SMOOTHING = v.get("smoothing", smoothing)
                    try:
                        process_video(color, td / "ref.mkv", colorizer=col, codec="ffv1", overwrite=True,
                                      controls=Controls(references=(f"0={ref}",)))
                    finally:
                        fullres._strength, frames_mod.composite, fullres.SMOOTHING = strength, composite, smoothing
                    e = evaluate_video(td / "ref.mkv", color)
                    res.setdefault((kind, name), []).append((e["warping_error"]["mean"], e["vs_reference"]["psnr"]))
            print(photo.name, flush=True)
    for (kind, name), v in res.items():
        v = np.array(v)
        psnr = "" if np.isnan(v[:, 1]).all() else f"  PSNR {v[:, 1].mean():.2f} dB"
        print(f"{kind:<7} {name:<22} warping error {v[:, 0].mean() * 1e4:.2f}e-4{psnr}   " + " ".join(f"{x * 1e4:.2f}" for x in v[:, 0]))


if __name__ == "__main__":
    main()
