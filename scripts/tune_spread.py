#!/usr/bin/env python3
"""Choose the point-hint spreading parameters (vidcolor/control/spread.py) on validation or training photos.

    python scripts/tune_spread.py --list runs/semantic_r3/val_images.txt --photos 47 --composites \
        --set local7 --scenarios random10 worst1 worst3          # round 6's choice
    python scripts/tune_spread.py --photos 30 [--folder data/train] --set round2   # round 2's (training photos)

Each photo is turned gray and given true-color points (the true mean color of a 3×3 patch) in one
or more *scenarios*: ``random10`` = 10 random places (seeded per photo), ``worst1``/``worst3`` = where
a user would put them, on the largest errors of the automatic output (:func:`vidcolor.evaluation.placement.worst_places`):
a user marks the object the model got wrong, and expects that object fixed and nothing else
recolored. Each candidate setting colorizes through the CLI's code path and is scored by PSNR
against the original: mean gain over automatic and the number of photos made worse, per scenario.
Round 2 chose on ``random10`` over training photos only, which rewarded spreading a hint over the
whole frame (on validation photos: ``random10`` +1.10 dB but ``worst1`` −4.73 dB, 45 of 47 photos
worse: one point on a yellow fruit turned the sky yellow). Round 6 chooses the best *mean over
the three scenarios* on the run's validation photos (``docs/results/r6_tune_spread_local*.txt``).
Held-out photos are never used here; ``scripts/eval_control.py photos`` measures the choice on them.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from eval_control import gray_of, psnr  # noqa: E402

import vidcolor.pipeline.engine as engine  # noqa: E402
from vidcolor.evaluation.placement import worst_places  # noqa: E402
from vidcolor.control import spread  # noqa: E402
from vidcolor.control.apply import Controls, image_hint_map  # noqa: E402

# (sigma_s, sigma_r, prior, guide_blur, local_sigma, local_weight); sigma_s/guide/local × short side
CANDIDATES_ROUND2 = [
    (0.4, 0.08, 2.0, 0.0, 0.1, 0.0),
    (1.5, 0.3, 0.1, 0.0, 0.1, 0.0),
    (1.5, 0.1, 1.0, 0.0, 0.1, 0.0),
    (1.5, 0.1, 1.0, 0.012, 0.1, 0.0),
    (1.5, 0.1, 1.0, 0.03, 0.1, 0.0),
    (1.5, 0.1, 1.0, 0.06, 0.1, 0.0),
    (1.5, 0.1, 1.0, 0.03, 0.1, 16.0),
]
# round 6: both kinds of placement (random points and where a user would put them)
# (the local sets without the global term, as they were run)
LOCAL6 = [dict(sigma_s=ss, sigma_r=sr, guide_blur=gb, global_weight=0.0, max_short=None) for ss in (0.15, 0.3, 0.6, 1.5) for sr in (0.05, 0.1)
          for gb in (0.01, 0.03)]
LOCAL7 = [dict(sigma_s=ss, sigma_r=sr, guide_blur=gb, global_weight=0.0, max_short=None) for ss in (0.1, 0.15, 0.3) for sr in (0.02, 0.035, 0.05)
          for gb in (0.0, 0.005, 0.01)]
GLOBAL8 = [dict(global_weight=g, global_count=k, max_short=None) for g in (1.0, 4.0, 16.0) for k in (3.0, 10.0, 30.0)]
GLOBAL9 = [dict(global_weight=g, global_count=k, max_short=None) for g in (0.5, 1.0, 2.0) for k in (30.0, 60.0, 100.0)]
# joint refinement of the local reach/edges with the global term on (round 6's last grid)
JOINT10 = [dict(sigma_s=ss, sigma_r=sr, guide_blur=0.01, global_weight=g, global_count=60.0, max_short=None)
           for ss in (0.3, 0.6) for sr in (0.035, 0.05) for g in (2.0, 4.0)]
SPEED11 = [dict(max_short=m) for m in (None, 192, 128, 96)]
# round 8: a non-local term gated by the number of hints (off in round 7); the rest as shipped
NONLOCAL12 = [dict(nonlocal_weight=g, nonlocal_count=k, nonlocal_l=sl, nonlocal_ab=sab)
              for g in (2.0, 8.0) for k in (60.0,) for sl in (0.1,) for sab in (12.0, 24.0)]
NONLOCAL13 = [dict(nonlocal_weight=g, nonlocal_count=k, nonlocal_l=sl, nonlocal_ab=sab)
              for g in (4.0, 16.0, 64.0) for k in (20.0, 60.0) for sl in (0.05, 0.1, 0.2) for sab in (24.0,)]
NONLOCAL14 = [dict(nonlocal_weight=g, nonlocal_count=60.0, nonlocal_l=sl, nonlocal_ab=sab)
              for g in (4.0, 8.0) for sl in (0.03, 0.05) for sab in (12.0, 24.0)]

SETS = {
    "round2": [dict(zip(("sigma_s", "sigma_r", "prior", "guide_blur", "local_sigma", "local_weight"), c), global_weight=0.0, max_short=None)
               for c in CANDIDATES_ROUND2],
    "local6": LOCAL6,
    "local7": LOCAL7,
    "global8": [dict(global_weight=0.0, max_short=None)] + GLOBAL8,
    "global9": [dict(global_weight=0.0, max_short=None)] + GLOBAL9,
    "joint10": JOINT10,
    "speed11": SPEED11,
    "global_chosen": [dict(global_weight=g, global_count=60.0, max_short=None) for g in (0.0, 2.0, 4.0)],
    "nonlocal12": [dict(nonlocal_weight=0.0)] + NONLOCAL12,   # (sets before these ran without the non-local term: see below)
    "nonlocal13": [dict(nonlocal_weight=0.0)] + NONLOCAL13,
    "nonlocal14": [dict(nonlocal_weight=0.0)] + NONLOCAL14,
}

for _name in ("round2", "local6", "local7", "global8", "global9", "joint10", "speed11", "global_chosen"):   # as they were run
    SETS[_name] = [dict(c, nonlocal_weight=0.0) for c in SETS[_name]]


def to_u8(t: torch.Tensor) -> np.ndarray:
    return (t[0].permute(1, 2, 0).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folder", default="data/train")
    ap.add_argument("--photos", type=int, default=30)
    ap.add_argument("--list", default=None, help="a file of photo paths (e.g. a run's val_images.txt) instead of --folder")
    ap.add_argument("--composites", action="store_true", help="keep composites (comp_*): a run's validation split is mostly composites")
    ap.add_argument("--set", choices=sorted(SETS), default="round2", help="which candidates")
    ap.add_argument("--scenarios", nargs="+", default=["random10"],
                    help="PLACEMENT+COUNT: random10 = 10 random points; worst1/worst3 = where a user would put them, the "
                         "centres of the largest automatic chroma errors (blurred error maximum, then the next one ≥ 10 %% "
                         "of the short side away, …)")
    ap.add_argument("--weights", default=None)
    args = ap.parse_args()
    col = engine.Colorizer(args.weights)
    CANDIDATES = [tuple(sorted(c.items())) for c in SETS[args.set]]
    if args.list:
        files = [Path(line.strip()) for line in Path(args.list).read_text().splitlines() if line.strip()]
    else:
        files = sorted(Path(args.folder).iterdir())
    files = [p for p in files if p.suffix.lower() in (".jpg", ".jpeg", ".png") and (args.composites or not p.name.startswith("comp_"))]
    files = [files[i] for i in sorted(np.random.default_rng(0).choice(len(files), min(args.photos, len(files)), replace=False))]
    original = spread.spread_correction
    scenarios = []
    for sc in args.scenarios:
        placement = sc.rstrip("0123456789")
        if placement not in ("random", "worst") or placement == sc:
            ap.error(f"unknown scenario {sc!r} (random10, worst1, …)")
        scenarios.append((sc, placement, int(sc[len(placement):])))
    scores: dict = {sc: {"gray": [], "automatic": [], **{c: [] for c in CANDIDATES}} for sc, _, _ in scenarios}
    with tempfile.TemporaryDirectory() as tmp:
        for k, f in enumerate(files):
            rgb = cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB)
            h, w = rgb.shape[:2]
            gray = torch.from_numpy(cv2.cvtColor(rgb.astype(np.float32) / 255, cv2.COLOR_RGB2LAB)[..., 0] / 100)[None, None]
            auto_u8 = to_u8(col.colorize(gray, 0))
            for sc, placement, count in scenarios:
                rng = np.random.default_rng([7, k])
                places = worst_places(auto_u8, rgb, count) if placement == "worst" else \
                    [(int(rng.integers(1, w - 1)), int(rng.integers(1, h - 1))) for _ in range(count)]
                lines = ["x,y,color"]
                for x, y in places:
                    c = rgb[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).mean(0).round().astype(int)
                    lines.append(f"{x},{y},#{c[0]:02x}{c[1]:02x}{c[2]:02x}")
                csv_path = Path(tmp) / "h.csv"
                csv_path.write_text("\n".join(lines) + "\n")
                hints = image_hint_map(Controls(hints=str(csv_path)), (h, w), col)
                scores[sc]["gray"].append(psnr(gray_of(rgb), rgb))
                scores[sc]["automatic"].append(psnr(auto_u8, rgb))
                for c in CANDIDATES:
                    engine.spread_correction = functools.partial(original, **dict(c))
                    scores[sc][c].append(psnr(to_u8(col.colorize(gray, 0, hints)), rgb))
            print(f"{k + 1}/{len(files)} {f.name}", file=sys.stderr, flush=True)
    engine.spread_correction = original
    print(f"{len(files)} photos; per scenario: mean PSNR gain over automatic (dB) / photos more than 0.05 dB worse than automatic")
    print(f"{'candidate':80s} | " + " | ".join(f"{sc:>14s}" for sc, _, _ in scenarios))
    for key in scores[scenarios[0][0]]:
        name = key if isinstance(key, str) else " ".join(f"{n}={x}" for n, x in key)
        cells = []
        for sc, _, _ in scenarios:
            v, auto = np.array(scores[sc][key]), np.array(scores[sc]["automatic"])
            cells.append(f"{np.mean(v - auto):+6.2f} / {int(np.sum(v < auto - 0.05)):2d}")
        print(f"{name:80s} | " + " | ".join(f"{c:>14s}" for c in cells))

if __name__ == "__main__":
    main()
