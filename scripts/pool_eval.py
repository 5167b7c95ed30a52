#!/usr/bin/env python3
"""Pool several ``vidcolor eval`` metrics files (``metrics.json``) into one set of means over all their
photos: PSNR, colorfulness (and its ratio to the originals', ratio of means), top-1/top-5 agreement,
for gray, plain colorization and hints. Photos that ``vidcolor eval`` flagged as gray originals
(``"gray_original": true``: nothing to score color against) are left out, as eval's own means do.

    python scripts/pool_eval.py docs/results/r3_eval_heldout_public.json docs/results/r3_eval_heldout_opencv.json
"""

from __future__ import annotations

import json
import sys

import numpy as np


def main() -> None:
    images = []
    for path in sys.argv[1:]:
        d = json.load(open(path))
        images += d.get("images", d)["images"]
    gray = [im["name"] for im in images if im.get("gray_original")]
    images = [im for im in images if not im.get("gray_original")]
    if gray:
        print(f"left out {len(gray)} gray originals: {', '.join(gray)}")
    orig = np.mean([im["original"]["colorfulness"] for im in images])
    print(f"{len(images)} photos pooled from {len(sys.argv) - 1} files; originals' colorfulness {orig:.2f}")
    for name, get in (("gray", lambda im: im["gray"]), ("colorized", lambda im: im["styles"]["none"]),
                      ("with hints", lambda im: im.get("hints"))):
        rows = [get(im) for im in images if get(im)]
        if not rows:
            continue
        line = f"{name:<11} PSNR {np.mean([r['psnr'] for r in rows]):6.2f}  colorfulness {np.mean([r['colorfulness'] for r in rows]):6.2f}"
        line += f" ({np.mean([r['colorfulness'] for r in rows]) / orig:4.0%})"
        if "top1_agree" in rows[0]:
            line += f"  top-1 {np.mean([r['top1_agree'] for r in rows]):.1%}  top-5 {np.mean([r['top5_agree'] for r in rows]):.1%}"
        print(line)


if __name__ == "__main__":
    main()
