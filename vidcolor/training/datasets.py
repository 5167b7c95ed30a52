"""Map-style datasets indexed by ``(item, sample_seed)`` so every augmentation is reproducible.

* :class:`PairDataset` — random crop/flip/zoom of a still image and its style target.
* :class:`SyntheticClipDataset` — clips made from a still image by a smooth random camera motion
  (pan, zoom, rotation) whose optical flow is known exactly, plus a moving occluder.
* :class:`VideoClipDataset` — clips cut from cached real video (see :mod:`vidcolor.training.videos`).

Samples are dicts of float32 tensors, RGB in [0, 1]:
``color [3,h,w]`` / ``[T,3,h,w]``, ``target`` likewise, ``style`` (long), and for clips
``flow_back [T-1,2,h,w]`` (``flow_{t→t−1}`` for t = 1…T−1), ``flow_fwd [T-1,2,h,w]``
(``flow_{t→t+1}`` for t = 0…T−2) and ``mask_back`` / ``mask_fwd [T-1,1,h,w]`` (1 = visible).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch

from vidcolor.training.images import CachedImage, load_cached


def choose_style(rng: np.random.Generator, n_styles: int, plain_fraction: float) -> int:
    if n_styles == 1 or rng.random() < plain_fraction:
        return 0
    return int(rng.integers(1, n_styles))


def _chw(img: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1))).float() / 255.0


class PairDataset(torch.utils.data.Dataset):
    """Still-image pairs: ``{'color', 'target', 'style'}`` crops of size ``crop``."""

    def __init__(self, entries: list[CachedImage], styles: tuple[str, ...], crop: int, plain_fraction: float = 0.4, scale_jitter: float = 0.25):
        self.entries, self.styles, self.crop = entries, styles, crop
        self.plain_fraction, self.scale_jitter = plain_fraction, scale_jitter

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, key):
        idx, seed = key
        rng = np.random.default_rng(seed)
        entry = self.entries[idx]
        style = choose_style(rng, len(self.styles), self.plain_fraction)
        color = load_cached(entry, "none")
        target = color if style == 0 else load_cached(entry, self.styles[style])
        h, w = color.shape[:2]
        win = int(min(h, w, self.crop * (1 + rng.uniform(0, self.scale_jitter))))
        y, x = int(rng.integers(0, h - win + 1)), int(rng.integers(0, w - win + 1))
        flip = rng.random() < 0.5

        def cut(img):
            c = img[y:y + win, x:x + win]
            if win != self.crop:
                c = cv2.resize(c, (self.crop, self.crop), interpolation=cv2.INTER_AREA)
            return c[:, ::-1] if flip else c

        c = cut(color)
        return {"color": _chw(c), "target": _chw(cut(target)) if style else _chw(c), "style": torch.tensor(style)}


def _affine(cx: float, cy: float, scale: float, angle: float, tx: float, ty: float, crop: int) -> np.ndarray:
    """3×3 matrix mapping crop pixel coords → source image coords (rotate/scale about the crop centre)."""
    c, s = math.cos(angle) * scale, math.sin(angle) * scale
    h = crop / 2.0
    return np.array([[c, -s, cx + tx - c * h + s * h], [s, c, cy + ty - s * h - c * h], [0, 0, 1]], np.float64)


def affine_flow(a_from: np.ndarray, a_to: np.ndarray, size: int) -> np.ndarray:
    """Exact flow ``flow_{from→to}`` ``(H, W, 2)`` between frames rendered with matrices ``A``.

    Frame ``k`` is ``I(A_k x)``, so pixel x of frame ``from`` shows source point ``A_from x``, which
    appears in frame ``to`` at ``A_to⁻¹ A_from x``: the flow is ``A_to⁻¹ A_from x − x``.
    """
    m = np.linalg.inv(a_to) @ a_from
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    nx = m[0, 0] * xs + m[0, 1] * ys + m[0, 2]
    ny = m[1, 0] * xs + m[1, 1] * ys + m[1, 2]
    return np.stack([nx - xs, ny - ys], axis=-1).astype(np.float32)


class SyntheticClipDataset(torch.utils.data.Dataset):
    """Clips of ``clip_len`` frames from still images by a smooth random camera move.

    Per clip: start zoom ∈ [0.7, 1], per-frame pan ≤ 3 % of the crop, zoom ≤ ±2 %, rotation ≤ ±1°;
    all frames are resampled from the *same* color image and the *same* style rendering, so the
    target is perfectly temporally consistent. With ``occluders``, a patch cut from elsewhere in the
    image moves independently across the frames; the camera flow is wrong there, so the masks mark
    the occluder (in either frame of a pair) as not visible.
    """

    def __init__(self, entries: list[CachedImage], styles: tuple[str, ...], crop: int, clip_len: int = 3, plain_fraction: float = 0.4, occluders: bool = True):
        self.entries, self.styles, self.crop, self.T = entries, styles, crop, clip_len
        self.plain_fraction, self.occluders = plain_fraction, occluders

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, key):
        idx, seed = key
        rng = np.random.default_rng(seed)
        entry = self.entries[idx]
        style = choose_style(rng, len(self.styles), self.plain_fraction)
        color = load_cached(entry, "none")
        target = color if style == 0 else load_cached(entry, self.styles[style])
        h, w = color.shape[:2]
        crop, T = self.crop, self.T
        scale0 = rng.uniform(0.7, 1.0) * min(h, w) / crop * 0.9
        dscale = rng.uniform(-0.02, 0.02)
        dang = math.radians(rng.uniform(-1.0, 1.0))
        pan = rng.uniform(-0.03, 0.03, size=2) * crop * scale0
        span = crop * scale0 * 1.5
        cx = rng.uniform(min(span / 2, w / 2), max(w - span / 2, w / 2))
        cy = rng.uniform(min(span / 2, h / 2), max(h - span / 2, h / 2))
        t0 = -(T - 1) / 2
        mats = [_affine(cx, cy, scale0 * (1 + dscale) ** (t0 + k), dang * (t0 + k), pan[0] * (t0 + k), pan[1] * (t0 + k), crop) for k in range(T)]

        def render(img, m):
            return cv2.warpAffine(img, m[:2].astype(np.float32), (crop, crop), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT)

        colors = [render(color, m) for m in mats]
        targets = colors if style == 0 else [render(target, m) for m in mats]
        occ = [np.zeros((crop, crop), np.float32) for _ in range(T)]
        if self.occluders and rng.random() < 0.7:
            size = int(crop * rng.uniform(0.15, 0.35))
            sy, sx = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
            pc, pt = color[sy:sy + size, sx:sx + size], target[sy:sy + size, sx:sx + size]
            yy, xx = np.mgrid[0:size, 0:size]
            shape = (((yy - size / 2) / (size / 2)) ** 2 + ((xx - size / 2) / (size / 2)) ** 2 <= 1.0).astype(np.float32)
            p0 = rng.uniform(0, crop - size, size=2)
            v = rng.uniform(-0.08, 0.08, size=2) * crop
            for k in range(T):
                oy, ox = np.clip(p0 + v * k, 0, crop - size).astype(int)
                region = (slice(oy, oy + size), slice(ox, ox + size))
                a = shape[..., None]
                colors[k] = colors[k].copy(); colors[k][region] = (a * pc + (1 - a) * colors[k][region]).astype(np.uint8)
                if style:
                    targets[k] = targets[k].copy(); targets[k][region] = (a * pt + (1 - a) * targets[k][region]).astype(np.uint8)
                occ[k][region] = np.maximum(occ[k][region], shape)
        if style == 0:
            targets = colors
        flows_b, flows_f, masks_b, masks_f = [], [], [], []
        for k in range(T - 1):
            fb = affine_flow(mats[k + 1], mats[k], crop)     # (k+1) → k
            ff = affine_flow(mats[k], mats[k + 1], crop)     # k → (k+1)
            flows_b.append(fb)
            flows_f.append(ff)
            masks_b.append(self._mask(fb, occ[k + 1], occ[k]))
            masks_f.append(self._mask(ff, occ[k], occ[k + 1]))
        flip = rng.random() < 0.5
        return self._pack(colors, targets, flows_b, flows_f, masks_b, masks_f, style, flip)

    @staticmethod
    def _mask(flow: np.ndarray, occ_here: np.ndarray, occ_there: np.ndarray) -> np.ndarray:
        """Visible where the flow lands inside and neither frame's occluder covers the pixel."""
        n = flow.shape[0]
        ys, xs = np.mgrid[0:n, 0:n].astype(np.float32)
        mx, my = xs + flow[..., 0], ys + flow[..., 1]
        inside = (mx >= 0) & (mx <= n - 1) & (my >= 0) & (my <= n - 1)
        there = cv2.remap(occ_there, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=1)
        return (inside & (occ_here < 0.01) & (there < 0.01)).astype(np.float32)

    @staticmethod
    def _pack(colors, targets, flows_b, flows_f, masks_b, masks_f, style, flip):
        def imgs(lst):
            arr = np.stack(lst)[:, :, ::-1] if flip else np.stack(lst)
            return torch.from_numpy(np.ascontiguousarray(arr.transpose(0, 3, 1, 2))).float() / 255.0

        def flows(lst):
            arr = np.stack(lst)
            if flip:
                arr = arr[:, :, ::-1].copy()
                arr[..., 0] *= -1
            return torch.from_numpy(np.ascontiguousarray(arr.transpose(0, 3, 1, 2))).float()

        def masks(lst):
            arr = np.stack(lst)[:, :, ::-1] if flip else np.stack(lst)
            return torch.from_numpy(np.ascontiguousarray(arr))[:, None].float()

        return {"color": imgs(colors), "target": imgs(targets), "style": torch.tensor(style),
                "flow_back": flows(flows_b), "flow_fwd": flows(flows_f), "mask_back": masks(masks_b), "mask_fwd": masks(masks_f)}


class DeterministicSampler:
    """Yields ``(item, sample_seed)`` for ``count`` samples starting at sample ``start``.

    Epoch ``e`` is a permutation from ``seed`` and ``e``; rank ``r`` of ``world`` takes every
    ``world``-th element, so DDP ranks see disjoint samples. Sample seeds depend only on
    ``(seed, rank, global position)``, so a resumed run draws exactly the same samples and
    augmentations as an uninterrupted one.
    """

    def __init__(self, n_items: int, seed: int, start: int, count: int, rank: int = 0, world: int = 1):
        self.n, self.seed, self.start, self.count, self.rank, self.world = n_items, seed, start, count, rank, world

    def __iter__(self):
        per_epoch = max(self.n // self.world, 1)
        pos = self.start
        end = self.start + self.count
        while pos < end:
            epoch, off = divmod(pos, per_epoch)
            perm = np.random.default_rng([self.seed, epoch]).permutation(self.n)
            shard = perm[self.rank::self.world] if self.n >= self.world else perm
            for i in range(off, min(per_epoch, off + end - pos)):
                yield int(shard[i % len(shard)]), int(np.random.default_rng([self.seed, self.rank, pos]).integers(2**62))
                pos += 1

    def __len__(self) -> int:
        return self.count
