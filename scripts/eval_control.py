#!/usr/bin/env python3
"""Measure user control (issue 12) on held-out photos and videos. Never used for training or tuning.

    python scripts/eval_control.py photos data/heldout --points 10 --json docs/results/control_photos.json
    python scripts/eval_control.py videos V1 V2 ... --frames 101 --json docs/results/control_videos.json
    python scripts/eval_control.py roundtrip V1 V2 V3 --json docs/results/control_roundtrip.json
    python scripts/eval_control.py speed VIDEO --frames 200

* ``photos``: each photo turned gray; 10 true-color points (seeded per file; the original's mean
  color over a 3×3 patch) given as a ``--hints`` CSV; ``--placement worst --points 1`` puts them
  where a user would, on the largest automatic chroma errors (the hint must then fix that object
  without recoloring the rest). PSNR vs the original for gray, automatic and
  hinted output (the CLI's own code path: Controls → hint map → Colorizer).
* ``videos``: each color video, its gray luma as input, the true frame 0 as ``--reference 0=…``.
  Mean PSNR on frames 1…N−1 for gray (the original's L* with no chroma; ``gray_film``: the gray
  film itself, its luma as R = G = B), automatic, reference, and a *static copy* of frame 0's chroma
  onto every frame of the gray film (what motion compensation must beat; lightness from the film's
  luma exactly as vidcolor decodes it from the file, so only the chroma differs — round 7; until then
  it took the BT.601 luma of the original RGB frames, which differs from the file's decoded luma by
  ±1 code value on ~20 % of pixels, a ~0.05 dB edge for the copy: kept as ``static_copy_rgb_luma``),
  and chroma alone: ``chroma_rmse_*``, the Lab ab RMSE of the reference output and of the static copy
  vs the original. For scale: ``static_copy_true_lightness``
  (frame 0's chroma on the original's own L*, which no tool given the gray film can know) and
  ``true_chroma_on_film`` (the true chroma on the film's lightness: the ceiling of any chroma
  method here). Round 8 (plain colorization keeps the film's luma Y′): ``static_copy_kept_luma`` and
  ``true_chroma_kept_luma``, the same two finished the way vidcolor now finishes (the stronger
  static copy, which the reference output must beat too). Warping error (Lai et al.) of automatic and
  reference outputs. Plus a film with a cut (video A then video B): PSNR on B's frames, reference of
  A's frame 0 vs automatic (the reference must not hurt the next shot).
* ``roundtrip``: the videos concatenated (resized to the first one's size) into a film with cuts;
  ``export_keyframes``; each keyframe replaced by the true color frame; ``--reference FOLDER``; PSNR of
  the whole film vs automatic.
* ``speed``: fps of ``process_video`` automatic vs with a reference at frame 0 vs with 10 point
  hints at frame 0 (carried through the shot, spread on every frame), and peak RSS.
Outputs are written losslessly (FFV1 in MKV) so that codec loss does not blur the comparison.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import zlib
from pathlib import Path

import av
import cv2
import numpy as np
import torch

from vidcolor.control.apply import Controls, image_hint_map
from vidcolor.control.keyframes import export_keyframes
from vidcolor.evaluation.evaluate import evaluate_video
from vidcolor.evaluation.placement import worst_places
from vidcolor.io.video import VideoReader
from vidcolor.pipeline.engine import Colorizer
from vidcolor.process import process_video


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)) / 255.0**2
    return 10 * np.log10(1.0 / max(mse, 1e-12))


def gray_of(rgb: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(rgb.astype(np.float32) / 255, cv2.COLOR_RGB2LAB)
    lab[..., 1:] = 0
    return (np.clip(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB), 0, 1) * 255 + 0.5).astype(np.uint8)


def with_chroma(rgb: np.ndarray, ref_rgb: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(rgb.astype(np.float32) / 255, cv2.COLOR_RGB2LAB)
    lab[..., 1:] = cv2.cvtColor(ref_rgb.astype(np.float32) / 255, cv2.COLOR_RGB2LAB)[..., 1:]
    return (np.clip(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB), 0, 1) * 255 + 0.5).astype(np.uint8)


def with_film_lightness(rgb: np.ndarray, ab_rgb: np.ndarray, luma: np.ndarray | None = None, keep: str | None = None) -> np.ndarray:
    """The gray film's lightness (luma → L*, :func:`vidcolor.color.luma_lut`) with the chroma of
    ``ab_rgb``: what copying ``ab_rgb``'s chroma onto the gray film gives. ``luma``: the film's luma
    ``(H, W)`` uint8 as vidcolor decodes it; default: BT.601 luma of ``rgb`` (which differs from a
    video file's decoded luma by ±1 code value on ~20 % of pixels: the file stores Y in limited range).
    ``keep``: a YCbCr matrix name: the copy then keeps the film's luma Y′ with that matrix's weights,
    as vidcolor's plain colorization does since round 8 (:func:`vidcolor.color.keep_luma`)."""
    from vidcolor.color import lab_to_rgb_u8, luma_lut

    y = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if luma is None else luma
    lab = cv2.cvtColor(ab_rgb.astype(np.float32) / 255, cv2.COLOR_RGB2LAB)
    lab[..., 0] = luma_lut(8)[y] * 100.0
    if keep:
        return lab_to_rgb_u8(lab, y, keep)
    return (np.clip(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB), 0, 1) * 255 + 0.5).astype(np.uint8)


def read_frames(path: Path, n: int | None = None) -> list[np.ndarray]:
    out = []
    with VideoReader(path, fmt="rgb24") as r:
        for f in r.frames():
            if n is not None and len(out) >= n:
                break
            out.append(f.image)
    return out


def write_video(path: Path, frames: list[np.ndarray], rate: int = 25) -> Path:
    with av.open(str(path), "w") as c:
        s = c.add_stream("ffv1", rate=rate)
        s.width, s.height, s.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv444p"
        for img in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255, cv2.COLOR_RGB2LAB)


def even(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    return img[: h - h % 2, : w - w % 2]


# --------------------------------------------------------------------------------------------- photos
def photos(args) -> dict:
    col = Colorizer(args.weights)
    if args.no_nonlocal:
        args.spread = dict(args.spread or {}, nonlocal_weight=0.0)
    if args.spread:   # another spreading setting, for comparison (e.g. round 2's 1.5,0.1,0.03,0)
        import functools

        import vidcolor.pipeline.engine as engine
        from vidcolor.control import spread

        engine.spread_correction = functools.partial(spread.spread_correction, **args.spread)
    files = sorted(p for p in Path(args.folder).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[: args.limit]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            rgb = cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB)
            h, w = rgb.shape[:2]
            gray_t = torch.from_numpy(cv2.cvtColor(rgb.astype(np.float32) / 255, cv2.COLOR_RGB2LAB)[..., 0] / 100)[None, None]
            rng = np.random.default_rng(zlib.crc32(f.name.encode()) if args.seed is None else [args.seed, len(rows)])
            auto = (col.colorize(gray_t, 0)[0].permute(1, 2, 0).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)
            places = worst_places(auto, rgb, args.points) if args.placement == "worst" else \
                [(int(rng.integers(1, w - 1)), int(rng.integers(1, h - 1))) for _ in range(args.points)]
            lines = ["x,y,color"]
            for x, y in places:
                c = rgb[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).mean(0).round().astype(int)
                lines.append(f"{x},{y},#{c[0]:02x}{c[1]:02x}{c[2]:02x}")
            csv_path = Path(tmp) / f"{f.stem}.csv"
            csv_path.write_text("\n".join(lines) + "\n")
            hints = image_hint_map(Controls(hints=str(csv_path)), (h, w), col)
            hint = (col.colorize(gray_t, 0, hints)[0].permute(1, 2, 0).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)
            row = {"photo": f.name, "gray": psnr(gray_of(rgb), rgb), "automatic": psnr(auto, rgb), "hints": psnr(hint, rgb)}
            rows.append(row)
            print(f"{f.name:40s} gray {row['gray']:6.2f}  auto {row['automatic']:6.2f}  hints {row['hints']:6.2f}", flush=True)
    mean = {k: float(np.mean([r[k] for r in rows])) for k in ("gray", "automatic", "hints")}
    worse = int(sum(r["hints"] < r["automatic"] - 0.05 for r in rows))
    print(f"{args.points} points placed {args.placement}; photos more than 0.05 dB worse with hints than automatic: {worse} of {len(rows)}")
    print(f"MEAN over {len(rows)}: gray {mean['gray']:.2f}  automatic {mean['automatic']:.2f}  hints {mean['hints']:.2f}  "
          f"(hints − automatic {mean['hints'] - mean['automatic']:+.2f} dB, hints − gray {mean['hints'] - mean['gray']:+.2f} dB)")
    return {"points": args.points, "placement": args.placement, "spread": args.spread, "photos": rows, "mean": mean,
            "worse_than_automatic": worse}


# --------------------------------------------------------------------------------------------- videos
def _run(col, src: Path, out: Path, controls: Controls | None) -> float:
    t = time.time()
    process_video(src, out, colorizer=col, codec="ffv1", overwrite=True, controls=controls)
    return time.time() - t


def videos(args) -> dict:
    col = Colorizer(args.weights)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for v in args.videos:
            v = Path(v)
            frames = [even(f) for f in read_frames(v, args.frames)]
            src = write_video(tmp / f"{v.stem}.mkv", frames)   # the exact frames compared (lossless)
            ref = tmp / f"{v.stem}_f0.png"
            cv2.imwrite(str(ref), cv2.cvtColor(frames[0], cv2.COLOR_RGB2BGR))
            _run(col, src, tmp / "auto.mkv", None)
            _run(col, src, tmp / "ref.mkv", Controls(references=(f"0={ref}",)))
            ea, er = evaluate_video(tmp / "auto.mkv", src), evaluate_video(tmp / "ref.mkv", src)
            pa, pr = ea["vs_reference"]["psnr_per_frame"][1:], er["vs_reference"]["psnr_per_frame"][1:]
            pg = [psnr(gray_of(f), f) for f in frames[1:]]
            with VideoReader(src, fmt="gray") as r:   # the film's luma exactly as vidcolor decodes it
                lumas = [f.image for f in r.frames()]
                matrix = r.info.matrix
            ps = [psnr(with_film_lightness(f, frames[0], y), f) for f, y in zip(frames[1:], lumas[1:])]
            pg_film = [psnr(np.dstack([y] * 3), f) for f, y in zip(frames[1:], lumas[1:])]
            ps_keep = [psnr(with_film_lightness(f, frames[0], y, matrix), f) for f, y in zip(frames[1:], lumas[1:])]
            po_keep = [psnr(with_film_lightness(f, f, y, matrix), f) for f, y in zip(frames[1:], lumas[1:])]
            ps_rgb = [psnr(with_film_lightness(f, frames[0]), f) for f in frames[1:]]
            ps_true = [psnr(with_chroma(f, frames[0]), f) for f in frames[1:]]
            po = [psnr(with_film_lightness(f, f, y), f) for f, y in zip(frames[1:], lumas[1:])]
            with VideoReader(tmp / "ref.mkv", fmt="rgb24") as r:
                outs = [f.image for f in r.frames()]
            ab_ref, ab_static = [], []   # chroma alone (Lab ab RMSE vs the original): what motion compensation changes,
            for f, o, y in zip(frames[1:], outs[1:], lumas[1:]):   # both read back from the same 8-bit RGB they are scored on
                t = _lab(f)[..., 1:]
                ab_ref.append(float(np.sqrt(np.mean((_lab(o)[..., 1:] - t) ** 2))))
                ab_static.append(float(np.sqrt(np.mean((_lab(with_film_lightness(f, frames[0], y))[..., 1:] - t) ** 2))))
            row = {"video": v.name, "frames": len(frames), "size": list(frames[0].shape[1::-1]), "gray": float(np.mean(pg)),
                   "gray_film": float(np.mean(pg_film)),
                   "automatic": float(np.mean(pa)), "reference": float(np.mean(pr)), "static_copy": float(np.mean(ps)),
                   "static_copy_rgb_luma": float(np.mean(ps_rgb)),
                   "static_copy_true_lightness": float(np.mean(ps_true)), "true_chroma_on_film": float(np.mean(po)),
                   "frames_beating_static_copy": float(np.mean(np.array(er["vs_reference"]["psnr_per_frame"][1:]) > np.array(ps))),
                   "static_copy_kept_luma": float(np.mean(ps_keep)), "true_chroma_kept_luma": float(np.mean(po_keep)),
                   "frames_beating_static_copy_kept_luma": float(np.mean(np.array(er["vs_reference"]["psnr_per_frame"][1:]) > np.array(ps_keep))),
                   "chroma_rmse_reference": float(np.mean(ab_ref)), "chroma_rmse_static_copy": float(np.mean(ab_static)),
                   "warping_error_automatic": ea["warping_error"]["mean"], "warping_error_reference": er["warping_error"]["mean"],
                   "warping_error_original": ea["reference_warping_error"]["mean"]}
            rows.append(row)
            print(json.dumps({k: (round(x, 5) if isinstance(x, float) else x) for k, x in row.items()}), flush=True)
        cut = None
        if len(args.videos) >= 2:
            a = [even(f) for f in read_frames(Path(args.videos[0]), 50)]
            b = [cv2.resize(even(f), (a[0].shape[1], a[0].shape[0]), interpolation=cv2.INTER_AREA) for f in read_frames(Path(args.videos[1]), 50)]
            src = write_video(tmp / "cut.mkv", a + b)
            ref = tmp / "cut_f0.png"
            cv2.imwrite(str(ref), cv2.cvtColor(a[0], cv2.COLOR_RGB2BGR))
            _run(col, src, tmp / "auto.mkv", None)
            _run(col, src, tmp / "ref.mkv", Controls(references=(f"0={ref}",)))
            pa = evaluate_video(tmp / "auto.mkv", src)["vs_reference"]["psnr_per_frame"][len(a):]
            pr = evaluate_video(tmp / "ref.mkv", src)["vs_reference"]["psnr_per_frame"][len(a):]
            cut = {"film": f"{Path(args.videos[0]).name} + {Path(args.videos[1]).name}", "after_cut_automatic": float(np.mean(pa)),
                   "after_cut_reference": float(np.mean(pr)), "difference_db": float(np.mean(pr) - np.mean(pa))}
            print(json.dumps(cut), flush=True)
    mean = {k: float(np.mean([r[k] for r in rows])) for k in ("gray", "gray_film", "automatic", "reference", "static_copy", "static_copy_rgb_luma",
                                                              "static_copy_kept_luma", "true_chroma_kept_luma",
                                                              "static_copy_true_lightness", "true_chroma_on_film",
                                                              "chroma_rmse_reference", "chroma_rmse_static_copy")}
    mean["gain_over_gray"] = mean["reference"] - mean["gray"]
    mean["gain_over_gray_film"] = mean["reference"] - mean["gray_film"]
    print("MEAN", json.dumps(mean))
    return {"videos": rows, "mean": mean, "cut": cut}


def roundtrip(args) -> dict:
    col = Colorizer(args.weights)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        film: list[np.ndarray] = []
        for v in args.videos:
            fr = [even(f) for f in read_frames(Path(v), args.frames)]
            if film:
                fr = [cv2.resize(f, (film[0].shape[1], film[0].shape[0]), interpolation=cv2.INTER_AREA) for f in fr]
            film += fr
        src = write_video(tmp / "film.mkv", film)
        shots = export_keyframes(src, tmp / "kf", col)
        for sh in shots:  # the artist's corrections: here, the true colors
            cv2.imwrite(str(tmp / "kf" / sh.file), cv2.cvtColor(film[sh.keyframe], cv2.COLOR_RGB2BGR))
        _run(col, src, tmp / "auto.mkv", None)
        _run(col, src, tmp / "ref.mkv", Controls(references=(str(tmp / "kf"),)))
        pa = evaluate_video(tmp / "auto.mkv", src)["vs_reference"]["psnr"]
        pr = evaluate_video(tmp / "ref.mkv", src)["vs_reference"]["psnr"]
        res = {"film_frames": len(film), "sources": [Path(v).name for v in args.videos], "shots": [(s.start, s.end, s.keyframe) for s in shots],
               "automatic": pa, "reference_folder": pr, "gain_db": pr - pa}
        print(json.dumps(res))
        return res


def speed(args) -> dict:
    import resource
    import subprocess

    code = ("import sys,time,resource;from vidcolor.process import process_video;from vidcolor.control.apply import Controls;"
            "a=sys.argv[3];c=(Controls(hints=a[6:]) if a.startswith('hints=') else Controls(references=(a,))) if a else None;t=time.time();"
            "r=process_video(sys.argv[1],sys.argv[2],overwrite=True,controls=c,max_frames=int(sys.argv[4]));"
            "print(r.frames/(time.time()-t), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        first = read_frames(Path(args.videos[0]), 1)[0]
        ref = Path(tmp) / "f0.png"
        cv2.imwrite(str(ref), cv2.cvtColor(first, cv2.COLOR_RGB2BGR))
        first_h, first_w = first.shape[:2]
        rng = np.random.default_rng(0)   # 10 points of random colors on frame 0, carried through the shot
        pts = [f"{rng.integers(1, first_w - 1)},{rng.integers(1, first_h - 1)},#{rng.integers(0, 2**24):06x},0" for _ in range(10)]
        (Path(tmp) / "h.csv").write_text("x,y,color,frame\n" + "\n".join(pts) + "\n")
        for label, spec in (("automatic", ""), ("reference", f"0={ref}"), ("10 points", f"hints={Path(tmp) / 'h.csv'}")):
            for n in args.counts:
                res = subprocess.run([sys.executable, "-c", code, args.videos[0], str(Path(tmp) / "o.mp4"), spec, str(n)],
                                     capture_output=True, text=True, check=True).stdout.split()
                out[f"{label}_{n}"] = {"fps": float(res[0]), "peak_rss_mb": float(res[1])}
                print(label, n, "frames:", out[f"{label}_{n}"], flush=True)
    return out


def _spread_setting(text: str) -> dict:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 4:
        raise argparse.ArgumentTypeError(f"expected SIGMA_S,SIGMA_R,GUIDE_BLUR,GLOBAL_WEIGHT (four numbers), got {text!r}")
    return dict(zip(("sigma_s", "sigma_r", "guide_blur", "global_weight"), values), max_short=None,   # at the working size, as round 2
                nonlocal_weight=0.0)   # (the non-local term came in round 8)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("photos")
    p.add_argument("folder")
    p.add_argument("--points", type=int, default=10)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--placement", choices=("random", "worst"), default="random",
                   help="random points, or where a user would put them (the largest automatic chroma errors first)")
    p.add_argument("--spread", default=None, type=_spread_setting, metavar="SIGMA_S,SIGMA_R,GUIDE_BLUR,GLOBAL_WEIGHT",
                   help="measure another hint-spreading setting (vidcolor/control/spread.py), e.g. round 2's 1.5,0.1,0.03,0")
    p.add_argument("--no-nonlocal", action="store_true", help="the spreading without its non-local term (round 7's)")
    for name in ("videos", "roundtrip", "speed"):
        q = sub.add_parser(name)
        q.add_argument("videos", nargs="+")
        q.add_argument("--frames", type=int, default=101 if name == "videos" else 60)
        if name == "speed":
            q.add_argument("--counts", type=int, nargs="+", default=[100, 300])
    for q in sub.choices.values():
        q.add_argument("--weights", default=None)
        q.add_argument("--json", default=None)
    args = ap.parse_args()
    torch.set_num_threads(2)
    res = {"photos": photos, "videos": videos, "roundtrip": roundtrip, "speed": speed}[args.cmd](args)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
