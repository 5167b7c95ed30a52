"""Write public sample photos (scikit-image's) to a folder for held-out evaluation — never for training.

    pip install scikit-image && python scripts/heldout_public.py --out data/heldout_public

scikit-image's sample images are public domain or CC0/CC-BY (see skimage.data's documentation).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="data/heldout_public")
    args = ap.parse_args()
    try:
        import skimage.data as d
    except ImportError:
        raise SystemExit("Error: scikit-image is needed for this script (pip install scikit-image)") from None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    photos = {"astronaut": d.astronaut(), "chelsea": d.chelsea(), "coffee": d.coffee(), "rocket": d.rocket(),
              "motorcycle": d.stereo_motorcycle()[0]}
    for name, rgb in photos.items():
        cv2.imwrite(str(out / f"skimage_{name}.png"), cv2.cvtColor(rgb[..., :3], cv2.COLOR_RGB2BGR))
        print(f"{out / f'skimage_{name}.png'}  {rgb.shape[1]}x{rgb.shape[0]}")


if __name__ == "__main__":
    main()
