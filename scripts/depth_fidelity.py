"""How much of a 10-bit master's luma a render keeps: build a gray 10-bit master, or compare renders to one.

    python scripts/depth_fidelity.py make MASTER.mkv [--size 1280x720] [--frames 48]
    python scripts/depth_fidelity.py compare MASTER.mkv OUT [OUT ...]

``make`` writes a lossless FFV1 film (yuv422p10le, limited range, BT.709-sized so untagged it reads
as BT.709; chroma neutral): a slow pan over a bundled photo, its top third replaced by a shallow
sky-like gradient (what bands first in 8 bits). ``compare`` reads each output's luma — a YCbCr output's
Y plane as stored, an RGB output's R′G′B′ weighted with the film's matrix (as vidcolor reads it:
BT.709 from 720 lines) — and reports, against the master's luma: the
output's pixel format, the mean and 99th-percentile |ΔY′| in 10-bit codes over all frames, and the
number of distinct luma levels in the gradient band's middle row (the master has one per code).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import av
import cv2
import numpy as np

from vidcolor.color import luma_weights
from vidcolor.io.video import probe_video

ROOT = Path(__file__).resolve().parents[1]


def make(path: Path, size: tuple[int, int], frames: int) -> None:
    w, h = size
    photo = cv2.imread(str(ROOT / "samples" / "photos" / "Picture_0B_by_freespace.jpg"), cv2.IMREAD_GRAYSCALE)
    big = cv2.resize(photo, (int(w * 1.3), h), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
    ramp = np.linspace(0.45, 0.75, w, dtype=np.float32)[None, :] + np.linspace(0, 0.05, h // 3, dtype=np.float32)[:, None]
    with av.open(str(path), "w") as out:
        s = out.add_stream("ffv1", rate=24)
        s.width, s.height, s.pix_fmt = w, h, "yuv422p10le"
        for i in range(frames):
            x = int((big.shape[1] - w) * i / max(frames - 1, 1))
            g = big[:, x:x + w].copy()
            g[: h // 3] = ramp
            f = av.VideoFrame(w, h, "yuv422p10le")
            for k, plane in enumerate(f.planes):
                a = np.frombuffer(plane, np.dtype("<u2")).reshape(plane.height, -1)[:, : plane.width]
                a[...] = np.round(64 + g * 876).astype(np.uint16) if k == 0 else 512
            f.pts = i
            out.mux(s.encode(f))
        out.mux(s.encode(None))


def master_luma(path: Path) -> list[np.ndarray]:
    out = []
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            p = f.planes[0]
            y = np.frombuffer(p, np.dtype("<u2")).reshape(p.height, -1)[:, : p.width].astype(np.float64)
            out.append((y - 64) / 876)
    return out


def output_luma(path: Path, matrix: str) -> tuple[str, list[np.ndarray]]:
    """The output's luma Y′ in [0, 1]: a YCbCr output's Y plane as stored (limited range, any
    depth; what a player decodes — swscale's own 16-bit RGB path is 0.4 % off), an RGB output's
    R′G′B′ weighted with the film's ``matrix`` (the one vidcolor keeps luma with)."""
    out, fmt = [], ""
    weights = np.asarray(luma_weights(matrix))
    with av.open(str(path)) as c:
        for f in c.decode(video=0):
            fmt = f.format.name
            bits = f.format.components[0].bits
            if fmt.startswith("yuv"):
                p = f.planes[0]
                y = np.frombuffer(p, np.uint8 if bits <= 8 else np.dtype("<u2")).reshape(p.height, -1)[:, : p.width]
                scale = 1 << (bits - 8)
                out.append((y.astype(np.float64) - 16 * scale) / (219 * scale))
            else:
                out.append(f.to_ndarray(format="rgb48le").astype(np.float64) / 65535 @ weights)
    return fmt, out


def compare(master: Path, outputs: list[Path]) -> None:
    ref = master_luma(master)
    matrix = probe_video(master).matrix
    band = ref[0].shape[0] // 6
    print(f"master {master.name}: {len(ref)} frames, {matrix}, {len(np.unique(np.round(ref[0][band] * 876)))} levels in the gradient row")
    print(f"{'output':34s} {'pix_fmt':13s} {'frames':>6s} {'mean|dY|':>9s} {'p99|dY|':>8s} {'levels':>7s}   (|dY| in 10-bit codes)")
    for path in outputs:
        fmt, got = output_luma(path, matrix)
        d = np.concatenate([np.abs(g - r).ravel() for g, r in zip(got, ref)]) * 876
        levels = len(np.unique(np.round(got[0][band] * 876)))
        print(f"{path.name:34s} {fmt:13s} {len(got):6d} {d.mean():9.3f} {np.percentile(d, 99):8.3f} {levels:7d}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("master", type=Path)
    m.add_argument("--size", default="1280x720")
    m.add_argument("--frames", type=int, default=48)
    c = sub.add_parser("compare")
    c.add_argument("master", type=Path)
    c.add_argument("outputs", type=Path, nargs="+")
    args = ap.parse_args()
    if args.cmd == "make":
        w, h = (int(v) for v in args.size.lower().split("x"))
        make(args.master, (w, h), args.frames)
    else:
        compare(args.master, args.outputs)


if __name__ == "__main__":
    sys.exit(main())
