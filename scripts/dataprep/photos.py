"""Tell photographs from renders among desktop wallpapers; de-duplicate; split."""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".webp")

# File-name words that mark a wallpaper as non-photographic.
NAME_REJECT_HINTS = ("abstract", "logo", "stripes", "symbolic", "vnc", "pattern-", "screenshot")

# By-eye decisions, made from the contact sheets of the Debian 12 (bookworm)
# package versions. Keys are "<package>:<picture key>" (see `wallpaper_groups`).
# They override the heuristic only where it disagrees with what the picture is.
EYE_OVERRIDES: dict[str, tuple[bool, str]] = {
    # photos the heuristic rejects (smooth bokeh / fog / studio backgrounds)
    "plasma-workspace-wallpapers:DarkestHour": (True, "by eye: foggy lake photo (smooth fog looks flat)"),
    "lomiri-wallpapers-16.04:greentock_by_Peter_Nerlich": (True, "by eye: photo of a wall clock (large plain wall)"),
    "lomiri-wallpapers-16.04:free_by_Peter_Nerlich": (True, "by eye: photo of a bird ornament under lamps"),
    "mate-backgrounds:FreshFlower": (True, "by eye: macro flower photo with blurred background"),
    "mate-backgrounds:Aqua": (True, "by eye: macro photo of a water drop"),
    "mate-backgrounds:TwoWings": (True, "by eye: macro photo of seeds, blurred background"),
    "mate-backgrounds:Garden": (True, "by eye: flower photo with blurred background"),
    "mate-backgrounds:YellowFlower": (True, "by eye: flower photo with blurred background"),
    "mate-backgrounds:Wood": (True, "by eye: photo of pale wood grain (low chroma, few colors)"),
    "mate-backgrounds:Storm": (True, "by eye: photo of storm clouds over a road"),
    "lomiri-wallpapers-16.04:Bridge_by_Sander_Klootwijk": (True, "by eye: photo of a bridge and sky"),
    "plasma-workspace-wallpapers:summer_1am": (True, "by eye: photo of a lake at dusk"),
    # renders / paintings the heuristic takes for photos (textured or grainy)
    "plasma-workspace-wallpapers:Autumn": (False, "by eye: digital painting"),
    "plasma-workspace-wallpapers:Volna": (False, "by eye: low-poly render of a beach"),
    "plasma-workspace-wallpapers:SafeLanding": (False, "by eye: illustration"),
    "plasma-workspace-wallpapers:Honeywave": (False, "by eye: abstract render with grain"),
    "plasma-workspace-wallpapers:Shell": (False, "by eye: abstract faceted render"),
    "plasma-workspace-wallpapers:Kay": (False, "by eye: abstract faceted render"),
    "plasma-workspace-wallpapers:Patak": (False, "by eye: abstract render"),
    "plasma-workspace-wallpapers:Patak_dark": (False, "by eye: abstract render"),
    "plasma-workspace-wallpapers:Canopee": (False, "by eye: abstract render"),
    "plasma-workspace-wallpapers:Opal": (False, "by eye: abstract render"),
    "plasma-workspace-wallpapers:MilkyWay": (False, "by eye: abstract render"),
    "mate-backgrounds:Elephants": (False, "by eye: painting (photographed canvas)"),
    "mate-backgrounds:Gulp": (False, "by eye: vector art"),
    "mate-backgrounds:Float-into-MATE": (False, "by eye: vector art"),
    "mate-backgrounds:Ubuntu-Mate-Cold-no-logo": (False, "by eye: blurred abstract gradient"),
    "mate-backgrounds:Ubuntu-Mate-Dark-no-logo": (False, "by eye: blurred abstract gradient"),
    "mate-backgrounds:Ubuntu-Mate-Radioactive-no-logo": (False, "by eye: blurred abstract gradient"),
    "mate-backgrounds:Ubuntu-Mate-Warm-no-logo": (False, "by eye: blurred abstract gradient"),
    "lomiri-wallpapers-20.04:Infinite-Sea_by_Aury88": (False, "by eye: digital render of the milky way over a sea"),
    "ukui-wallpapers:string": (False, "by eye: abstract render"),
    "ukui-wallpapers:rhythm": (False, "by eye: abstract render"),
    "ukui-wallpapers:fluent-color": (False, "by eye: abstract render"),
    "ukui-wallpapers:2004default": (False, "by eye: abstract render"),
    "gnome-backgrounds:wood-l": (False, "by eye: rendered wood panels"),
    "gnome-backgrounds:wood-d": (False, "by eye: rendered wood panels"),
    "gnome-backgrounds:licorice-l": (False, "by eye: rendered pattern"),
    "gnome-backgrounds:licorice-d": (False, "by eye: rendered pattern"),
    "gnome-backgrounds:grid-l": (False, "by eye: rendered pattern"),
    "gnome-backgrounds:grid-d": (False, "by eye: rendered pattern"),
    "gnome-backgrounds:truchet-l": (False, "by eye: rendered pattern"),
    "gnome-backgrounds:truchet-d": (False, "by eye: rendered pattern"),
    "gnome-backgrounds:pixels-l": (False, "by eye: icon collage"),
    "gnome-backgrounds:pixels-d": (False, "by eye: icon collage"),
    "gnome-backgrounds:adwaita-l": (False, "by eye: abstract render"),
    "gnome-backgrounds:adwaita-d": (False, "by eye: abstract render"),
}

# Stamps: categories (top-level folders) that hold no photographs worth pasting.


def wallpaper_groups(pkg: str, root: Path) -> tuple[dict[str, list[Path]], list[dict]]:
    """Group one package's wallpaper files by picture.

    KDE ships <Name>/contents/images{,_dark}/<W>x<H>.<ext>: one picture per
    folder (dark variants are separate pictures). MATE appends _<W>x<H> to the
    name of larger copies. Returns ({key: [files]}, [rejected records]).
    """
    groups: dict[str, list[Path]] = {}
    rejected = []
    for base in ("usr/share/backgrounds", "usr/share/wallpapers"):
        for f in sorted((root / base).rglob("*")):
            if not f.is_file() or f.is_symlink():
                continue
            rel = str(f.relative_to(root))
            suffix = f.suffix.lower()
            if suffix == ".svg":
                rejected.append(dict(package=pkg, source=rel, reason="SVG (vector art)", decided_by="rule"))
                continue
            if suffix not in IMAGE_EXTS:
                continue
            if f.stem == "screenshot":
                rejected.append(dict(package=pkg, source=rel, reason="KDE preview screenshot", decided_by="rule"))
                continue
            if "contents" in f.parts:
                i = f.parts.index("contents")
                key = f.parts[i - 1] + ("_dark" if f.parent.name == "images_dark" else "")
            else:
                key = re.sub(r"_\d+x\d+$", "", f.stem)
            groups.setdefault(key, []).append(f)
    return groups, rejected


@dataclass
class PhotoFeatures:
    """Statistics used to tell photographs from renders (computed at 1024 px short side)."""
    width: int
    height: int
    transparent: float  # fraction of pixels with alpha < 250
    flat: float         # fraction of 8x8 blocks with luma std < 1.0 (0-255 scale)
    texture: float      # fraction of pixels with moderate Sobel gradient (8 < |g| < 60)
    noise: float        # Immerkaer noise sigma estimate (mean |Laplacian-like| * sqrt(pi/2)/6)
    colors: int         # unique colors (5 bits/channel) in a 256 px wide thumbnail
    chroma: float       # mean CIELAB chroma sqrt(a*^2+b*^2)
    dhash: str = ""     # 64-bit difference hash, for near-duplicate detection


def read_rgb(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """Read any image as (BGR uint8 [H,W,3], alpha uint8 [H,W] or None)."""
    im = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if im is None:
        raise ValueError(f"cannot decode {path}")
    if im.dtype != np.uint8:
        im = (im / 257).astype(np.uint8)
    if im.ndim == 2:
        return cv2.cvtColor(im, cv2.COLOR_GRAY2BGR), None
    if im.shape[2] == 4:
        return np.ascontiguousarray(im[..., :3]), im[..., 3]
    return im, None


def resize_short(im: np.ndarray, short: int) -> np.ndarray:
    h, w = im.shape[:2]
    s = short / min(h, w)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    return cv2.resize(im, (max(1, round(w * s)), max(1, round(h * s))), interpolation=interp)


def pixel_count(path: Path) -> int:
    """Width*height from the file header (Pillow reads it without decoding)."""
    from PIL import Image
    with Image.open(path) as im:
        return im.size[0] * im.size[1]


def dhash(bgr: np.ndarray) -> str:
    g = cv2.cvtColor(cv2.resize(bgr, (9, 8), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
    bits = (g[:, 1:] > g[:, :-1]).flatten()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def photo_features(path: Path) -> PhotoFeatures:
    bgr, alpha = read_rgb(path)
    h, w = bgr.shape[:2]
    transparent = float((alpha < 250).mean()) if alpha is not None else 0.0
    a = resize_short(bgr, 1024) if min(h, w) > 1024 else bgr
    g = cv2.cvtColor(a, cv2.COLOR_BGR2GRAY).astype(np.float32)
    k = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    noise = float(np.abs(cv2.filter2D(g, -1, k))[1:-1, 1:-1].mean() * math.sqrt(math.pi / 2) / 6)
    hh, ww = g.shape[0] // 8 * 8, g.shape[1] // 8 * 8
    blocks = g[:hh, :ww].reshape(hh // 8, 8, ww // 8, 8).std(axis=(1, 3))
    flat = float((blocks < 1.0).mean())
    mag = np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))
    texture = float(((mag > 8) & (mag < 60)).mean())
    t = cv2.resize(bgr, (256, max(1, round(256 * h / w))), interpolation=cv2.INTER_AREA)
    q = (t >> 3).astype(np.int32)
    colors = int(len(np.unique(q[..., 0] * 1024 + q[..., 1] * 32 + q[..., 2])))
    lab = cv2.cvtColor(t.astype(np.float32) / 255.0, cv2.COLOR_BGR2Lab)
    chroma = float(np.hypot(lab[..., 1], lab[..., 2]).mean())
    return PhotoFeatures(w, h, transparent, flat, texture, noise, colors, chroma, dhash(bgr))


def photo_verdict(name: str, f: PhotoFeatures) -> tuple[bool, str]:
    """Heuristic photo test; returns (is_photo, reason).

    Renders, vector art and gradients have large perfectly flat areas (8x8
    blocks with luma std < 1), little mid-strength gradient texture and few
    distinct colors; photos have sensor noise and texture almost everywhere.
    Thresholds were set on the bookworm wallpapers (see EYE_OVERRIDES for the
    cases they get wrong).
    """
    low = name.lower()
    for hint in NAME_REJECT_HINTS:
        if hint in low:
            return False, f"name hint '{hint}'"
    if f.transparent > 0.01:
        return False, f"has transparency ({f.transparent:.0%} of pixels): overlay/vector art"
    if f.colors < 64 and f.chroma < 4:
        return False, f"near-monochrome ({f.colors} colors, chroma {f.chroma:.1f})"
    if f.chroma < 4:
        return False, f"near-monochrome photo (chroma {f.chroma:.1f}): no color to learn"
    if f.flat > 0.35:
        return False, f"{f.flat:.0%} perfectly flat 8x8 blocks (render/gradient)"
    if f.texture < 0.3:
        return False, f"little texture ({f.texture:.2f} of pixels with mid gradients)"
    if f.colors < 200:
        return False, f"few colors ({f.colors})"
    return True, (f"photo-like: flat {f.flat:.2f}, texture {f.texture:.2f}, "
                  f"noise {f.noise:.2f}, {f.colors} colors")


def heldout_split(keys: list[str], fraction: float) -> set[str]:
    """Deterministic held-out pick: the round(fraction*n) keys with the smallest SHA-1.

    Packages with fewer than 4 photos keep them all for training.
    """
    n = len(keys)
    k = round(fraction * n) if n >= 4 else 0
    k = max(k, 1) if n >= 4 else 0
    ranked = sorted(keys, key=lambda s: hashlib.sha1(s.encode()).hexdigest())
    return set(ranked[:k])
