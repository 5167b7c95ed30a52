#!/usr/bin/env python3
"""Choose the point-hint spreading parameters (vidcolor/control/spread.py) on *training* photos.

    python scripts/tune_spread.py --photos 30 [--folder data/train]

Each photo (composites excluded) is turned gray and given 10 random true-color points (the true
mean color of a 3×3 patch, seeded per photo), colorized through the CLI's code path with each
candidate setting, and scored by PSNR against the original. Held-out photos are never used here;
`scripts/eval_control.py photos` measures the chosen setting on them.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from eval_control import gray_of, psnr  # noqa: E402

import vidcolor.pipeline.engine as engine  # noqa: E402
from vidcolor.control import spread  # noqa: E402
from vidcolor.control.apply import Controls, image_hint_map  # noqa: E402

# (sigma_s, sigma_r, prior, guide_blur, local_sigma, local_weight); sigma_s/guide/local × short side
CANDIDATES = [
    (0.4, 0.08, 2.0, 0.0, 0.1, 0.0),
    (1.5, 0.3, 0.1, 0.0, 0.1, 0.0),
    (1.5, 0.1, 1.0, 0.0, 0.1, 0.0),
    (1.5, 0.1, 1.0, 0.012, 0.1, 0.0),
    (1.5, 0.1, 1.0, 0.03, 0.1, 0.0),
    (1.5, 0.1, 1.0, 0.06, 0.1, 0.0),
    (1.5, 0.1, 1.0, 0.03, 0.1, 16.0),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folder", default="data/train")
    ap.add_argument("--photos", type=int, default=30)
    ap.add_argument("--weights", default=None)
    args = ap.parse_args()
    col = engine.Colorizer(args.weights)
    files = sorted(p for p in Path(args.folder).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png") and not p.name.startswith("comp_"))
    files = [files[i] for i in sorted(np.random.default_rng(0).choice(len(files), min(args.photos, len(files)), replace=False))]
    original = spread.spread_correction
    scores: dict = {"gray": [], "automatic": [], **{c: [] for c in CANDIDATES}}
    with tempfile.TemporaryDirectory() as tmp:
        for k, f in enumerate(files):
            rgb = cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB)
            h, w = rgb.shape[:2]
            gray = torch.from_numpy(cv2.cvtColor(rgb.astype(np.float32) / 255, cv2.COLOR_RGB2LAB)[..., 0] / 100)[None, None]
            rng = np.random.default_rng([7, k])
            lines = ["x,y,color"]
            for _ in range(10):
                x, y = int(rng.integers(1, w - 1)), int(rng.integers(1, h - 1))
                c = rgb[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).mean(0).round().astype(int)
                lines.append(f"{x},{y},#{c[0]:02x}{c[1]:02x}{c[2]:02x}")
            csv_path = Path(tmp) / "h.csv"
            csv_path.write_text("\n".join(lines) + "\n")
            hints = image_hint_map(Controls(hints=str(csv_path)), (h, w), col)
            to_u8 = lambda t: (t[0].permute(1, 2, 0).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)  # noqa: E731
            scores["gray"].append(psnr(gray_of(rgb), rgb))
            scores["automatic"].append(psnr(to_u8(col.colorize(gray, 0)), rgb))
            for c in CANDIDATES:
                engine.spread_correction = functools.partial(original, sigma_s=c[0], sigma_r=c[1], prior=c[2], guide_blur=c[3],
                                                             local_sigma=c[4], local_weight=c[5])
                scores[c].append(psnr(to_u8(col.colorize(gray, 0, hints)), rgb))
            print(f"{k + 1}/{len(files)} {f.name}", file=sys.stderr, flush=True)
    engine.spread_correction = original
    auto = np.array(scores["automatic"])
    print("sigma_s sigma_r prior guide_blur local_sigma local_weight | mean PSNR | vs automatic")
    for key, v in scores.items():
        name = key if isinstance(key, str) else " ".join(f"{x:g}" for x in key)
        print(f"{name:45s} | {np.mean(v):6.2f} | {np.mean(np.array(v) - auto):+.2f}")


if __name__ == "__main__":
    main()
