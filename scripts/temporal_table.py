#!/usr/bin/env python3
"""Table of warping error per style from ``scripts/eval_temporal.py --json`` files (one per style):
stabilized and unstabilized warping error, the ratio to plain colorization's (stabilized; issue
target ≤ 1.5) and PSNR.

    python scripts/temporal_table.py /tmp/r3_temporal_{none,watercolor,oil,pencil,cartoon}.json
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    rows = [json.load(open(p))["summary"] for p in sys.argv[1:]]
    plain = next((r for r in rows if r["style"] == "none"), rows[0])
    base = plain["warping_error"]["temporal"]
    print(f"{'style':<12} {'stabilized':>11} {'off':>10} {'ratio to plain':>15} {'PSNR':>7}")
    for r in rows:
        w = r["warping_error"]
        print(f"{r['style']:<12} {w['temporal']:>11.6f} {w['no_temporal']:>10.6f} {w['temporal'] / base:>15.2f} {r['psnr']['temporal']:>7.2f}")
    print(f"color footage itself: {plain['warping_error']['color_footage']:.6f}  ({plain['clips']} clips)")


if __name__ == "__main__":
    main()
