"""Comparison sheets for a folder of held-out colour photos, for judging a model by eye.

    python scripts/make_sheets.py photos/ sheets/ [--weights G.safetensors] [--styles none,watercolor,oil,pencil,cartoon]

Each row is one photo: original | gray (its L*, the network's input) | colorized | one column per
style. Writes ``sheets/sheet_000.png``, ... (``--rows`` photos per sheet). Photos larger than
``--max-size`` (long side) are shrunk first. Uses only the library API.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from vidcolor.color import rgb_to_gray
from vidcolor.evaluation.evaluate import comparison_row, list_images, read_rgb
from vidcolor.evaluation.report import write_sheets
from vidcolor.pipeline.engine import Colorizer
from vidcolor.pipeline.upsample import resize


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", type=Path, help="folder of colour photos")
    parser.add_argument("output", type=Path, help="folder for the sheet PNGs")
    parser.add_argument("--weights", help="generator weights (.safetensors); default: the bundled model")
    parser.add_argument("--styles", help="comma-separated styles (default: every style the weights know)")
    parser.add_argument("--render-size", type=int, default=256, help="short side the network runs at (0 = full)")
    parser.add_argument("--max-size", type=int, default=1024, help="shrink photos to this long side first (0 = never)")
    parser.add_argument("--tile", type=int, default=192, help="tile height in the sheet, pixels")
    parser.add_argument("--rows", type=int, default=6, help="photos per sheet")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)

    col = Colorizer(args.weights, device=args.device, render_size=args.render_size)
    styles = [s.strip() for s in args.styles.split(",")] if args.styles else list(col.styles)
    index = {s: col.style_index(s) for s in styles}
    rows = []
    for path in list_images(args.photos):
        rgb = read_rgb(path)
        h, w = rgb.shape[-2:]
        if args.max_size and max(h, w) > args.max_size:
            s = args.max_size / max(h, w)
            rgb = resize(rgb, (max(1, round(h * s)), max(1, round(w * s)))).clamp(0, 1)
        gray = rgb_to_gray(rgb)
        with torch.inference_mode():
            outputs = {s: col.colorize(gray, i).float().cpu() for s, i in index.items()}
        rows.append(comparison_row(path.name, rgb, outputs, args.tile))
        print(f"{path.name}: {', '.join(styles)}")
    paths = write_sheets(rows, args.output, rows_per_sheet=args.rows)
    for p in paths:
        print(f"wrote {p}")
    return paths


if __name__ == "__main__":
    main()
