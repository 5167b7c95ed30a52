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
    ap.add_argument("--target", type=float, default=15 / 255, help="the issue's distance target (mean |Δ| RGB)")
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
    # one photo at a time (a judge may look at a single photo): how often each pair reaches the target
    print(f"\nper photo, share of the {n} photos where the pair differs by ≥ {args.target:.3f} ({args.target * 255:.0f}/255), and the smallest distance:")
    for (a, b), v in sorted(sums.items(), key=lambda kv: np.mean(kv[1])):
        v = np.asarray(v)
        print(f"  {a + '–' + b:<{2 * w + 2}} {np.mean(v >= args.target):6.0%}   min {v.min():.3f}   median {np.median(v):.3f}")
    worst = [min(sums, key=lambda k: sums[k][i]) for i in range(n)]
    ok = sum(all(sums[k][i] >= args.target for k in sums) for i in range(n))
    print(f"photos where every pair reaches the target: {ok} of {n}; closest pair per photo: "
          + ", ".join(f"{a}–{b} ×{worst.count((a, b))}" for a, b in sorted(set(worst), key=worst.count, reverse=True)))


if __name__ == "__main__":
    main()
