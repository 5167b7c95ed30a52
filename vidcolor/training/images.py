"""Training images: discovery, the on-disk teacher cache, and synthetic images for self-contained runs.

Every usable image is decoded once, resized so its short side is ``teach_size`` (area filter) and
rendered by every requested style teacher; results are cached as PNG under
``<cache>/teach/<key>.png`` with ``key = sha1(file bytes)[:16] · teach_size · style · teacher version``,
so later epochs (and later runs) read small PNGs instead of re-running teachers.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import cv2
import numpy as np

from vidcolor.errors import VidcolorError

EXEMPLAR = "exemplar"
"""Style name trained from a user's style image (Gram-matrix loss) instead of a procedural teacher."""

IMAGE_EXTS = {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass(frozen=True)
class CachedImage:
    """One training image in the cache: ``paths[style]`` → PNG of that style at teach size."""

    source: str
    paths: dict


def outside(exclude, root: Path) -> "callable":
    """A test ``path → bool``: True unless ``path`` lies in one of the folders ``exclude`` inside
    ``root`` (the run folder and the cache: a run folder inside the data set had its teacher renders
    and samples trained on as photos, and a resumed run saw another data set). A folder that holds
    ``root`` itself (synthetic images made in the cache) excludes nothing."""
    r = Path(root).resolve()
    folders = [f for f in (Path(e).resolve() for e in exclude if e is not None) if f != r and f not in r.parents]

    def test(path: Path) -> bool:
        p = Path(path).resolve()
        return not any(p == f or f in p.parents for f in folders)
    return test


def list_images(root: str | os.PathLike, exclude=()) -> list[Path]:
    """All image files under ``root`` (recursive, hidden entries and the folders ``exclude`` skipped), sorted."""
    root = Path(root)
    if not root.exists():
        raise VidcolorError(f"data folder not found: '{root}'")
    if not root.is_dir():
        raise VidcolorError(f"data path is not a folder: '{root}'")
    keep = outside(exclude, root)
    out = [p for p in root.rglob("*") if p.suffix.lower() in IMAGE_EXTS and p.is_file()
           and not any(part.startswith(".") for part in p.relative_to(root).parts) and keep(p)]
    return sorted(out)


def split_train_val(paths: list[Path], val_fraction: float, root: Path | None = None) -> tuple[list[Path], list[Path]]:
    """Deterministic split by a hash of each path (relative to ``root``): stable as files are added."""
    train, val = [], []
    for p in paths:
        rel = str(p.relative_to(root)) if root else p.name
        h = int(hashlib.sha1(rel.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (val if h < val_fraction else train).append(p)
    if not train and val:
        train, val = val, []
    return train, val


def _read_rgb(path: Path) -> np.ndarray | None:
    """RGB uint8 as ``vidcolor process`` reads the file (:func:`~vidcolor.io.image.read_image`: float
    images taken as 0–1 — they were divided by 255 again and trained as black —, CMYK, 16 bits), or None."""
    from vidcolor.io.image import read_image

    try:
        img = read_image(path)
    except VidcolorError:
        return None
    if img.size == 0 or min(img.shape[:2]) < 8:
        return None
    if img.dtype == np.uint16:
        img = (img.astype(np.float32) / 257.0).round().astype(np.uint8)
    return np.ascontiguousarray(np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img)


def resize_short(img: np.ndarray, short: int) -> np.ndarray:
    h, w = img.shape[:2]
    s = short / min(h, w)
    size = (max(short, round(w * s)), max(short, round(h * s)))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    return cv2.resize(img, size, interpolation=interp)


def _cache_one(args) -> CachedImage | None:
    path, styles, teach_size, cache_dir = args
    from vidcolor.styles import get_style

    raw = Path(path).read_bytes()
    digest = hashlib.sha1(raw).hexdigest()[:16]
    paths = {}
    todo = []
    for style in styles:
        t = get_style("none" if style == EXEMPLAR else style)  # exemplar targets are the photo itself
        p = Path(cache_dir) / "teach" / f"{digest}-{teach_size}-{style}-v{t.version}.png"
        paths[style] = str(p)
        if not p.is_file():
            todo.append((style, t, p))
    if todo:
        rgb = _read_rgb(Path(path))
        if rgb is None:
            return None
        rgb = resize_short(rgb, teach_size)
        base = rgb.astype(np.float32) / 255.0
        seed = int(digest[:8], 16)
        for style, t, p in todo:
            out = base if style == "none" else t.render(base, seed)
            out8 = (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_name(p.stem + f".{os.getpid()}.tmp.png")
            cv2.imwrite(str(tmp), cv2.cvtColor(out8, cv2.COLOR_RGB2BGR))
            os.replace(tmp, p)
    return CachedImage(str(path), paths)


def build_cache(paths: list[Path], styles: tuple[str, ...], teach_size: int, cache_dir: str | os.PathLike, workers: int = 1, progress=None) -> tuple[list[CachedImage], int]:
    """Decode, resize and teach every image (in ``workers`` processes); returns (entries, n_skipped).

    Unreadable images are skipped and counted, never fatal; an empty result is.
    """
    jobs = [(str(p), tuple(styles), teach_size, str(cache_dir)) for p in paths]
    out: list[CachedImage] = []
    skipped = 0
    if workers > 1 and len(jobs) > 1:
        with get_context("spawn").Pool(workers) as pool:
            results = pool.imap(_cache_one, jobs, chunksize=1)
            for i, r in enumerate(results):
                out.append(r) if r else None
                skipped += r is None
                if progress:
                    progress(i + 1, len(jobs))
    else:
        for i, j in enumerate(jobs):
            r = _cache_one(j)
            out.append(r) if r else None
            skipped += r is None
            if progress:
                progress(i + 1, len(jobs))
    return out, skipped


def center_crop(img: np.ndarray, crop: int) -> np.ndarray:
    """Central ``crop × crop`` window (the image is first resized so its short side is ``crop``)."""
    img = resize_short(img, crop)
    h, w = img.shape[:2]
    y, x = (h - crop) // 2, (w - crop) // 2
    return np.ascontiguousarray(img[y:y + crop, x:x + crop])


def load_cached(entry: CachedImage, style: str) -> np.ndarray:
    """``uint8 (H, W, 3)`` RGB of ``entry`` rendered in ``style`` at teach size."""
    img = cv2.imread(entry.paths[style], cv2.IMREAD_COLOR)
    if img is None:
        raise VidcolorError(f"training cache file is missing or corrupt: '{entry.paths[style]}' (delete the cache folder to rebuild it)")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def synthesize_images(folder: str | os.PathLike, count: int, size: int = 96, seed: int = 0) -> Path:
    """Write ``count`` deterministic synthetic color images (smooth color fields, shapes, texture).

    Used by ``configs/tiny.yaml`` so tests and demos need no data set. Returns the folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    for i in range(count):
        p = folder / f"synthetic_{i:04d}.png"
        if p.is_file():
            rng.random(64)
            continue
        c0, c1, c2 = rng.random(3), rng.random(3), rng.random(3)
        a = rng.uniform(0, 2 * np.pi)
        t = (np.cos(a) * xx + np.sin(a) * yy)[..., None]
        t = (t - t.min()) / max(float(np.ptp(t)), 1e-6)
        img = c0 * (1 - t) + c1 * t
        for _ in range(rng.integers(2, 5)):
            cx, cy, r = rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.9), rng.uniform(0.08, 0.25)
            col = rng.random(3)
            m = ((xx - cx) ** 2 + (yy - cy) ** 2 < r * r) if rng.random() < 0.5 else ((abs(xx - cx) < r) & (abs(yy - cy) < r * 0.7))
            img[m] = col
        img = img * (1 + 0.3 * np.sin(xx * rng.uniform(10, 40) + yy * rng.uniform(10, 40)))[..., None] * 0.8
        img = np.clip(img + rng.normal(0, 0.02, img.shape), 0, 1)
        del c2
        cv2.imwrite(str(p), cv2.cvtColor((img * 255).astype(np.uint8), cv2.COLOR_RGB2BGR))
    return folder
