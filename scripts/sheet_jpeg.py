#!/usr/bin/env python3
"""A report sheet (PNG) as the README's JPEG: at most ``--width`` pixels wide (area filter), quality 82.

    python scripts/sheet_jpeg.py /tmp/report/sheets/sheet_000.png samples/sheet_heldout_skimage.jpg
"""

from __future__ import annotations

import argparse

import cv2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sheet")
    ap.add_argument("jpeg")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--quality", type=int, default=82)
    args = ap.parse_args()
    img = cv2.imread(args.sheet)
    if img is None:
        raise SystemExit(f"Error: cannot read '{args.sheet}'")
    if img.shape[1] > args.width:
        h = round(img.shape[0] * args.width / img.shape[1])
        img = cv2.resize(img, (args.width, h), interpolation=cv2.INTER_AREA)
    if not cv2.imwrite(args.jpeg, img, [cv2.IMWRITE_JPEG_QUALITY, args.quality]):
        raise SystemExit(f"Error: cannot write '{args.jpeg}'")


if __name__ == "__main__":
    main()
