#!/usr/bin/env python3
"""Choose the scene detector's motion check (:mod:`vidcolor.pipeline.scenes`) on *training* photos.

Three kinds of frame pairs, each frame 320×240 gray, scored with
:func:`vidcolor.pipeline.scenes.continuity` on the detector's own 96-px features (the share of the
new frame explained by the previous one moved by optical flow):

* ``cut``: two different photos (a new shot);
* ``camera``: one photo, then the same rotated ±3°, zoomed −5…+8 %, shifted ±12 px;
* ``occluder``: as ``camera`` plus an ellipse (40–110 px radii, one gray level) over part of the
  frame and a gain/offset change (±10 %, ±10 levels) — a hand or a car through the frame with an
  exposure change.

A cut candidate is kept when its continuity is below the threshold: the table gives, per threshold,
the share of cuts kept and of motion pairs rescued. Real photos only (``data/train`` without the
composites), never held-out ones.

    python scripts/tune_cut_check.py data/train --pairs 200
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from vidcolor.pipeline.scenes import MATCH_TOLERANCE, SceneDetector, continuity


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--pairs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    photos = sorted(p for p in Path(args.folder).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png") and not p.name.startswith("comp_"))
    feats = lambda img: SceneDetector._features(img)[0]  # noqa: E731

    def load(i):
        return cv2.resize(cv2.imread(str(photos[i]), cv2.IMREAD_GRAYSCALE), (320, 240), interpolation=cv2.INTER_AREA)

    def moved(a, occluder):
        m = cv2.getRotationMatrix2D((160 + rng.uniform(-20, 20), 120), rng.uniform(-3, 3), 1 + rng.uniform(-0.05, 0.08))
        m[:, 2] += rng.uniform(-12, 12, 2)
        b = cv2.warpAffine(a, m, (320, 240), borderMode=cv2.BORDER_REFLECT)
        if occluder:
            mask = np.zeros_like(b)
            cv2.ellipse(mask, (int(rng.integers(0, 320)), int(rng.integers(0, 240))),
                        (int(rng.integers(40, 110)), int(rng.integers(40, 110))), 0, 0, 360, 255, -1)
            b = np.where(mask > 0, int(rng.integers(20, 235)), b).astype(np.uint8)
            b = cv2.convertScaleAbs(b, alpha=1 + rng.uniform(-0.1, 0.1), beta=rng.uniform(-10, 10))
        return b

    scores: dict[str, list[float]] = {"cut": [], "camera": [], "occluder": []}
    for _ in range(args.pairs):
        i, j = rng.choice(len(photos), 2, replace=False)
        a = load(i)
        scores["cut"].append(continuity(feats(a), feats(load(j))))
        scores["camera"].append(continuity(feats(a), feats(moved(a, False))))
        scores["occluder"].append(continuity(feats(a), feats(moved(a, True))))
    print(f"{len(photos)} training photos, {args.pairs} pairs of each kind; match tolerance {MATCH_TOLERANCE:g} gray levels after the exposure fit")
    for k, v in scores.items():
        v = np.array(v)
        print(f"{k:9s} continuity  min {v.min():.2f}  p10 {np.percentile(v, 10):.2f}  median {np.median(v):.2f}  "
              f"p90 {np.percentile(v, 90):.2f}  max {v.max():.2f}")
    print("threshold   cuts kept   camera moves rescued   occluder moves rescued")
    for t in (0.25, 0.3, 0.35, 0.4, 0.45, 0.5):
        print(f"  {t:.2f}       {np.mean(np.array(scores['cut']) < t):6.1%}      {np.mean(np.array(scores['camera']) >= t):6.1%}"
              f"                 {np.mean(np.array(scores['occluder']) >= t):6.1%}")


if __name__ == "__main__":
    main()
