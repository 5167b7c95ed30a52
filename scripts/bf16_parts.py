"""Which part of the generator makes bf16 inference stray from fp32: each part run in fp32, the rest in bf16.

    python scripts/bf16_parts.py [--weights F] [--photos DIR ...] [--limit 9]

For each variant (nothing in fp32; the encoder's stem; its first block; stem + first block; blocks
4…, 8…, 12… to the end; the whole encoder), every photo turned gray (L*) at the working size goes
through the folded inference network (:attr:`Colorizer.inference_model`) under bf16 autocast with
that part forced to fp32; printed: the mean |Δab| against the all-fp32 output (Lab units), the
worst photo's, and the mean ratio of the output's chroma magnitude to fp32's (< 1: desaturated).
Round 11 ran it on the code before its fix (``PYTHONPATH`` at that revision): the stem and first
block were the cause; since then they run in fp32 anyway and the variants that include them agree.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import torch

from vidcolor.color import rgb_to_gray
from vidcolor.pipeline.engine import Colorizer

ROOT = Path(__file__).resolve().parents[1]


def _fp32(modules):
    """Make each module's forward run in fp32 with autocast off; returns an undo list."""
    undo = []
    for mod in modules:
        orig = mod.forward

        def forward(x, *rest, _orig=orig, **kw):
            with torch.autocast(x.device.type, enabled=False):
                return _orig(x.float(), *rest, **kw)

        mod.forward = forward
        undo.append((mod, orig))
    return undo


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights")
    ap.add_argument("--photos", nargs="+", default=[str(ROOT / "data" / "heldout_opencv"), str(ROOT / "data" / "heldout_public")])
    ap.add_argument("--limit", type=int, default=9)
    args = ap.parse_args()
    col = Colorizer(args.weights, device="cpu", precision="fp32")
    net = col.inference_model
    enc = net.encoder.net
    paths = sorted(p for d in args.photos for p in Path(d).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[:args.limit]
    xs = []
    for p in paths:
        rgb = torch.from_numpy(cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB)).permute(2, 0, 1)[None].float() / 255
        gray = rgb_to_gray(rgb)
        xs.append(torch.nn.functional.interpolate(gray, size=col.working_size(*gray.shape[-2:]), mode="area"))
    blocks = list(enc._blocks)
    variants = [("nothing", []), ("stem", [enc._conv_stem]), ("block 0", blocks[:1]), ("stem + block 0", [enc._conv_stem, blocks[0]]),
                ("blocks 4-end", blocks[4:]), ("blocks 8-end", blocks[8:]), ("blocks 12-end", blocks[12:]), ("whole encoder", [enc._conv_stem, *blocks])]
    print(f"{len(paths)} photos: {', '.join(p.name for p in paths)}")
    with torch.inference_mode():
        refs = [net(x, 0) for x in xs]
        for label, modules in variants:
            undo = _fp32(modules)
            err, chroma = [], []
            with torch.autocast("cpu", dtype=torch.bfloat16):
                for x, ref in zip(xs, refs):
                    out = net(x, 0)
                    err.append((out - ref)[:, 1:].abs().mean().item())
                    chroma.append(out[:, 1:].abs().mean().item() / ref[:, 1:].abs().mean().item())
            for mod, orig in undo:
                mod.forward = orig
            print(f"fp32: {label:<15} mean |Δab| {np.mean(err):.3f}  worst photo {max(err):.3f}  chroma vs fp32 {np.mean(chroma):.4f}")


if __name__ == "__main__":
    main()
