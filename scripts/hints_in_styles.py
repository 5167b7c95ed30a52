"""How far user color points are followed in each style (round 7's check of sparse hints in styles).

On validation photos of the shipped model's run (``RUN/val_images.txt``, never held-out photos), 10
seeded random points per photo all ask for one strong teal (a*, b* = 40, −40) — a color the model would
not guess, so following it is visible. Prints, per style, the mean distance (Lab ab units) between
the asked color and the output at the points, without and with the points, and how much the whole
frame moved (mean |Δab|). ``--reference``: instead, a dense reference (the photo's own ab rotated by
120°, so the answer is not the model's guess) as a hint map over the whole frame, as a reference
keyframe reaches the network, and the mean distance to it without and with it. ``--painted F``: instead,
a disc covering the fraction F of the frame painted teal (a ``--hints-image`` area; above 5 % of the
frame it counts as dense and reaches the network), and the distance to the teal inside the disc.

    python scripts/hints_in_styles.py runs/semantic_r3/val_images.txt [--limit 12] [--weights W]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from vidcolor.color import rgb_to_gray, rgb_to_lab
from vidcolor.io.image import read_image, to_float
from vidcolor.models.hints import make_hints
from vidcolor.pipeline.engine import Colorizer

TARGET = (40.0, -40.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("images", help="a list of image paths, one per line")
    ap.add_argument("--limit", type=int, default=12)
    ap.add_argument("--weights", default=None, help="default: the bundled weights")
    ap.add_argument("--styles", nargs="+", default=["none", "watercolor", "oil", "pencil", "cartoon"])
    ap.add_argument("--reference", action="store_true", help="a dense recolored reference instead of points")
    ap.add_argument("--painted", type=float, default=0.0, help="a painted disc covering this fraction of the frame instead of points")
    args = ap.parse_args()
    col = Colorizer(args.weights, device="cpu")
    files = [Path(line.strip()) for line in Path(args.images).read_text().splitlines() if line.strip()][: args.limit]
    target = torch.tensor(TARGET)
    for style in args.styles:
        s = col.style_index(style)
        rng = np.random.default_rng(0)  # the same points in every style
        rows = []
        for f in files:
            img = to_float(read_image(f))
            if img.ndim != 3:
                continue
            gray = rgb_to_gray(torch.from_numpy(img).permute(2, 0, 1)[None])
            h, w = img.shape[:2]
            if args.painted > 0:
                r = int(np.sqrt(args.painted * h * w / np.pi))
                yy, xx = np.mgrid[0:h, 0:w]
                disc = torch.from_numpy(((yy - h / 2) ** 2 + (xx - w / 2) ** 2 <= r * r).astype(np.float32))[None, None]
                inside = disc[0, 0] > 0
                auto = rgb_to_lab(col.colorize(gray, s))[0, 1:]
                hinted = rgb_to_lab(col.colorize(gray, s, make_hints(target.view(1, 2, 1, 1) * disc, disc)))[0, 1:]
                rows.append((float((auto - target.view(2, 1, 1)).norm(dim=0)[inside].mean()),
                             float((hinted - target.view(2, 1, 1)).norm(dim=0)[inside].mean())))
                continue
            if args.reference:
                lab = rgb_to_lab(torch.from_numpy(img).permute(2, 0, 1)[None])
                c, sn = np.cos(2 * np.pi / 3), np.sin(2 * np.pi / 3)
                ref = torch.cat([lab[:, 1:2] * c - lab[:, 2:3] * sn, lab[:, 1:2] * sn + lab[:, 2:3] * c], 1)
                auto = rgb_to_lab(col.colorize(gray, s))[0, 1:]
                hinted = rgb_to_lab(col.colorize(gray, s, make_hints(ref, torch.ones(1, 1, h, w))))[0, 1:]
                rows.append((float((auto - ref[0]).norm(dim=0).mean()), float((hinted - ref[0]).norm(dim=0).mean())))
                continue
            ab, m = torch.zeros(1, 2, h, w), torch.zeros(1, 1, h, w)
            pts = [(int(rng.integers(2, w - 2)), int(rng.integers(2, h - 2))) for _ in range(10)]
            for x, y in pts:
                ab[0, :, y - 1:y + 2, x - 1:x + 2] = target.view(2, 1, 1)
                m[0, 0, y - 1:y + 2, x - 1:x + 2] = 1
            auto = rgb_to_lab(col.colorize(gray, s))[0, 1:]
            hinted = rgb_to_lab(col.colorize(gray, s, make_hints(ab, m)))[0, 1:]
            rows.append((np.mean([float((auto[:, y, x] - target).norm()) for x, y in pts]),
                         np.mean([float((hinted[:, y, x] - target).norm()) for x, y in pts]),
                         float((hinted - auto).norm(dim=0).mean())))
        r = np.mean(rows, axis=0)
        if args.painted > 0:
            print(f"{style:10s} |ab − painted| inside the area ({args.painted:.0%} of the frame): without {r[0]:.1f}, with {r[1]:.1f} "
                  f"({len(rows)} photos)", flush=True)
            continue
        if args.reference:
            print(f"{style:10s} |ab − reference| over the frame: without {r[0]:.1f}, with {r[1]:.1f} ({len(rows)} photos)", flush=True)
            continue
        print(f"{style:10s} |ab − asked| at the points: without {r[0]:.1f}, with {r[1]:.1f}; "
              f"whole frame moved {r[2]:.1f} ({len(rows)} photos)", flush=True)


if __name__ == "__main__":
    main()
