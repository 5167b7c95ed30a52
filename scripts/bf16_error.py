"""How far the bf16 network output is from fp32's, per style, on a folder of photos.

    python scripts/bf16_error.py [--weights F] [--photos samples/photos] [--styles none,watercolor,...]

Each photo turned gray (its luma read as L*, as a render does) at the working size (render size 256), the generator's Lab output
(:meth:`vidcolor.pipeline.engine.Colorizer.predict_low`, calibration included) in fp32 and in bf16
autocast; prints the mean, 99th percentile and largest |Δ| in Lab units (L 0–100, ab ≈ ±110) of
bf16 against fp32, over all pixels of all photos. Used to check that an inference change (round 11's
folded BatchNorm) keeps bf16 as close to fp32 as before: run it on both code versions.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import torch

from vidcolor.color import luma_lut
from vidcolor.pipeline.engine import Colorizer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights")
    ap.add_argument("--photos", default=str(Path(__file__).resolve().parents[1] / "samples" / "photos"))
    ap.add_argument("--styles", default="none,watercolor,oil,pencil,cartoon")
    args = ap.parse_args()
    cols = {p: Colorizer(args.weights, device="cpu", precision=p) for p in ("fp32", "bf16")}
    paths = sorted(p for p in Path(args.photos).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    for style in args.styles.split(","):
        diffs = []
        for path in paths:
            gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            h, w = cols["fp32"].working_size(*gray.shape)
            x = torch.from_numpy(luma_lut()[cv2.resize(gray, (w, h), interpolation=cv2.INTER_AREA)])[None, None]  # L*/100, as a render reads it
            out = {p: c.predict_low(x, c.style_index(style)).numpy() for p, c in cols.items()}
            diffs.append(np.abs(out["bf16"] - out["fp32"]).ravel())
        d = np.concatenate(diffs)
        print(f"{style:<11} {len(paths)} photos  bf16 vs fp32 |Δ| Lab: mean {d.mean():.3f}  p99 {np.percentile(d, 99):.2f}  max {d.max():.2f}")


if __name__ == "__main__":
    main()
