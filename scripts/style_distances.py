"""How different the styles are from plain colorization and from each other, on a folder of photos.

Mean absolute difference (RGB in [0, 1]) between the generator's outputs for every pair of styles,
averaged over the photos (each turned gray first):

    python scripts/style_distances.py data/heldout data/heldout_public [--weights F]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
import torch

from vidcolor.color import rgb_to_gray
from vidcolor.io.image import read_image, to_float
from vidcolor.pipeline.engine import Colorizer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+")
    ap.add_argument("--weights")
    ap.add_argument("--render-size", type=int, default=256)
    args = ap.parse_args()
    col = Colorizer(args.weights, device="cpu", render_size=args.render_size)
    styles = col.styles
    sums = {p: [] for p in itertools.combinations(styles, 2)}
    n = 0
    for folder in args.folders:
        for f in sorted(Path(folder).iterdir()):
            if f.suffix.lower() not in (".jpg", ".jpeg", ".png"):
                continue
            img = to_float(read_image(f))
            if img.ndim == 2:
                continue
            gray = rgb_to_gray(torch.from_numpy(img).permute(2, 0, 1)[None])
            outs = {s: col.colorize(gray, i)[0] for i, s in enumerate(styles)}
            for a, b in sums:
                sums[(a, b)].append(float((outs[a] - outs[b]).abs().mean()))
            n += 1
    print(f"mean |difference| between style outputs over {n} photos (RGB in [0, 1]):")
    w = max(len(s) for s in styles)
    print(" " * (w + 2) + "".join(f"{s:>{w + 2}}" for s in styles))
    for a in styles:
        row = []
        for b in styles:
            if a == b:
                row.append("-")
            else:
                key = (a, b) if (a, b) in sums else (b, a)
                row.append(f"{np.mean(sums[key]):.3f}")
        print(f"{a:<{w + 2}}" + "".join(f"{v:>{w + 2}}" for v in row))


if __name__ == "__main__":
    main()
