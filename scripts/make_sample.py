#!/usr/bin/env python3
"""Make the bundled sample clip and example photos from held-out Debian wallpapers.

    python scripts/prepare_data.py --out data      # first: builds data/heldout + manifest
    python scripts/make_sample.py --data data --out samples

Writes
  samples/sample.mp4    6 s, 640x360, 24000/1001 fps, grayscale (Rec.709 luma),
                        H.264 yuv420p crf 23 + AAC 48 kHz stereo (synthesized chord).
                        Two Ken Burns shots (slow zoom / pan) with one hard cut.
  samples/photos/*.jpg  three held-out photos (long side 480 px) and *_gray.jpg versions.
  samples/README.md     sources, authors and licenses (read from data/manifest.json).

Nothing here is random except the film grain, which uses a fixed seed.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

FPS = Fraction(24000, 1001)
SIZE = (640, 360)  # width, height
SAMPLE_RATE = 48000
# (held-out photo key, seconds, start (zoom, cx, cy), end (zoom, cx, cy)); centres are
# fractions of the image, zoom 1.0 = the largest 16:9 window that fits the photo.
SHOTS = (
    ("Picture_0B_by_freespace", 3.0, (1.00, 0.50, 0.50), (1.18, 0.45, 0.50)),
    ("Dragonfly_by_Bolly", 3.0, (1.10, 0.40, 0.55), (1.10, 0.60, 0.45)),
)
# Photos copied to samples/photos for the README's photo example.
PHOTOS = ("Picture_0B_by_freespace", "Dragonfly_by_Bolly", "FreshFlower")
GRAIN_SIGMA = 2.0  # luma code values (0-255)


def rec709_luma(bgr: np.ndarray) -> np.ndarray:
    """Y' = 0.2126 R' + 0.7152 G' + 0.0722 B' on gamma-encoded 8-bit values -> float32 [H,W]."""
    b, g, r = (bgr[..., i].astype(np.float32) for i in range(3))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ease(t: float) -> float:
    """Cosine ease-in-out on [0, 1]."""
    return 0.5 - 0.5 * math.cos(math.pi * t)


def ken_burns_frame(img: np.ndarray, zoom: float, cx: float, cy: float) -> np.ndarray:
    """Sub-pixel crop of a 16:9 window (zoom >= 1 narrows it) resampled to SIZE."""
    H, W = img.shape[:2]
    out_w, out_h = SIZE
    win_w = min(W, H * out_w / out_h) / zoom
    win_h = win_w * out_h / out_w
    x0 = np.clip(cx * W - win_w / 2, 0, W - win_w)
    y0 = np.clip(cy * H - win_h / 2, 0, H - win_h)
    s = out_w / win_w
    M = np.array([[s, 0, -x0 * s], [0, s, -y0 * s]], np.float32)
    return cv2.warpAffine(img, M, SIZE, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def video_frames(shots: list[tuple[np.ndarray, float, tuple, tuple]], seed: int = 7):
    """Yield uint8 gray frames [H,W] for each shot, with light film grain."""
    rng = np.random.default_rng(seed)
    for luma, seconds, a, b in shots:
        n = round(seconds * FPS)
        for i in range(n):
            t = ease(i / max(1, n - 1))
            z, cx, cy = (a[k] + (b[k] - a[k]) * t for k in range(3))
            y = ken_burns_frame(luma, z, cx, cy)
            y = y + rng.normal(0, GRAIN_SIGMA, y.shape).astype(np.float32)
            yield np.clip(y, 0, 255).round().astype(np.uint8)


def synth_audio(seconds: float, cut_at: float) -> np.ndarray:
    """Soft sine chords (A major, then F# minor after the cut) + faint noise: float32 [2, N] in [-1, 1].

    Each voice has a 0.4 s attack and the whole track a 0.5 s fade in/out; the
    right channel is detuned by +0.8 Hz for width.
    """
    n = round(seconds * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    chords = ((220.00, 277.18, 329.63), (185.00, 220.00, 277.18))
    out = np.zeros((2, n), np.float64)
    for ch, detune in enumerate((0.0, 0.8)):
        for k, freqs in enumerate(chords):
            start, end = (0.0, cut_at) if k == 0 else (cut_at, seconds)
            env = np.clip((t - start) / 0.4, 0, 1) * np.clip((end - t) / 0.15, 0, 1)
            for f in freqs:
                out[ch] += env * np.sin(2 * np.pi * (f + detune) * t) / len(freqs)
    rng = np.random.default_rng(3)
    noise = np.cumsum(rng.normal(0, 1, (2, n)), axis=1)  # brown noise, then high-passed
    noise -= cv2.blur(noise, (2001, 1))
    out += 0.02 * noise / (np.abs(noise).max() + 1e-9)
    fade = np.clip(t / 0.5, 0, 1) * np.clip((seconds - t) / 0.5, 0, 1)
    return (0.25 * out * fade).astype(np.float32)


def encode(path: Path, frames, audio: np.ndarray) -> None:
    """H.264 (yuv420p, crf 23) + AAC (48 kHz stereo) into MP4 with PyAV."""
    with av.open(str(path), "w") as out:
        vs = out.add_stream("libx264", rate=FPS, options={"crf": "23", "preset": "slow"})
        vs.width, vs.height = SIZE
        vs.pix_fmt = "yuv420p"
        as_ = out.add_stream("aac", rate=SAMPLE_RATE, layout="stereo")
        as_.bit_rate = 96000
        for i, y in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(y, format="gray")
            frame = frame.reformat(format="yuv420p")
            frame.pts = i
            for pkt in vs.encode(frame):
                out.mux(pkt)
        for pkt in vs.encode():
            out.mux(pkt)
        step = 1024
        for i in range(0, audio.shape[1], step):
            chunk = np.ascontiguousarray(audio[:, i: i + step])
            af = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            af.sample_rate = SAMPLE_RATE
            af.pts = i
            for pkt in as_.encode(af):
                out.mux(pkt)
        for pkt in as_.encode():
            out.mux(pkt)


def write_photos(photos: list[dict], data: Path, dest: Path) -> list[dict]:
    """Long side 480 px color JPEG + Rec.709 luma *_gray.jpg, each kept under 150 KB."""
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for p in photos:
        img = cv2.imread(str(data / p["file"]))
        h, w = img.shape[:2]
        s = 480 / max(h, w)
        img = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        stem = p["key"]
        gray = rec709_luma(img).round().clip(0, 255).astype(np.uint8)
        for name, im in ((f"{stem}.jpg", img), (f"{stem}_gray.jpg", gray)):
            for q in (90, 85, 80, 70):
                ok, buf = cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, q])
                if len(buf) < 150_000:
                    break
            (dest / name).write_bytes(buf.tobytes())
            written.append({**p, "file": f"photos/{name}", "bytes": len(buf)})
    return written


def license_line(p: dict) -> str:
    return (f"`{p['source']}` from Debian package `{p['package']}` ({p['pkg_version']}); "
            f"© {p['copyright']}; license **{p['license']}**")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Make samples/sample.mp4 and samples/photos.")
    ap.add_argument("--data", type=Path, default=Path("data"))
    ap.add_argument("--out", type=Path, default=Path("samples"))
    args = ap.parse_args(argv)
    manifest = json.loads((args.data / "manifest.json").read_text())
    held = {p["key"]: p for p in manifest["photos"] if p["split"] == "heldout"}
    for p in held.values():
        p["pkg_version"] = manifest["packages"][p["package"]]["version"]
    missing = [k for k in {s[0] for s in SHOTS} | set(PHOTOS) if k not in held]
    if missing:
        raise SystemExit(f"not held-out photos: {missing}; held out are {sorted(held)}")

    shots = []
    for key, seconds, a, b in SHOTS:
        img = cv2.imread(str(args.data / held[key]["file"]))
        shots.append((rec709_luma(img), seconds, a, b))
    total = sum(s[1] for s in SHOTS)
    args.out.mkdir(parents=True, exist_ok=True)
    mp4 = args.out / "sample.mp4"
    encode(mp4, video_frames(shots), synth_audio(total, SHOTS[0][1]))
    size = mp4.stat().st_size
    print(f"{mp4}: {size / 1e6:.2f} MB")
    if size > 3_000_000:
        raise SystemExit("sample.mp4 is over 3 MB")

    photos = write_photos([held[k] for k in PHOTOS], args.data, args.out / "photos")
    for w in photos:
        print(f"{args.out / w['file']}: {w['bytes'] / 1e3:.0f} KB")

    shot_lines = "\n".join(f"- shot {i + 1} ({s[1]:.0f} s): {license_line(held[s[0]])}"
                           for i, s in enumerate(SHOTS))
    photo_lines = "\n".join(f"- `photos/{k}.jpg`, `photos/{k}_gray.jpg`: {license_line(held[k])}"
                            for k in PHOTOS)
    readme = f"""# Samples

Small files for trying vidcolor and for its tests. All come from photographs in
the **held-out** split of the starter data (never used for training).

## `sample.mp4`

6 s, 640x360, 24000/1001 fps, H.264 (yuv420p, crf 23) + AAC 48 kHz stereo.
Two slow Ken Burns shots (zoom, then pan) with one hard cut, converted to
grayscale with Rec.709 luma (Y' = 0.2126 R' + 0.7152 G' + 0.0722 B') and light
film grain (sigma {GRAIN_SIGMA} code values).

Pictures:
{shot_lines}

The clip is a derivative of these pictures and is distributed under
**CC-BY-SA-4.0** (the stricter of the two licenses), with the attributions above.

Audio: synthesized by `scripts/make_sample.py` with numpy (two soft sine chords
and faint noise); no third-party material. Dedicated to the public domain (CC0-1.0).

## `photos/`

Color originals (long side 480 px) and their grayscale (Rec.709 luma) versions:
{photo_lines}

Each picture keeps its own license (see the `copyright` files of the Debian
packages, copied to `data/licenses/` by `scripts/prepare_data.py`). CC-BY and
CC-BY-SA require attribution as given above; GPL-2+ pictures may be
redistributed under the GPL, version 2 or later.

## How these were made

```
python scripts/prepare_data.py --out data
python scripts/make_sample.py --data data --out samples
```
"""
    (args.out / "README.md").write_text(readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
