"""Choose the chroma gain of plain colorization on *validation* photos and store it in the weights.

An L1-trained colorizer predicts the per-pixel median color, which is safe but often too muted.
This script measures, on validation photos (the training run's held-back split, never the held-out
evaluation photos), PSNR and colorfulness for a range of gains applied to the predicted ab, and
picks the largest gain whose mean PSNR stays within ``--max-psnr-loss`` dB of the best gain's.
The choice is written into the weights' metadata (``info.chroma_gain``), which
:class:`vidcolor.pipeline.engine.Colorizer` applies.

    python scripts/calibrate_chroma.py WEIGHTS.safetensors RUN/val_images.txt [--write OUT.safetensors]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from vidcolor.color import rgb_to_gray
from vidcolor.evaluation.metrics import colorfulness, psnr
from vidcolor.io.image import read_image, to_float
from vidcolor.models.serialization import load_generator, save_generator, weights_info
from vidcolor.pipeline.engine import Colorizer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights")
    ap.add_argument("val_dir")
    ap.add_argument("--gains", default="0.8,1.0,1.2,1.4,1.6,1.8,2.0,2.3")
    ap.add_argument("--max-psnr-loss", type=float, default=0.15)
    ap.add_argument("--render-size", type=int, default=256)
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--write", help="write the calibrated weights here (fp16)")
    args = ap.parse_args()
    model = load_generator(args.weights)
    col = Colorizer(model=model, device="cpu", render_size=args.render_size)
    src = Path(args.val_dir)
    if src.is_file():  # a list of paths, e.g. RUN/val_images.txt
        files = [Path(line.strip()) for line in src.read_text().splitlines() if line.strip()][: args.limit]
    else:
        files = sorted(p for p in src.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[: args.limit]
    gains = [float(g) for g in args.gains.split(",")]
    rows = {g: [] for g in gains}
    orig_cf = []
    for f in files:
        img = to_float(read_image(f))
        if img.ndim == 2:
            continue
        rgb = torch.from_numpy(img).permute(2, 0, 1)[None]
        gray = rgb_to_gray(rgb)
        orig_cf.append(float(colorfulness(rgb[0])))
        for g in gains:
            col.chroma_gain = g
            out = col.colorize(gray, 0)
            rows[g].append((float(psnr(out[0], rgb[0])), float(colorfulness(out[0]))))
    summary = {g: (np.mean([r[0] for r in v]), np.mean([r[1] for r in v])) for g, v in rows.items()}
    best = max(s[0] for s in summary.values())
    print(f"{len(orig_cf)} validation photos, originals' mean colorfulness {np.mean(orig_cf):.1f}")
    for g, (p, c) in summary.items():
        print(f"gain {g:.2f}: PSNR {p:.2f} dB  colorfulness {c:.1f} ({c / np.mean(orig_cf):.0%} of originals)")
    choice = max(g for g, (p, _) in summary.items() if p >= best - args.max_psnr_loss)
    print(f"chosen gain: {choice}")
    if args.write:
        info = {**weights_info(args.weights), "chroma_gain": choice,
                "chroma_gain_calibration": {"photos": len(orig_cf), "source": str(args.val_dir), "table": {str(k): [round(v[0], 3), round(v[1], 2)] for k, v in summary.items()}}}
        save_generator(model, args.write, info=info, dtype=torch.float16)
        print(f"wrote {args.write}")
    print(json.dumps({"chosen": choice}))


if __name__ == "__main__":
    main()
