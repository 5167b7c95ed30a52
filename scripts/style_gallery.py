"""Render every style teacher on one photo into a labelled side-by-side PNG, for visual checks.

    python scripts/style_gallery.py photo.jpg gallery.png --size 256 --seed 0

Prints each teacher's render time. Uses only the public registry API.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

from vidcolor.styles import get_style, style_names


def load_rgb(path: Path, short_side: int) -> np.ndarray:
    """Read an image as float32 RGB in [0, 1], resized so its short side is ``short_side``."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"cannot read image {path}")
    h, w = bgr.shape[:2]
    f = short_side / min(h, w)
    bgr = cv2.resize(bgr, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0


def gallery(rgb: np.ndarray, names: list[str], seed: int) -> np.ndarray:
    """Render ``names`` on ``rgb``; return a uint8 BGR strip with a caption over each tile."""
    tiles = []
    for name in names:
        start = time.perf_counter()
        out = get_style(name).render(rgb, seed)
        print(f"{name:12s} {1000 * (time.perf_counter() - start):7.1f} ms")
        tile = cv2.cvtColor((out * 255 + 0.5).astype(np.uint8), cv2.COLOR_RGB2BGR)
        cv2.rectangle(tile, (0, 0), (8 + 11 * len(name), 20), (255, 255, 255), -1)
        cv2.putText(tile, name, (4, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        tiles.append(tile)
    return np.concatenate(tiles, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--size", type=int, default=256, help="short side in pixels")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--styles", default=",".join(style_names()),
                        help="comma-separated style names (default: all)")
    args = parser.parse_args()
    strip = gallery(load_rgb(args.image, args.size), args.styles.split(","), args.seed)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.output), strip)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
