"""Choose the chroma bias and gain of plain colorization on *validation* photos; store them in the weights.

First the bias: the mean of (predicted − true) ab over all validation pixels, a systematic color
cast of the model (``--no-bias`` skips it); the Colorizer then applies ``ab' = gain · (ab − bias)``.

Colors should be there where the model is sure and muted where it is not. This script measures, on
validation photos (the training run's held-back split, never the held-out evaluation photos), mean
PSNR and colorfulness for a range of gains applied to the predicted ab, and the PSNR of the gray
baseline (the photo's own L* with no color). It picks the largest gain whose mean PSNR is within
``--margin`` dB of the best gain's *and* no more than ``--margin-gray`` dB below the gray baseline
(or, if none qualifies, the gain with the best PSNR). Validation photos may share backgrounds with
training photos (composites), so their PSNR is optimistic: the rule stays close to the best PSNR.
The choice is written into the weights' metadata (``info.chroma_gain``), which
:class:`vidcolor.pipeline.engine.Colorizer` applies. With color hints (user points or references) the
colors are the user's where they are and the network should be *accurate* elsewhere, not vivid: the
gain with the best validation PSNR *with hints* goes into ``info.chroma_gain_hints`` for that mode,
measured with ``--hint-points`` true-color points per photo drawn as in ``scripts/eval_control.py``
(3×3 means of the original at seeded random places, through the CLI's CSV reader); with
``--hint-points 0``, the best gain without hints.

    python scripts/calibrate_chroma.py WEIGHTS.safetensors RUN/val_images.txt [--write OUT.safetensors]
    python scripts/calibrate_chroma.py CALIBRATED.safetensors RUN/val_images.txt --hints-only --write OUT.safetensors

Weights that already carry a calibration are measured from scratch (their bias and gains are
ignored), unless ``--hints-only``: then their bias and automatic gain stay, and only the gain with
hints is measured and rewritten.

Weights with a chroma-class head (:mod:`vidcolor.models.chroma_classes`, ``scripts/train_chroma_classes.py``)
also choose the annealed mean's temperature T (``--temperatures``): the bias is measured per T, and
the rule above runs over every (T, gain) pair — the *most colorful* pair within the margins (with
one T that is the largest gain, as before). T goes into the architecture metadata
(``config.ab_temperature``). ``--auto-only`` keeps the gain with hints and stores the bias the hinted
rows had as ``chroma_bias_hints``: rows with hints use the regression, not the head, so a head added
to a calibrated model leaves them exactly as they were.

    python scripts/calibrate_chroma.py HEAD.safetensors RUN/val_images.txt --limit 47 --auto-only --write OUT.safetensors

``--rule colorfulness --gain-only`` (round 10) keeps the weights' bias and gain with hints and sets the
automatic gain so that the outputs' mean colorfulness is ``--target`` × the originals' on the photos
given (linear interpolation between the two gains of ``--gains`` that bracket it): a rule for
*unseen* photos — the PSNR rule above needs a PSNR curve that represents novel photos, which a
validation split sharing backgrounds with training does not give (model card, round 10).

    python scripts/calibrate_chroma.py W.safetensors CALIB_LIST.txt --rule colorfulness --gain-only --write OUT.safetensors
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
import torch

from vidcolor.color import rgb_to_gray
from vidcolor.evaluation.metrics import colorfulness, gray_baseline, psnr
from vidcolor.io.image import read_image, to_float
from vidcolor.models.serialization import load_generator, save_generator, weights_info
from vidcolor.pipeline.engine import Colorizer


def _hint_map(img: np.ndarray, points: int, seed: int, colorizer) -> torch.Tensor:
    """Hint map of ``points`` true-color points on photo ``img`` ``(H,W,3)`` in [0, 1] (3×3 means at
    seeded random places), read back through the CLI's CSV path."""
    import tempfile

    from vidcolor.control.apply import Controls, image_hint_map

    h, w = img.shape[:2]
    rng = np.random.default_rng([seed, points])
    rgb8 = np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)
    lines = ["x,y,color"]
    for _ in range(points):
        x, y = int(rng.integers(1, w - 1)), int(rng.integers(1, h - 1))
        c = rgb8[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).mean(0).round().astype(int)
        lines.append(f"{x},{y},#{c[0]:02x}{c[1]:02x}{c[2]:02x}")
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "hints.csv"
        csv.write_text("\n".join(lines) + "\n")
        return image_hint_map(Controls(hints=str(csv)), (h, w), colorizer)


def _mean_cast(col, photos: list) -> np.ndarray:
    """Mean (predicted − true) a*, b* of automatic colorization over ``photos`` (the colorizer's
    calibration as set; callers zero it), at the working size."""
    from vidcolor.color import rgb_to_lab

    diffs = []
    for img in photos:
        rgb = torch.from_numpy(img).permute(2, 0, 1)[None]
        pred = col.predict_low(col.to_working(rgb_to_gray(rgb)), 0)
        true = rgb_to_lab(torch.nn.functional.interpolate(rgb, size=pred.shape[-2:], mode="area"))
        diffs.append((pred[:, 1:] - true[:, 1:]).mean(dim=(0, 2, 3)).numpy())
    return np.mean(diffs, axis=0)


def _set_temperature(model, t: float | None) -> None:
    if t is not None:
        model.config = dataclasses.replace(model.config, ab_temperature=t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights")
    ap.add_argument("val_dir")
    ap.add_argument("--gains", default="0.4,0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2,1.4")
    ap.add_argument("--temperatures", default="1.0,0.6,0.38,0.25,0.15",
                    help="annealed-mean temperatures tried with a chroma-class head (ignored without one)")
    ap.add_argument("--margin", type=float, default=0.5, help="allowed PSNR loss vs the best setting, dB")
    ap.add_argument("--margin-gray", type=float, default=0.25, help="allowed PSNR loss vs the gray baseline, dB")
    ap.add_argument("--render-size", type=int, default=256)
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--write", help="write the calibrated weights here (fp16)")
    ap.add_argument("--no-bias", action="store_true", help="do not estimate a chroma bias (cast)")
    ap.add_argument("--hints-only", action="store_true", help="keep the weights' bias and automatic gain; choose and write only the gain with hints")
    ap.add_argument("--auto-only", action="store_true",
                    help="choose only the automatic settings (temperature, bias, gain); keep the gain with hints and the "
                         "bias the hinted rows had (chroma_bias_hints): for a chroma-class head added to a calibrated model")
    ap.add_argument("--rule", choices=["psnr", "colorfulness"], default="psnr",
                    help="psnr: the most colorful gain within the margins; colorfulness: the gain giving --target × the originals' colorfulness")
    ap.add_argument("--target", type=float, default=1.0, help="--rule colorfulness: wanted colorfulness, as a fraction of the originals'")
    ap.add_argument("--gain-only", action="store_true", help="keep the weights' bias and gain with hints; choose and write only the automatic gain")
    ap.add_argument("--hint-points", type=int, default=10, help="true-color points per photo for the hinted gain (0: no hints)")
    args = ap.parse_args()
    model = load_generator(args.weights)
    col = Colorizer(model=model, device="cpu", render_size=args.render_size)
    meta = weights_info(args.weights)
    if sum((args.hints_only, args.auto_only, args.gain_only)) > 1:
        raise SystemExit("Error: --hints-only, --auto-only and --gain-only exclude each other")
    if args.gain_only:  # the bias and the hinted calibration stay as they are
        col.chroma_bias = tuple(float(b) for b in meta.get("chroma_bias", (0.0, 0.0)))
        args.no_bias, args.hint_points = True, 0
    if args.hints_only:
        if not args.hint_points:
            raise SystemExit("Error: --hints-only needs --hint-points > 0")
        col.chroma_gain = float(meta.get("chroma_gain", 1.0))
        col.chroma_bias = tuple(float(b) for b in meta.get("chroma_bias", (0.0, 0.0)))
        if "chroma_bias_hints" in meta:
            col.chroma_bias_hints = tuple(float(b) for b in meta["chroma_bias_hints"])
        args.no_bias = True
    elif not args.gain_only:  # measure from scratch
        col.chroma_gain, col.chroma_gain_hints, col.chroma_bias = 1.0, None, (0.0, 0.0)
    if args.auto_only:
        args.hint_points = 0
    src = Path(args.val_dir)
    if src.is_file():  # a list of paths, e.g. RUN/val_images.txt
        files = [Path(line.strip()) for line in src.read_text().splitlines() if line.strip()][: args.limit]
    else:
        files = sorted(p for p in src.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[: args.limit]
    photos = []
    for f in files:
        img = to_float(read_image(f))
        if img.ndim == 3:
            photos.append(img)
    gains = [float(g) for g in args.gains.split(",")]
    temps = [float(t) for t in args.temperatures.split(",")] if model.ab_classifier is not None and not args.hints_only else [None]
    if model.ab_classifier is not None and args.hints_only:
        temps = [model.config.ab_temperature]
    biases = {}
    for t in temps:
        _set_temperature(model, t)
        bias = np.array(col.chroma_bias, dtype=np.float64)
        if not args.no_bias:  # mean (predicted − true) ab over the validation pixels, at gain 1
            col.chroma_bias, col.chroma_gain = (0.0, 0.0), 1.0
            bias = _mean_cast(col, photos)
            print(f"{'' if t is None else f'T={t}: '}chroma bias (mean predicted − true a*, b* on {len(photos)} validation photos): "
                  f"{bias[0]:+.2f}, {bias[1]:+.2f}", flush=True)
        biases[t] = bias
    bias_hints = None  # rows with hints use the regression, not the head: with a head, its own cast
    if model.ab_classifier is not None and not args.hints_only and not args.auto_only and not args.no_bias:
        head, model.ab_classifier = model.ab_classifier, None
        col.chroma_bias, col.chroma_gain = (0.0, 0.0), 1.0
        bias_hints = _mean_cast(col, photos)
        model.ab_classifier = head
        print(f"regression (rows with hints) chroma bias: {bias_hints[0]:+.2f}, {bias_hints[1]:+.2f}", flush=True)
        col.chroma_bias_hints = (float(bias_hints[0]), float(bias_hints[1]))
    rows = {(t, g): [] for t in temps for g in gains}
    hinted = {g: [] for g in gains}
    orig_cf, gray_psnr = [], []
    for img in photos:
        rgb = torch.from_numpy(img).permute(2, 0, 1)[None]
        gray = rgb_to_gray(rgb)
        orig_cf.append(float(colorfulness(rgb[0])))
        gray_psnr.append(float(psnr(gray_baseline(rgb)[0], rgb[0])))
        for t in ([] if args.hints_only else temps):
            _set_temperature(model, t)
            col.chroma_bias = (float(biases[t][0]), float(biases[t][1]))
            for g in gains:
                col.chroma_gain = g
                out = col.colorize(gray, 0)
                rows[(t, g)].append((float(psnr(out[0], rgb[0])), float(colorfulness(out[0]))))
        if args.hint_points:
            hints = _hint_map(img, args.hint_points, seed=len(gray_psnr), colorizer=col)
            for g in gains:
                col.chroma_gain_hints = g
                hinted[g].append(float(psnr(col.colorize(gray, 0, hints)[0], rgb[0])))
    base = float(np.mean(gray_psnr))
    print(f"{len(orig_cf)} validation photos, originals' mean colorfulness {np.mean(orig_cf):.1f}, gray baseline PSNR {base:.2f} dB")
    summary = {k: (np.mean([r[0] for r in v]), np.mean([r[1] for r in v])) for k, v in rows.items() if v}
    for (t, g), (p, c) in summary.items():
        print(f"{'' if t is None else f'T {t:.2f}  '}gain {g:.2f}: PSNR {p:.2f} dB  colorfulness {c:.1f} ({c / np.mean(orig_cf):.0%} of originals)")
    if args.hints_only:
        choice = (temps[0], col.chroma_gain)
    elif args.rule == "colorfulness":  # the gain whose pooled colorfulness is target × the originals'
        if len(temps) > 1:
            raise SystemExit("Error: --rule colorfulness takes one temperature (--temperatures T)")
        want = args.target * float(np.mean(orig_cf))
        grid = sorted((g, summary[(temps[0], g)][1]) for g in gains)
        g_pick = grid[-1][0] if want >= grid[-1][1] else grid[0][0]
        for (g0, c0), (g1, c1) in zip(grid, grid[1:]):
            if c0 <= want <= c1:
                g_pick = round(g0 + (g1 - g0) * (want - c0) / max(c1 - c0, 1e-9), 2)
                break
        print(f"colorfulness {args.target:.0%} of the originals' ({want:.1f}) at gain {g_pick}")
        choice = (temps[0], g_pick)
    else:  # the most colorful setting within the margins (one temperature: the largest gain)
        best = max(p for p, _ in summary.values())
        ok = [k for k, (p, _) in summary.items() if p >= max(best - args.margin, base - args.margin_gray)]
        choice = max(ok, key=lambda k: summary[k][1]) if ok else max(summary, key=lambda k: summary[k][0])
    t_choice, g_choice = choice
    _set_temperature(model, t_choice)
    bias = biases[t_choice] if t_choice in biases else np.array(col.chroma_bias)
    if args.hint_points:
        for g, v in hinted.items():
            print(f"gain {g:.2f} with {args.hint_points} hint points: PSNR {np.mean(v):.2f} dB")
        accurate = max(hinted, key=lambda g: np.mean(hinted[g]))
    elif args.auto_only or args.gain_only:
        accurate = float(meta.get("chroma_gain_hints", meta.get("chroma_gain", 1.0)))
    else:
        accurate = max((g for (t, g) in summary if t == t_choice), key=lambda g: summary[(t_choice, g)][0])
    print(f"chosen: {'' if t_choice is None else f'temperature {t_choice}, '}gain {g_choice} "
          f"(automatic{', kept' if args.hints_only else ''}); with hints: {accurate} "
          f"({'kept' if args.auto_only or args.gain_only else 'the best PSNR' + (' with hints' if args.hint_points else '')})")
    if args.write:
        hinted_cal = {"photos": len(orig_cf), "source": str(args.val_dir), "hint_points": args.hint_points,
                      "table": {str(k): round(float(np.mean(v)), 3) for k, v in hinted.items() if v}}
        auto_cal = {"photos": len(orig_cf), "source": str(args.val_dir), "gray_baseline_psnr": round(base, 3),
                    "margin_db": args.margin, "margin_gray_db": args.margin_gray,
                    "table": {(str(g) if t is None else f"T={t},gain={g}"): [round(v[0], 3), round(v[1], 2)] for (t, g), v in summary.items()}}
        if args.gain_only:
            auto_cal.update(rule=args.rule, target=args.target, previous_gain=meta.get("chroma_gain"),
                            previous_calibration=meta.get("chroma_gain_calibration"))
            info = {**meta, "chroma_gain": g_choice, "chroma_gain_hints": accurate, "chroma_gain_calibration": auto_cal}
        elif args.hints_only:
            info = {**meta, "chroma_gain_hints": accurate, "chroma_gain_hints_calibration": hinted_cal}
        elif args.auto_only:
            info = {**meta, "chroma_gain": g_choice, "chroma_bias": [round(float(bias[0]), 3), round(float(bias[1]), 3)],
                    "chroma_gain_hints": accurate, "chroma_bias_hints": meta.get("chroma_bias_hints", meta.get("chroma_bias", [0.0, 0.0])),
                    "chroma_gain_calibration": auto_cal}
        else:
            info = {**meta, "chroma_gain": g_choice, "chroma_gain_hints": accurate, "chroma_bias": [round(float(bias[0]), 3), round(float(bias[1]), 3)],
                    "chroma_gain_calibration": auto_cal, "chroma_gain_hints_calibration": hinted_cal}
            info.pop("chroma_bias_hints", None)
            if bias_hints is not None:
                info["chroma_bias_hints"] = [round(float(bias_hints[0]), 3), round(float(bias_hints[1]), 3)]
        save_generator(model, args.write, info=info, dtype=torch.float16)
        print(f"wrote {args.write}")
    print(json.dumps({"chosen": g_choice, "temperature": t_choice, "hints": accurate}))


if __name__ == "__main__":
    main()
