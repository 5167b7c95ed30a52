"""Full-resolution fidelity of the working-resolution pipeline on held-out photos.

For each photo (turned gray): PSNR of the colorized result when the network runs at
``--render-size`` and chroma is guided-upsampled, versus running the network directly at full size,
both against the original; plus the time of each:

    python scripts/bench_fullres.py data/heldout [--weights F] [--render-size 256]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from vidcolor.color import rgb_to_gray
from vidcolor.io.image import read_image
from vidcolor.pipeline.engine import Colorizer


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(1.0 / max(mse, 1e-12))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--weights")
    ap.add_argument("--render-size", type=int, default=256)
    ap.add_argument("--min-side", type=int, default=0, help="upscale photos so the short side is at least this (e.g. 1080)")
    args = ap.parse_args()
    low = Colorizer(args.weights, device="cpu", render_size=args.render_size)
    full = Colorizer(args.weights, device="cpu", render_size=0)
    rows = []
    for p in sorted(Path(args.folder).iterdir()):
        if p.suffix.lower() not in (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"):
            continue
        img = read_image(p)
        if img.ndim == 2:
            continue
        rgb = torch.from_numpy(img.astype(np.float32) / (65535.0 if img.dtype == np.uint16 else 255.0)).permute(2, 0, 1)[None]
        if args.min_side and min(rgb.shape[-2:]) < args.min_side:
            s = args.min_side / min(rgb.shape[-2:])
            rgb = torch.nn.functional.interpolate(rgb, scale_factor=s, mode="bicubic").clamp(0, 1)
        gray = rgb_to_gray(rgb)
        ref = rgb[0].permute(1, 2, 0).numpy()
        t0 = time.perf_counter()
        a = low.colorize(gray, 0)[0].permute(1, 2, 0).numpy()
        t1 = time.perf_counter()
        b = full.colorize(gray, 0)[0].permute(1, 2, 0).numpy()
        t2 = time.perf_counter()
        rows.append((p.name, rgb.shape[-1], rgb.shape[-2], psnr(a, ref), psnr(b, ref), t1 - t0, t2 - t1))
        print(f"{p.name:<50} {rows[-1][1]}x{rows[-1][2]}  working-size {rows[-1][3]:.2f} dB ({rows[-1][5]*1000:.0f} ms)  "
              f"full-size {rows[-1][4]:.2f} dB ({rows[-1][6]*1000:.0f} ms)", flush=True)
    if rows:
        m = np.mean([r[3] for r in rows]), np.mean([r[4] for r in rows]), np.mean([r[5] for r in rows]), np.mean([r[6] for r in rows])
        print(f"mean over {len(rows)} photos: working-size {m[0]:.2f} dB, full-size {m[1]:.2f} dB, difference {m[0]-m[1]:+.2f} dB; "
              f"time {m[2]*1000:.0f} ms vs {m[3]*1000:.0f} ms")


if __name__ == "__main__":
    main()
