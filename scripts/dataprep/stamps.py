"""Select photographic cut-out stamps (tuxpaint) and paste them onto photos."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .photos import resize_short

# Stamps: categories (top-level folders) that hold no photographs worth pasting.
STAMP_SKIP_DIRS = ("symbols/alphabets", "symbols/shapes", "symbols/math", "symbols/music", "symbols/chess",
                   "symbols/faces", "symbols/signs", "symbols/flags", "symbols/money/00_symbols")
# Words in a stamp's relative path that mark mirrored duplicates or drawings.
STAMP_NAME_REJECT_HINTS = ("_mirror", "_flip", "smiley", "outline", "cartoon", "clipart")
# By-eye stamp decisions (paths relative to the stamps root), from the contact sheets.
STAMP_EYE_REJECT: dict[str, str] = {
    "clothes/button.png": "by eye: flat drawing",
    "food/nuts/walnut_shelled.png": "by eye: blocky upscaled low-resolution image",
    "plants/trees/holly_leaves.png": "by eye: drawing",
    "seasonal/easter/bluebird.png": "by eye: drawing",
    "seasonal/easter/bunny.png": "by eye: drawing",
    "seasonal/easter/butterfly.png": "by eye: drawing",
    "seasonal/easter/daffodil.png": "by eye: drawing",
    "seasonal/easter/wrapped_chocolate_easter_egg.png": "by eye: synthetic pattern",
    "seasonal/easter/wrapped_chocolate_easter_egg_2.png": "by eye: synthetic pattern",
    "seasonal/newyears/party-hat.png": "by eye: 3D render",
    "space/planets/6_saturn.png": "by eye: drawing",
    "space/planets/7_uranus.png": "by eye: smooth render",
    "space/planets/8_neptune.png": "by eye: smooth render",
}


@dataclass
class StampFeatures:
    colors: int       # unique colors (5 bits/channel) inside the opaque mask
    flat: float       # fraction of interior pixels whose 4x4 luma std < 1.0
    colors_norm: float  # colors / sqrt(opaque area)
    area: int


def stamp_features(rgba: np.ndarray) -> StampFeatures | None:
    m = rgba[..., 3] > 200
    if m.sum() < 400:
        return None
    rgb = rgba[..., :3]
    q = (rgb[m] >> 3).astype(np.int32)
    colors = int(len(np.unique(q[:, 0] * 1024 + q[:, 1] * 32 + q[:, 2])))
    g = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_BGR2GRAY).astype(np.float32)
    inner = cv2.erode(m.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    if inner.sum() < 100:
        return None
    mu = cv2.blur(g, (4, 4))
    sd = np.sqrt(np.maximum(cv2.blur(g * g, (4, 4)) - mu * mu, 0))
    flat = float((sd[inner] < 1.0).mean())
    return StampFeatures(colors, flat, colors / math.sqrt(m.sum()), int(m.sum()))


def stamp_verdict(rel: str, f: StampFeatures | None) -> tuple[bool, str]:
    """Photo cut-out test: textured interior (few flat 4x4 blocks) and many colors.

    Cartoons/clip-art have flat fills (flat > 0.08) and few colors; letters and
    signs live in the skipped symbol folders.
    """
    low = rel.lower()
    for d in STAMP_SKIP_DIRS:
        if low.startswith(d + "/"):
            return False, f"category {d}"
    for hint in STAMP_NAME_REJECT_HINTS:
        if hint in low:
            return False, f"name hint '{hint}'"
    if rel in STAMP_EYE_REJECT:
        return False, STAMP_EYE_REJECT[rel]
    if f is None:
        return False, "no alpha or too small"
    if f.flat > 0.08:
        return False, f"flat fills ({f.flat:.0%} of interior): drawing"
    if f.colors < 150:
        return False, f"few colors ({f.colors}): drawing"
    if f.colors_norm < 2.0:
        return False, f"few colors for its size ({f.colors_norm:.1f}/sqrt(px))"
    return True, f"photo cut-out: flat {f.flat:.2f}, {f.colors} colors"


def crop_to_alpha(rgba: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(rgba[..., 3] > 8)
    return rgba[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]


def paste_stamp(bg: np.ndarray, stamp: np.ndarray, rng: np.random.Generator) -> dict:
    """Alpha-blend one RGBA stamp onto `bg` (BGR uint8, modified in place).

    Scale: longest side 15-45% of bg's short side; 50% horizontal flip; rotation
    +-12 deg; alpha edge softened with a Gaussian (sigma 0.8 px); with p=0.5 a
    soft shadow (alpha blurred sigma 5, offset, 35% darkening) goes under it.
    """
    H, W = bg.shape[:2]
    side = rng.uniform(0.15, 0.45) * min(H, W)
    s = side / max(stamp.shape[:2])
    st = cv2.resize(stamp, (max(2, round(stamp.shape[1] * s)), max(2, round(stamp.shape[0] * s))),
                    interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    flip = bool(rng.random() < 0.5)
    if flip:
        st = st[:, ::-1]
    angle = float(rng.uniform(-12, 12))
    h, w = st.shape[:2]
    pad = int(0.25 * max(h, w)) + 4
    st = cv2.copyMakeBorder(np.ascontiguousarray(st), pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    M = cv2.getRotationMatrix2D((st.shape[1] / 2, st.shape[0] / 2), angle, 1.0)
    st = cv2.warpAffine(st, M, (st.shape[1], st.shape[0]), flags=cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    st = crop_to_alpha(st)
    h, w = st.shape[:2]
    x0 = int(rng.integers(-w // 4, max(1, W - 3 * w // 4)))
    y0 = int(rng.integers(-h // 4, max(1, H - 3 * h // 4)))
    alpha = cv2.GaussianBlur(st[..., 3].astype(np.float32) / 255.0, (0, 0), 0.8)
    shadow = bool(rng.random() < 0.5)

    def blend(img, a, color, ox, oy):
        xa, ya = max(ox, 0), max(oy, 0)
        xb, yb = min(ox + a.shape[1], W), min(oy + a.shape[0], H)
        if xb <= xa or yb <= ya:
            return
        aa = a[ya - oy: yb - oy, xa - ox: xb - ox, None]
        region = img[ya:yb, xa:xb].astype(np.float32)
        if color is None:  # shadow: darken
            img[ya:yb, xa:xb] = (region * (1 - 0.35 * aa)).round().astype(np.uint8)
        else:
            c = color[ya - oy: yb - oy, xa - ox: xb - ox].astype(np.float32)
            img[ya:yb, xa:xb] = (region * (1 - aa) + c * aa).round().clip(0, 255).astype(np.uint8)

    if shadow:
        sa = cv2.GaussianBlur(alpha, (0, 0), 5)
        off = max(2, round(0.04 * max(h, w)))
        blend(bg, sa, None, x0 + off, y0 + off)
    blend(bg, alpha, st[..., :3], x0, y0)
    return dict(x=x0, y=y0, w=w, h=h, angle=round(angle, 1), flip=flip, shadow=shadow)


def make_composite(bg_path: Path, stamp_paths: list[Path], rng: np.random.Generator,
                   short_side: int) -> tuple[np.ndarray, list]:
    """Random crop (scale 1-1.5, aspect 1-1.5, orientation kept) of a photo, `short_side`
    px on its short side, with the RGBA stamps pasted in order (see `paste_stamp`)."""
    bg = cv2.imread(str(bg_path))
    scale = rng.uniform(1.0, 1.5)
    bg = resize_short(bg, round(short_side * scale))
    H, W = bg.shape[:2]
    out_short = short_side
    aspect = rng.uniform(1.0, 1.5)
    if W >= H:
        ch, cw = out_short, min(W, round(out_short * aspect))
    else:
        cw, ch = out_short, min(H, round(out_short * aspect))
    y = int(rng.integers(0, H - ch + 1))
    x = int(rng.integers(0, W - cw + 1))
    canvas = np.ascontiguousarray(bg[y:y + ch, x:x + cw])
    placed = []
    for p in stamp_paths:
        stamp = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
        info = paste_stamp(canvas, stamp, rng)
        info["stamp"] = p.name
        placed.append(info)
    return canvas, placed
