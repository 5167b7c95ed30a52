#!/usr/bin/env python3
"""Style strength: move each built-in style's embedding away from plain colorization's, chosen on
*validation* photos against the style's teacher; optionally write the weights.

A regression-trained decoder under-expresses a style (it averages the teacher's strokes and
palette toward the photo). Extrapolating the FiLM style embedding along the style's own direction,

    e_s' = e_none + k_s · (e_s − e_none)           (k_s = 1: the trained row)

costs nothing at run time (one pass, same network) and, where it brings the output closer to the
teacher's rendering, also moves the styles apart. For every style and every ``k`` of ``--ks`` this
script measures, on the validation photos (the training run's held-back split: never the held-out
evaluation photos), the mean |Δ| RGB to the teacher's rendering at the working size (the measure
of ``vidcolor eval``'s ``teacher MAD``) and the distance to plain colorization; it picks the ``k``
with the smallest teacher distance. ``--write`` stores the new rows (every other tensor
bit-identical) and the table in ``info.style_strength``.

``--rule separation`` (round 6) chooses all styles' ``k`` jointly for what a user sees first, that
the five looks differ on *each* photo: among the ``k`` within ``--tolerance`` (5 %) of each style's
smallest teacher distance, the combination with the most validation photos on which every pair of
none/watercolor/oil/pencil/cartoon differs by a mean ≥ 15/255; ties go to the smallest summed
relative teacher distance.

    python scripts/tune_style_strength.py runs/semantic_r3/val_images.txt [--weights W] [--rule separation] [--write OUT.safetensors]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from vidcolor.color import rgb_to_gray
from vidcolor.evaluation.evaluate import teacher_distance, teacher_target
from vidcolor.io.image import read_image, to_float
from vidcolor.models.serialization import load_generator, read_metadata, save_generator
from vidcolor.pipeline.engine import Colorizer, bundled_weights


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("val_list", help="validation photos: a list file (one path per line) or a folder")
    ap.add_argument("--weights", default=str(bundled_weights()))
    ap.add_argument("--ks", default="0.8,1.0,1.25,1.5,1.75,2.0")
    ap.add_argument("--limit", type=int, default=47)
    ap.add_argument("--render-size", type=int, default=256)
    ap.add_argument("--rule", choices=("teacher", "separation"), default="teacher")
    ap.add_argument("--tolerance", type=float, default=0.05, help="--rule separation: relative teacher-distance slack")
    ap.add_argument("--write")
    args = ap.parse_args()
    src = Path(args.val_list)
    files = ([Path(x.strip()) for x in src.read_text().splitlines() if x.strip()] if src.is_file()
             else sorted(p for p in src.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")))[: args.limit]
    model = load_generator(args.weights)
    col = Colorizer(model=model, device="cpu", render_size=args.render_size)
    meta = read_metadata(args.weights)
    info = json.loads(meta.get("info", "{}"))
    col.chroma_gain = float(info.get("chroma_gain", 1.0))
    col.chroma_bias = tuple(float(b) for b in info.get("chroma_bias", (0.0, 0.0)))
    ks = [float(k) for k in args.ks.split(",")]
    rows = model.style_embedding.weight.data
    original = rows.clone()
    e0 = original[0]
    styles = [s for s in model.styles if s != "none"]
    table = {s: {k: [] for k in ks} for s in styles}
    to_none = {s: {k: [] for k in ks} for s in styles}
    renders: list[dict] = []   # per photo: "none" and (style, k) → output [3,H,W] float16 (--rule separation)
    photos = 0
    for f in files:
        img = to_float(read_image(f))
        if img.ndim != 3:
            continue
        rgb = torch.from_numpy(img).permute(2, 0, 1)[None].float()
        gray = rgb_to_gray(rgb)
        plain = col.colorize(gray, 0).float()[0]
        photos += 1
        kept = {"none": plain.half()} if args.rule == "separation" else None
        for s in styles:
            i = model.styles.index(s)
            teacher = teacher_target(rgb, s, args.render_size, 0)  # vidcolor eval's teacher MAD, teacher rendered once
            for k in ks:
                rows[i] = e0 + k * (original[i] - e0)
                out = col.colorize(gray, i).float()
                table[s][k].append(teacher_distance(out, teacher, args.render_size)["teacher_mad"])
                to_none[s][k].append(float((out[0] - plain).abs().mean()))
                if kept is not None:
                    kept[(s, k)] = out[0].half()
            rows[i] = original[i]
        if kept is not None:
            renders.append(kept)
    print(f"{photos} validation photos from {src}; mean |Δ| RGB to the teacher's rendering (and to plain colorization):")
    print(f"{'style':<11}" + "".join(f"{'k=' + format(k, 'g'):>16}" for k in ks))
    choice = {}
    for s in styles:
        means = {k: float(np.mean(v)) for k, v in table[s].items()}
        choice[s] = min(ks, key=lambda k: (round(means[k], 4), k))
        print(f"{s:<11}" + "".join(f"{means[k]:>8.4f} ({np.mean(to_none[s][k]):.3f})" for k in ks) + f"   → k = {choice[s]:g}")
    print("smallest teacher distance: " + ", ".join(f"{s} {k:g}" for s, k in choice.items()))
    if args.rule == "separation":
        choice = _separation_choice(styles, ks, table, renders, args.tolerance)
    print(f"chosen ({args.rule}): " + ", ".join(f"{s} {k:g}" for s, k in choice.items()))
    if args.write:
        from vidcolor.batch.segments import model_fingerprint

        before = model_fingerprint(model, base_only=True)  # packs made for these weights render the same on the new ones
        for s, k in choice.items():
            i = model.styles.index(s)
            rows[i] = e0 + k * (original[i] - e0)
        if any(k != 1.0 for k in choice.values()):
            info["pack_fingerprints"] = sorted(set(info.get("pack_fingerprints", [])) | {before})
        info["style_strength"] = {"k": choice, "photos": photos, "source": str(src), "rule": args.rule,
                                  "teacher_mad": {s: {format(k, "g"): round(float(np.mean(v)), 5) for k, v in table[s].items()} for s in styles}}
        from safetensors.torch import load_file

        src_tensors = load_file(args.weights)
        half = src_tensors["style_embedding.weight"].dtype == torch.float16
        save_generator(model, args.write, info=info, dtype=torch.float16 if half else None)
        new = load_file(args.write)  # every tensor but the style rows must be bit-identical, or packs would not render the same
        changed = sorted(k for k in src_tensors if not torch.equal(src_tensors[k], new[k]))
        if changed != ["style_embedding.weight"] and changed:
            raise SystemExit(f"Error: tensors other than the style rows changed on saving: {changed[:5]}")
        print(f"wrote {args.write}")


def _separation_choice(styles, ks, table, renders, tolerance, target=15 / 255):
    """The joint ``{style: k}`` of ``--rule separation`` (module docstring); prints the candidates."""
    import itertools

    means = {s: {k: float(np.mean(table[s][k])) for k in ks} for s in styles}
    eligible = {s: [k for k in ks if means[s][k] <= (1 + tolerance) * min(means[s].values())] for s in styles}
    print("within {:.0%} of the smallest teacher distance: ".format(tolerance) + ", ".join(f"{s} {eligible[s]}" for s in styles))
    d = lambda a, b: float((a.float() - b.float()).abs().mean())  # noqa: E731
    # per photo: distance to plain for every (style, k), and between every two styles' (k, k')
    to_none = [{(s, k): d(r[(s, k)], r["none"]) for s in styles for k in eligible[s]} for r in renders]
    between = [{(s, k, t, q): d(r[(s, k)], r[(t, q)]) for s, t in itertools.combinations(styles, 2)
                for k in eligible[s] for q in eligible[t]} for r in renders]
    best = None
    for combo in itertools.product(*(eligible[s] for s in styles)):
        c = dict(zip(styles, combo))
        passing = sum(all(tn[(s, c[s])] >= target for s in styles) and
                      all(bt[(s, c[s], t, c[t])] >= target for s, t in itertools.combinations(styles, 2))
                      for tn, bt in zip(to_none, between))
        cost = sum(means[s][c[s]] / min(means[s].values()) for s in styles)
        print(f"  {', '.join(f'{s} {c[s]:g}' for s in styles)}: every pair ≥ 15/255 on {passing} of {len(renders)} photos, "
              f"summed relative teacher distance {cost:.3f}")
        if best is None or (passing, -cost) > (best[0], -best[1]):
            best = (passing, cost, c)
    return best[2]


if __name__ == "__main__":
    main()
