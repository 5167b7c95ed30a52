"""Pipeline benchmark of the issue: a 640×480 grayscale clip, end to end, plain and watercolor.

Builds the clip (a slow pan over a bundled sample photo, gray, H.264) in a temporary folder, then
runs ``vidcolor bench`` for each style and the peak-RSS check for 50 and 200 frames, with the
process settings ``vidcolor process`` uses (:mod:`vidcolor.openmp`, :mod:`vidcolor.allocator`):

    python scripts/bench_pipeline.py [--weights F] [--frames 200] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from vidcolor.allocator import apply_malloc_defaults
from vidcolor.openmp import apply_openmp_defaults

ROOT = Path(__file__).resolve().parents[1]


def make_clip(path: Path, n: int = 240, size=(640, 480)) -> Path:
    photo = cv2.imread(str(ROOT / "samples" / "photos" / "Picture_0B_by_freespace.jpg"), cv2.IMREAD_GRAYSCALE)
    w, h = size
    big = cv2.resize(photo, (int(w * 1.6), int(h * 1.6)), interpolation=cv2.INTER_CUBIC)
    out = av.open(str(path), "w")
    s = out.add_stream("libx264", rate=Fraction(30000, 1001))
    s.width, s.height, s.pix_fmt = w, h, "yuv420p"
    s.options = {"crf": "20", "preset": "veryfast"}
    for i in range(n):
        x = int((big.shape[1] - w) * i / max(n - 1, 1))
        y = int((big.shape[0] - h) * 0.5 * (1 + np.sin(i / 40)) / 2)
        g = np.ascontiguousarray(big[y:y + h, x:x + w])
        f = av.VideoFrame.from_ndarray(np.dstack([g, g, g]), format="rgb24")
        f.pts = i
        for p in s.encode(f):
            out.mux(p)
    for p in s.encode(None):
        out.mux(p)
    out.close()
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights")
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--styles", default="none,watercolor")
    ap.add_argument("--render-size", type=int, default=256)
    ap.add_argument("--json")
    args = ap.parse_args()
    apply_openmp_defaults()  # as `vidcolor process` does, before torch loads
    apply_malloc_defaults()
    from vidcolor.bench import format_bench, run_bench

    results = []
    with tempfile.TemporaryDirectory() as td:
        clip = make_clip(Path(td) / "gray_640x480.mp4", n=max(args.frames, 200))
        for i, style in enumerate(args.styles.split(",")):
            r = run_bench(clip, style=style, weights=args.weights, device="cpu", render_size=args.render_size,
                          frames=args.frames, memory=(50, 200) if i == 0 else ())
            print(f"== style {style}")
            print(format_bench(r), flush=True)
            results.append(r)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
