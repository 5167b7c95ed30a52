"""Split the own held-out photos into a calibration half and a test half (round 10).

The training run's validation photos share backgrounds with its composites, so a gain chosen on
them is chosen for scenes the model has seen. A clean calibration set must be whole photos the
model never saw: half of ``data/heldout``, taken alternately from the list sorted by name (names
start with the package, so both halves span the sources). The other half stays held out for
testing; figures on the full split after round 10 are no longer clean for the calibration.

    python scripts/split_heldout.py data/heldout --calib data/heldout_calib --test data/heldout_test

Writes the two folders as symbolic links to the photos and prints the counts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

PHOTO_EXTS = (".jpg", ".jpeg", ".png")


def split(names: list[str]) -> tuple[list[str], list[str]]:
    """(calibration, test): even and odd positions of the sorted ``names``."""
    names = sorted(names)
    return names[0::2], names[1::2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("heldout")
    ap.add_argument("--calib", required=True)
    ap.add_argument("--test", required=True)
    args = ap.parse_args()
    src = Path(args.heldout).resolve()
    names = [p.name for p in src.iterdir() if p.suffix.lower() in PHOTO_EXTS]
    if not names:
        raise SystemExit(f"Error: no photos in '{src}'")
    for folder, part in zip((args.calib, args.test), split(names)):
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        for old in out.iterdir():
            if old.is_symlink():
                old.unlink()
        for name in part:
            (out / name).symlink_to(src / name)
        print(f"{out}: {len(part)} photos")


if __name__ == "__main__":
    main()
