"""Round 7's experiment (rejected): a per-photo chroma gain predicted from the scene, for vividness.

The shipped model's colors are muted on very colorful photos (55 % of the originals' colorfulness on
20 public photos, 79 % on validation photos at the calibrated global gain 1.4). The per-photo
PSNR-optimal gain ``g* = <ab_pred, ab_true> / <ab_pred, ab_pred>`` (bias removed, working size) is
larger on colorful photos; if it could be predicted from the gray input, a per-photo gain would buy
colorfulness at a smaller PSNR cost than a global one. Features: the bottleneck's spatial mean and
max (the input of the generator's global-context MLP, 2×256 values); model: ridge regression of
``g*`` weighted by ``<ab_pred, ab_pred>`` (the curvature of the ab error in the gain), fitted on the
*training* images of the run (every file of ``data/train`` not in ``val_images.txt``), judged on the
validation images: PSNR and colorfulness with gain ``k·ĝ`` against global gains.

    python scripts/try_adaptive_gain.py data/train runs/semantic_r3/val_images.txt [--lam 1000]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from vidcolor.color import rgb_to_gray, rgb_to_lab
from vidcolor.evaluation.metrics import colorfulness, psnr
from vidcolor.io.image import read_image, to_float
from vidcolor.pipeline.engine import Colorizer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("train_dir")
    ap.add_argument("val_list")
    ap.add_argument("--lam", type=float, default=1000.0, help="ridge strength on standardized features")
    ap.add_argument("--weights", default=None)
    args = ap.parse_args()
    col = Colorizer(args.weights, device="cpu", render_size=256)
    bias, gain0 = np.array(col.chroma_bias), col.chroma_gain
    col.chroma_gain_hints = None
    feats = {}
    col.inference_model.context.register_forward_hook(  # the module that runs (BatchNorm folded)
        lambda m, i, o: feats.__setitem__("f", torch.cat([i[0].float().mean((2, 3)), i[0].float().amax((2, 3))], 1)[0].numpy()))
    val = [Path(line.strip()) for line in Path(args.val_list).read_text().splitlines() if line.strip()]
    val_names = {p.name for p in val}
    train = sorted(p for p in Path(args.train_dir).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png") and p.name not in val_names)

    def features(img):
        col.chroma_gain, col.chroma_bias = 1.0, (0.0, 0.0)
        rgb = torch.from_numpy(img).permute(2, 0, 1)[None]
        pred = col.predict_low(col.to_working(rgb_to_gray(rgb)), 0)
        true = rgb_to_lab(torch.nn.functional.interpolate(rgb, size=pred.shape[-2:], mode="area"))
        ab = pred[0, 1:].numpy().reshape(2, -1) - bias[:, None]
        t = true[0, 1:].numpy().reshape(2, -1)
        cc = float((ab * ab).sum())
        return feats["f"], float((ab * t).sum()) / cc, cc / ab.shape[1]

    F, g, w = [], [], []
    for p in train:
        img = to_float(read_image(p))
        if img.ndim == 3:
            f, gi, wi = features(img)
            F.append(f), g.append(gi), w.append(wi)
    F, g, w = np.array(F), np.clip(np.array(g), -0.5, 3.5), np.array(w)
    mu, sd = F.mean(0), F.std(0) + 1e-6
    X = np.hstack([(F - mu) / sd, np.ones((len(F), 1))])
    W = w / w.mean()
    beta = np.linalg.solve(X.T @ (X * W[:, None]) + args.lam * np.diag(np.r_[np.ones(F.shape[1]), 0]), X.T @ (W * g))
    print(f"fitted on {len(F)} training images: weighted mean g* {np.average(g, weights=w):.2f}")
    ks, gains = [0.9, 1.0, 1.1, 1.2, 1.3], [1.2, 1.3, 1.4, 1.5, 1.6]
    rows = {("per-photo k", k): [] for k in ks} | {("global gain", x): [] for x in gains}
    orig, ghat, gstar = [], [], []
    for p in val:
        img = to_float(read_image(p))
        if img.ndim != 3:
            continue
        f, gi, _ = features(img)
        gh = float(np.r_[(f - mu) / sd, 1.0] @ beta)
        ghat.append(gh), gstar.append(gi)
        rgb = torch.from_numpy(img).permute(2, 0, 1)[None]
        gray = rgb_to_gray(rgb)
        orig.append(float(colorfulness(rgb[0])))
        col.chroma_bias = tuple(bias)
        for (kind, v), out in rows.items():
            col.chroma_gain = v * gh if kind == "per-photo k" else v
            o = col.colorize(gray, 0)[0]
            out.append((float(psnr(o, rgb[0])), float(colorfulness(o))))
    print(f"{len(orig)} validation images: predicted gain {np.mean(ghat):.2f} ({min(ghat):.2f}..{max(ghat):.2f}), "
          f"correlation with g* {np.corrcoef(ghat, gstar)[0, 1]:.2f}; the shipped global gain is {gain0}")
    for (kind, v), out in rows.items():
        a = np.array(out)
        print(f"{kind} {v:.2f}: PSNR {a[:, 0].mean():.2f} dB  colorfulness {a[:, 1].mean() / np.mean(orig):.0%} of the originals'")


if __name__ == "__main__":
    main()
