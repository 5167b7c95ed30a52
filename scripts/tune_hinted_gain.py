#!/usr/bin/env python3
"""Choose ``HINTED_GAIN_HALF_COUNT`` (vidcolor/pipeline/engine.py) on the calibration half of the own
held-out split — never on the test half or the public photos, which only measure the choice.

    python scripts/tune_hinted_gain.py data/heldout_calib None 0 3 10 1
    python scripts/tune_hinted_gain.py data/heldout_public None 3 --seeds 0 1 2 3 4   # measure

For each k0 (None = the hinted gain by reach only, round 10's rule): 10 random true-color points per
photo (one draw per seed), then 1 and 3 points where a user would put them
(``scripts/eval_control.py photos``); prints the mean PSNR gain of hints over automatic (dB) and, in
brackets, the photos made more than 0.05 dB worse than automatic.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import eval_control  # noqa: E402

import vidcolor.pipeline.engine as engine  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", help="photo folder(s), pooled; then the k0 values (numbers or None)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    folders = [f for f in args.folders if Path(f).is_dir()]
    values = [None if a == "None" else float(a) for a in args.folders if not Path(a).is_dir()]
    for k0 in values:
        engine.HINTED_GAIN_HALF_COUNT = k0
        cells = []
        scenarios = [("random", 10, s) for s in args.seeds] + [("worst", 1, 0), ("worst", 3, 0)]
        for placement, points, seed in scenarios:
            rows = []
            for folder in folders:
                ns = types.SimpleNamespace(folder=folder, points=points, limit=None, seed=seed, placement=placement,
                                           spread=None, no_nonlocal=False, weights=None)
                with contextlib.redirect_stdout(io.StringIO()):
                    rows += eval_control.photos(ns)["photos"]
            gain = sum(r["hints"] - r["automatic"] for r in rows) / len(rows)
            worse = sum(r["hints"] < r["automatic"] - 0.05 for r in rows)
            name = f"{placement}{points}" + (f"s{seed}" if placement == "random" else "")
            cells.append(f"{name}:{gain:+.2f}({worse})")
        print(k0, " ".join(cells), flush=True)


if __name__ == "__main__":
    main()
