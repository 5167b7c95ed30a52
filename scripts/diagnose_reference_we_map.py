#!/usr/bin/env python3
"""Where in the picture does a reference render's warping error exceed automatic's? A diagnosis.

Renders the first ``--frames`` frames of a color clip, read as gray, three ways — automatic, with its
true frame 0 as ``--reference 0=…``, and with the reference as dense hints only (no full-size
composite) — and accumulates Lai et al.'s per-pixel warping error (the color original's DIS flow and
occlusion mask, as ``vidcolor eval --video`` does) and the Lab chroma part of it. Writes
``DIR/NAME_diffmap.png`` (red: the reference render flickers more than automatic there, blue: less,
over the film) and ``DIR/NAME_crops.png`` (original | automatic | hints only | reference, five frames
around the largest difference between the last two).

    python scripts/diagnose_reference_we_map.py CLIP --out DIR [--frames 101]

Round 16 ran it on the held-out balle-jbart.mp4 to *explain* a figure, not to choose a setting:
``docs/results/r16_reference_we_diagnosis.txt``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_control import _run, even, read_frames, write_video  # noqa: E402

import vidcolor.pipeline.frames as frames_mod  # noqa: E402
from vidcolor.color import rgb_to_lab  # noqa: E402
from vidcolor.control.apply import Controls  # noqa: E402
from vidcolor.evaluation.metrics import flow_and_mask  # noqa: E402
from vidcolor.evaluation.warping import backward_warp  # noqa: E402
from vidcolor.pipeline.engine import Colorizer  # noqa: E402


def _t(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x).permute(2, 0, 1)[None].float() / 255


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clip", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--frames", type=int, default=101)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    name = args.clip.stem
    frames = [even(f) for f in read_frames(args.clip, args.frames)]
    src = write_video(args.out / f"{name}_src.mkv", frames)
    ref = args.out / f"{name}_f0.png"
    cv2.imwrite(str(ref), cv2.cvtColor(frames[0], cv2.COLOR_RGB2BGR))
    col = Colorizer(None)
    outs = {"auto": None, "hints only": "none", "reference": "ref"}
    vids = {}
    for label, kind in outs.items():
        path = args.out / f"{name}_{label.replace(' ', '_')}.mkv"
        saved = frames_mod.composite
        if kind == "none":
            frames_mod.composite = lambda ab, plan, decisions, strength=False, lum=None: (ab, None) if strength else ab
        try:
            _run(col, src, path, Controls(references=(f"0={ref}",)) if kind else None)
        finally:
            frames_mod.composite = saved
        vids[label] = read_frames(path)
    vids["original"] = frames
    lum = [rgb_to_lab(_t(f))[:, :1] / 100 for f in frames]
    maps = {k: np.zeros(frames[0].shape[:2]) for k in vids}
    chroma = {k: [] for k in vids}
    for i in range(1, len(frames)):
        flow, mask = flow_and_mask(lum[i - 1], lum[i])
        for k, v in vids.items():
            cur, warped = _t(v[i]), backward_warp(_t(v[i - 1]), flow)
            maps[k] += ((cur - warped).pow(2).mean(1)[0] * mask[0, 0]).numpy()
            dab = (rgb_to_lab(cur)[:, 1:] - rgb_to_lab(warped)[:, 1:]).pow(2).sum(1) * mask[:, 0]
            chroma[k].append(float(dab.sum() / mask.sum()))
    n = len(frames) - 1
    for k in vids:
        m = maps[k] / n
        top = np.sort(m.ravel())[::-1][: m.size // 100].sum() / m.sum()
        print(f"{k:<11} warping error ×1e5 {m.mean() * 1e5:6.2f}   chroma |Δab|² {np.mean(chroma[k]):6.3f}   "
              f"share of the worst 1 % of pixels {top:.2f}")
    d = (maps["reference"] - maps["auto"]) / n
    v = np.clip(d / (np.percentile(np.abs(d), 99.5) + 1e-12), -1, 1)
    img = np.zeros(d.shape + (3,), np.uint8)
    img[..., 2], img[..., 0] = np.clip(v, 0, 1) * 255, np.clip(-v, 0, 1) * 255
    gray = cv2.cvtColor(cv2.cvtColor(frames[n // 2], cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2BGR)
    cv2.imwrite(str(args.out / f"{name}_diffmap.png"), cv2.addWeighted(img, 0.7, gray, 0.3, 0))
    diff = [np.abs(vids["reference"][i].astype(int) - vids["hints only"][i].astype(int)).sum(2) for i in range(len(frames))]
    i = max(range(3, len(frames) - 2), key=lambda j: diff[j].max())
    y, x = np.unravel_index(diff[i].argmax(), diff[i].shape)
    rows = [np.concatenate([vids[k][j][max(0, y - 40):y + 40, max(0, x - 60):x + 60] for k in ("original", "auto", "hints only", "reference")], 1)
            for j in range(i - 2, i + 3)]
    cv2.imwrite(str(args.out / f"{name}_crops.png"), cv2.cvtColor(np.concatenate(rows, 0), cv2.COLOR_RGB2BGR))
    print(f"largest reference vs hints-only difference: frame {i}, at (x {x}, y {y}); maps and crops in {args.out}")


if __name__ == "__main__":
    main()
