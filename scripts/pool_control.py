#!/usr/bin/env python3
"""Summarise ``scripts/measure_round6.sh``'s log: per held-out set, spreading setting and placement,
the gain of hints over automatic and over gray (means over the random draws), and the 20 public
photos pooled (scikit-image's 5 + opencv-doc's 15, weighted by photo count).

    python scripts/pool_control.py docs/results/r6_control_photos.txt
"""

from __future__ import annotations

import collections
import re
import sys


def main() -> None:
    rows = collections.defaultdict(list)    # (set, tag, scenario) → [(n, auto gain, gray gain, worse)]
    key = None
    worse = None
    for line in open(sys.argv[1]):
        m = re.match(r"== (\S+) (\S+) (\S+)", line)
        if m:
            key = (m.group(1), m.group(2), m.group(3))
            worse = None
            continue
        m = re.search(r"worse with hints than automatic: (\d+) of (\d+)", line)
        if m:
            worse = int(m.group(1))
            continue
        m = re.match(r"MEAN over (\d+):.*hints − automatic ([+-][\d.]+) dB, hints − gray ([+-][\d.]+) dB", line)
        if m and key and worse is not None:
            rows[key].append((int(m.group(1)), float(m.group(2)), float(m.group(3)), worse))
    print("set               spreading scenario   draws   hints − automatic (min…max)   hints − gray   photos worse than automatic")
    pooled = collections.defaultdict(list)
    for (name, tag, sc), vals in sorted(rows.items()):
        a = [v[1] for v in vals]
        g = [v[2] for v in vals]
        w = [v[3] for v in vals]
        n = vals[0][0]
        print(f"{name:17s} {tag:9s} {sc:10s} {len(vals):5d}   {sum(a) / len(a):+6.2f} ({min(a):+.2f}…{max(a):+.2f})        "
              f"{sum(g) / len(g):+6.2f}         {sum(w) / len(w):.1f} of {n}")
        if name in ("heldout_public", "heldout_opencv"):
            for i, v in enumerate(vals):
                pooled[(tag, sc, i)].append(v)
    print("\n20 public photos pooled (scikit-image 5 + opencv-doc 15):")
    by = collections.defaultdict(list)
    for (tag, sc, i), vals in sorted(pooled.items()):
        if len(vals) != 2:
            continue
        n = sum(v[0] for v in vals)
        by[(tag, sc)].append((sum(v[0] * v[1] for v in vals) / n, sum(v[0] * v[2] for v in vals) / n, sum(v[3] for v in vals), n))
    for (tag, sc), vals in sorted(by.items()):
        a = [v[0] for v in vals]
        g = [v[1] for v in vals]
        print(f"  {tag:9s} {sc:10s} draws {len(vals)}: hints − automatic {sum(a) / len(a):+.2f} dB ({min(a):+.2f}…{max(a):+.2f}), "
              f"hints − gray {sum(g) / len(g):+.2f} dB, photos worse than automatic {sum(v[2] for v in vals) / len(vals):.1f} of {vals[0][3]}")


if __name__ == "__main__":
    main()
