"""Temporal stability on clips made from held-out photos: stabilization on vs off vs the real colors.

For each held-out photo a color clip is rendered with a smooth camera move (pan + zoom) and a moving
cut-out occluder (so there are disocclusions), turned gray, colorized with and without
stabilization, and scored with ``vidcolor.evaluation.evaluate_video`` against the color clip:
warping error (flow on the reference luminance) of the output vs of the color clip itself, CDC,
and PSNR. Real footage would be better; none with a usable license was available offline.

    python scripts/eval_temporal.py data/heldout [--weights F] [--frames 48] [--style none] [--json out.json]
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

from vidcolor.evaluation.evaluate import evaluate_video
from vidcolor.pipeline.engine import Colorizer
from vidcolor.process import process_video


def render_clip(photo: Path, out_color: Path, out_gray: Path, n: int, size=(480, 320), seed: int = 0, camera: bool = True) -> None:
    """A color clip and its gray twin: ``photo`` under a pan and zoom (``camera=False``: a still
    camera) with a moving elliptical cut-out of its own corner in front."""
    img = cv2.cvtColor(cv2.imread(str(photo)), cv2.COLOR_BGR2RGB)
    rng = np.random.default_rng(seed)
    w, h = size
    scale0 = max(w / img.shape[1], h / img.shape[0]) * 1.35
    occ_src = img[: img.shape[0] // 3, : img.shape[1] // 3]
    occ = cv2.resize(occ_src, (w // 4, h // 4), interpolation=cv2.INTER_AREA)
    yy, xx = np.mgrid[0:occ.shape[0], 0:occ.shape[1]]
    alpha = ((((yy - occ.shape[0] / 2) / (occ.shape[0] / 2)) ** 2 + ((xx - occ.shape[1] / 2) / (occ.shape[1] / 2)) ** 2) <= 1)[..., None]
    v = rng.uniform(1.5, 3.0, 2) * np.sign(rng.uniform(-1, 1, 2))
    p0 = np.array([w * 0.3, h * 0.3])
    streams = []
    containers = [av.open(str(out_color), "w"), av.open(str(out_gray), "w")]
    for c in containers:
        s = c.add_stream("libx264", rate=Fraction(24))
        s.width, s.height, s.pix_fmt = w, h, "yuv444p"
        s.options = {"crf": "12", "preset": "veryfast"}
        streams.append(s)
    for t in range(n):
        s = scale0 * (1 + 0.004 * t * camera)
        cx = img.shape[1] / 2 + (t - n / 2) * 1.2 / s * 2 * camera
        cy = img.shape[0] / 2
        m = np.array([[1 / s, 0, cx - w / (2 * s)], [0, 1 / s, cy - h / (2 * s)]], np.float32)
        frame = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)
        x, y = (p0 + v * t).astype(int) % np.array([w - occ.shape[1], h - occ.shape[0]])
        region = frame[y:y + occ.shape[0], x:x + occ.shape[1]]
        frame[y:y + occ.shape[0], x:x + occ.shape[1]] = np.where(alpha, occ, region)
        lab = cv2.cvtColor(frame.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)
        gray = cv2.cvtColor(np.dstack([lab[..., 0], np.zeros_like(lab[..., :2])]).astype(np.float32), cv2.COLOR_Lab2RGB)
        gray = (np.clip(gray, 0, 1) * 255 + 0.5).astype(np.uint8)
        for c, st, f in zip(containers, streams, (frame, gray)):
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")
            vf.pts = t
            for p in st.encode(vf):
                c.mux(p)
    for c, st in zip(containers, streams):
        for p in st.encode(None):
            c.mux(p)
        c.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--weights")
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--style", default="none")
    ap.add_argument("--json")
    args = ap.parse_args()
    col = Colorizer(args.weights, device="cpu")
    rows = []
    photos = sorted(p for p in Path(args.folder).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    with tempfile.TemporaryDirectory() as td:
        td = Path(td)
        for i, photo in enumerate(photos):
            color, gray = td / f"{i}_color.mp4", td / f"{i}_gray.mp4"
            render_clip(photo, color, gray, args.frames, seed=i)
            row = {"photo": photo.name}
            for temporal in (True, False):
                out = td / f"{i}_{temporal}.mp4"
                process_video(gray, out, args.style, colorizer=col, temporal=temporal, crf=12)
                r = evaluate_video(out, color)
                key = "temporal" if temporal else "no_temporal"
                row[key] = {"warping_error": r["warping_error"]["mean"], "cdc": r["cdc"], "psnr": r["vs_reference"]["psnr"]}
                row["color_footage"] = {"warping_error": r["reference_warping_error"]["mean"], "cdc": r["reference_cdc"]}
            rows.append(row)
            print(f"{photo.name:<45} warping error: color footage {row['color_footage']['warping_error']:.5f}  "
                  f"temporal {row['temporal']['warping_error']:.5f}  no-temporal {row['no_temporal']['warping_error']:.5f}  "
                  f"(ratio to footage {row['temporal']['warping_error'] / row['color_footage']['warping_error']:.2f})", flush=True)
    mean = lambda k, m: float(np.mean([r[k][m] for r in rows]))  # noqa: E731
    summary = {"clips": len(rows), "style": args.style,
               "warping_error": {k: mean(k, "warping_error") for k in ("color_footage", "temporal", "no_temporal")},
               "cdc": {k: mean(k, "cdc") for k in ("color_footage", "temporal", "no_temporal")},
               "psnr": {k: mean(k, "psnr") for k in ("temporal", "no_temporal")},
               "temporal_never_worse": all(r["temporal"]["warping_error"] <= r["no_temporal"]["warping_error"] * 1.0001 for r in rows)}
    summary["ratio_temporal_to_footage"] = summary["warping_error"]["temporal"] / summary["warping_error"]["color_footage"]
    print(json.dumps(summary, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "clips": rows}, indent=2))


if __name__ == "__main__":
    main()
