#!/usr/bin/env python3
"""Photo by photo, plain colorization of two ``vidcolor eval`` runs on the same photos (``metrics.json``
files, e.g. ``docs/results/r3_eval_heldout_public.json``): PSNR, colorfulness, top-1 agreement, and
how many photos each run wins. Photos either run flagged as gray originals (``"gray_original"``)
are left out, as eval's own means do.

    python scripts/compare_eval.py A.json B.json [A2.json B2.json …]   # pairs: (A, B) per photo set
"""

from __future__ import annotations

import json
import sys

import numpy as np


def _images(path: str) -> dict:
    d = json.load(open(path))
    return {im["name"]: im for im in d.get("images", d)["images"]}


def main() -> None:
    args = sys.argv[1:]
    if not args or len(args) % 2:
        raise SystemExit("usage: compare_eval.py A.json B.json [A2.json B2.json …]")
    rows = []
    print(f"{'photo':<30} {'PSNR A':>7} {'PSNR B':>7}  {'cf orig':>7} {'cf A':>5} {'cf B':>5}  top-1 gray/A/B")
    for a_path, b_path in zip(args[::2], args[1::2]):
        a, b = _images(a_path), _images(b_path)
        for name in sorted(set(a) & set(b)):
            ia, ib = a[name], b[name]
            if ia.get("gray_original") or ib.get("gray_original"):
                print(f"{name[:30]:<30} gray original: left out")
                continue
            na, nb = ia["styles"]["none"], ib["styles"]["none"]
            rows.append((na["psnr"], nb["psnr"], ia["original"]["colorfulness"], na["colorfulness"], nb["colorfulness"],
                         ia["gray"].get("top1_agree", np.nan), na.get("top1_agree", np.nan), nb.get("top1_agree", np.nan)))
            r = rows[-1]
            print(f"{name[:30]:<30} {r[0]:7.2f} {r[1]:7.2f}  {r[2]:7.1f} {r[3]:5.1f} {r[4]:5.1f}  {r[5]:.0f}/{r[6]:.0f}/{r[7]:.0f}")
    m = np.array(rows, dtype=float)
    print(f"{len(rows)} photos: mean PSNR A {m[:, 0].mean():.2f}, B {m[:, 1].mean():.2f} (B − A {m[:, 1].mean() - m[:, 0].mean():+.2f} dB; "
          f"B better on {(m[:, 1] > m[:, 0]).sum()}); colorfulness / originals A {m[:, 3].mean() / m[:, 2].mean():.0%}, "
          f"B {m[:, 4].mean() / m[:, 2].mean():.0%}; top-1 agreement gray {np.nanmean(m[:, 5]):.0%}, A {np.nanmean(m[:, 6]):.0%}, "
          f"B {np.nanmean(m[:, 7]):.0%}")


if __name__ == "__main__":
    main()
