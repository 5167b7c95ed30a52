"""Frame-by-frame agreement of two renders of one input (e.g. the same command on two code versions).

    python scripts/compare_videos.py A.mp4 B.mp4

Prints the frame counts, the mean and minimum PSNR between corresponding RGB frames, the mean
absolute difference (0–255) and the largest one of any pixel. Both files must have as many frames.
"""

from __future__ import annotations

import argparse
import sys

import av
import numpy as np


def frames(path: str):
    with av.open(path) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24").astype(np.float64)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    args = ap.parse_args()
    psnrs, maes, worst, n_a, n_b = [], [], 0.0, 0, 0
    it_b = frames(args.b)
    for fa in frames(args.a):
        n_a += 1
        fb = next(it_b, None)
        if fb is None:
            break
        n_b += 1
        d = fa - fb
        mse = float((d ** 2).mean())
        psnrs.append(99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse))
        maes.append(float(np.abs(d).mean()))
        worst = max(worst, float(np.abs(d).max()))
    n_b += sum(1 for _ in it_b)
    print(f"frames: {n_a} vs {n_b}")
    if n_a != n_b or not psnrs:
        print("Error: the two files have different frame counts", file=sys.stderr)
        sys.exit(1)
    print(f"PSNR mean {np.mean(psnrs):.2f} dB, min {min(psnrs):.2f} dB (99 = identical); "
          f"mean |diff| {np.mean(maes):.3f}/255, max {worst:.0f}/255")


if __name__ == "__main__":
    main()
