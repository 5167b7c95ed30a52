"""Training clips from real video: discovery, the on-disk clip cache, and :class:`VideoClipDataset`.

A *video* is a file any container PyAV reads (by extension, see :data:`vidcolor.io.VIDEO_EXTS`) or a
folder of numbered images (its image files, in natural order, are the frames). Each video is decoded
once, streaming, and up to ``clips_per_video`` clips of ``clip_len`` consecutive frames are cut at
evenly spaced positions. Per clip, the frames are resized so their short side is ``teach_size``,
every style teacher renders every frame (one seed per video, so paper textures do not flicker), and
DIS optical flow is computed between neighbours with forward–backward visibility masks. A clip is
stored as one compressed ``.npz``:

* ``color`` ``uint8 [T, H, W, 3]`` RGB; ``target_<style>`` likewise for every style but ``none``;
* ``flow_back`` ``float16 [T-1, H, W, 2]`` = ``flow_{t→t−1}`` for t = 1…T−1 (pixels, (dx, dy));
* ``flow_fwd`` ``float16 [T-1, H, W, 2]`` = ``flow_{t→t+1}`` for t = 0…T−2;
* ``mask_back`` / ``mask_fwd`` ``uint8 [T-1, H, W]`` (1 = visible in the other frame).

The cache key of a video is ``sha1(size, mtime, path, first MB of the file)`` (for a frame folder:
of every frame's name, size and mtime, plus the first MB of the first frame), with ``teach_size``,
``clip_len``, ``clips_per_video`` and the teachers' names and versions. ``<cache>/clips/<key>.json``
lists the video's clips and is written last, so a later run reuses a complete entry without decoding.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from vidcolor.errors import VidcolorError
from vidcolor.flow import backward_warp, compute_flow, fb_consistency_mask, photometric_mask
from vidcolor.io import VIDEO_EXTS, VideoReader
from vidcolor.training.datasets import SyntheticClipDataset, choose_style
from vidcolor.io.image import read_image
from vidcolor.training.images import IMAGE_EXTS, resize_short

CACHE_VERSION = "1"
#: Clips whose frames are on average less than this fraction visible in their neighbours (a scene
#: cut, a flash, a whip pan) teach nothing about temporal consistency and are dropped.
MIN_VISIBLE = 0.2


@dataclass(frozen=True)
class CachedClip:
    """One cached clip: ``path`` of its ``.npz``; ``source`` video and first frame ``start``."""

    source: str
    path: str
    start: int
    size: tuple[int, int]  # (H, W) at teach size


# ---------------------------------------------------------------------------------------- discovery

def _natural_key(name: str):
    return [int(s) if s.isdigit() else s.lower() for s in re.split(r"(\d+)", name)]


def list_videos(root: str | os.PathLike, exclude=()) -> list[Path]:
    """Video files and frame folders under ``root`` (recursive, hidden entries and the folders
    ``exclude`` skipped), sorted.

    A folder holding image files directly is one video (``root`` itself included).
    """
    from vidcolor.training.images import outside

    keep = outside(exclude, Path(root))
    root = Path(root)
    if not root.exists():
        raise VidcolorError(f"video folder not found: '{root}'")
    if not root.is_dir():
        raise VidcolorError(f"data.videos is not a folder: '{root}'")
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and keep(Path(dirpath) / d))
        files = [f for f in filenames if not f.startswith(".")]
        if any(Path(f).suffix.lower() in IMAGE_EXTS for f in files):
            out.append(Path(dirpath))
        out.extend(Path(dirpath) / f for f in files if Path(f).suffix.lower() in VIDEO_EXTS)
    return sorted(out)


def _frame_files(folder: Path) -> list[Path]:
    files = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTS and p.is_file() and not p.name.startswith(".")]
    return sorted(files, key=lambda p: _natural_key(p.name))


def _video_key(path: Path, parts: tuple) -> str:
    h = hashlib.sha1()
    files = _frame_files(path) if path.is_dir() else [path]
    h.update(str(path.resolve()).encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.name}|{st.st_size}|{st.st_mtime_ns}".encode())
    if files:
        with open(files[0], "rb") as fh:
            h.update(fh.read(1 << 20))
    h.update(repr(parts).encode())
    return h.hexdigest()[:20]


def clip_starts(n_frames: int, clip_len: int, clips: int) -> list[int]:
    """Start frames of up to ``clips`` non-overlapping clips, evenly spread over ``n_frames``."""
    k = min(clips, n_frames // clip_len)
    if k <= 0:
        return []
    seg = n_frames / k
    return [min(max(0, int((i + 0.5) * seg) - clip_len // 2), n_frames - clip_len) for i in range(k)]


# ------------------------------------------------------------------------------------ clip building

def _flows_and_masks(frames: list[np.ndarray]) -> dict[str, np.ndarray]:
    """DIS flows between neighbours and their visibility masks (forward–backward check × photometric)."""
    gray = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    fb, ff = [], []
    for k in range(len(frames) - 1):
        fb.append(compute_flow(gray[k + 1], gray[k]))   # (k+1) → k
        ff.append(compute_flow(gray[k], gray[k + 1]))   # k → (k+1)
    t_fb = torch.from_numpy(np.stack(fb).transpose(0, 3, 1, 2).copy())
    t_ff = torch.from_numpy(np.stack(ff).transpose(0, 3, 1, 2).copy())
    g = torch.from_numpy(np.stack(gray)).float()[:, None] / 255.0

    def vis(flow_ts, flow_st, x_t, x_s):
        return fb_consistency_mask(flow_ts, flow_st) * (photometric_mask(x_t, backward_warp(x_s, flow_ts)) > 0.5).float()

    mb = vis(t_fb, t_ff, g[1:], g[:-1])
    mf = vis(t_ff, t_fb, g[:-1], g[1:])
    return {"flow_back": np.stack(fb).astype(np.float16), "flow_fwd": np.stack(ff).astype(np.float16),
            "mask_back": mb[:, 0].numpy().astype(np.uint8), "mask_fwd": mf[:, 0].numpy().astype(np.uint8)}


def _make_clip(frames: list[np.ndarray], styles: tuple[str, ...], teach_size: int, seed: int) -> dict[str, np.ndarray] | None:
    from vidcolor.styles import get_style

    frames = [resize_short(f, teach_size) for f in frames]
    if any(f.shape != frames[0].shape for f in frames):
        return None
    arrays = {"color": np.stack(frames)}
    arrays.update(_flows_and_masks(frames))
    if arrays["mask_back"].mean() < MIN_VISIBLE:
        return None
    for s in styles:
        if s == "none":
            continue
        teacher = get_style(s)
        out = [teacher.render(f.astype(np.float32) / 255.0, seed) for f in frames]
        arrays[f"target_{s}"] = (np.clip(np.stack(out), 0, 1) * 255 + 0.5).astype(np.uint8)
    return arrays


def _save_npz(path: Path, arrays: dict) -> None:
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    os.replace(tmp, path)


def _read_frame(path: Path) -> np.ndarray | None:
    """A frame-folder image as ``uint8 (H, W, 3)`` RGB, or None when unreadable."""
    try:
        img = read_image(path)
    except VidcolorError:
        return None
    if img.dtype == np.uint16:
        img = (img.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
    return np.repeat(img[..., None], 3, axis=2) if img.ndim == 2 else img


def _decoded_windows(src: Path, clip_len: int, clips: int):
    """Yield ``(start, [frames])`` for the planned clips of one video, decoding it once (up to its last clip).

    A video file is planned from its header's frame count (or duration × rate); when that is
    missing or too high, the last ``clip_len`` frames stand in for the clips never reached.
    """
    if src.is_dir():
        files = _frame_files(src)
        for s in clip_starts(len(files), clip_len, clips):
            frames = [_read_frame(f) for f in files[s:s + clip_len]]
            if all(f is not None for f in frames):
                yield s, frames
        return
    with VideoReader(src, fmt="rgb24") as reader:
        info = reader.info
        n_est = info.frame_count or (round(info.duration * float(info.frame_rate)) if info.duration else 0)
        planned = set(clip_starts(n_est, clip_len, clips))
        window: deque = deque(maxlen=clip_len)
        last, n = -clip_len, 0
        for frame in reader:
            window.append(frame.image)
            n = frame.index + 1
            if n - clip_len in planned:
                last = n - clip_len
                yield last, list(window)
                if last == max(planned):
                    break  # the rest of the video is not needed
        missed = not planned or max(planned) > n - clip_len
        if missed and len(window) == clip_len and n - clip_len >= last + clip_len:
            yield n - clip_len, list(window)


def _cache_video(src: Path, styles: tuple[str, ...], teach_size: int, clip_len: int, cache: Path, clips_per_video: int) -> list[CachedClip]:
    from vidcolor.styles import get_style

    parts = (CACHE_VERSION, teach_size, clip_len, clips_per_video, tuple((s, get_style(s).version) for s in styles))
    key = _video_key(src, parts)
    index = cache / f"{key}.json"
    if index.is_file():
        try:
            listed = json.loads(index.read_text())
            clips = [CachedClip(str(src), str(cache / c["file"]), c["start"], tuple(c["size"])) for c in listed["clips"]]
            if all(Path(c.path).is_file() for c in clips):
                return clips
        except (ValueError, KeyError, TypeError):
            pass
    seed = int(key[:8], 16)
    cache.mkdir(parents=True, exist_ok=True)
    clips, listed = [], []
    try:
        for start, frames in _decoded_windows(src, clip_len, clips_per_video):
            arrays = _make_clip(frames, styles, teach_size, seed)
            if arrays is None:
                continue
            name = f"{key}-{start:08d}.npz"
            _save_npz(cache / name, arrays)
            size = tuple(arrays["color"].shape[1:3])
            clips.append(CachedClip(str(src), str(cache / name), start, size))
            listed.append({"file": name, "start": start, "size": list(size)})
    except VidcolorError:
        if not clips:  # unreadable; damage further in still leaves the clips cut before it
            raise
    tmp = index.with_name(f".{index.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"source": str(src), "clips": listed}))
    os.replace(tmp, index)
    return clips


def build_video_cache(root: str | os.PathLike, styles: tuple[str, ...], teach_size: int, clip_len: int, cache_dir: str | os.PathLike,
                      clips_per_video: int = 8, exclude=()) -> tuple[list[CachedClip], int]:
    """Cut, teach and cache the clips of every video under ``root``; returns ``(clips, n_skipped)``.

    Videos that cannot be read, or are too short for one clip, are skipped and counted. A folder
    without any usable video is a :class:`VidcolorError`.
    """
    sources = list_videos(root, exclude)
    if not sources:
        raise VidcolorError(f"no videos found in '{root}' (looked for video files and folders of numbered images, recursively)")
    cache = Path(cache_dir) / "clips"
    out: list[CachedClip] = []
    skipped = 0
    for src in sources:
        try:
            clips = _cache_video(src, tuple(styles), teach_size, clip_len, cache, clips_per_video)
        except VidcolorError:
            clips = []
        out.extend(clips)
        skipped += not clips
    if not out:
        raise VidcolorError(f"none of the {len(sources)} video(s) in '{root}' gave a usable clip of {clip_len} frames (unreadable, or too short)")
    return out, skipped


# ------------------------------------------------------------------------------------------ datasets

class VideoClipDataset(torch.utils.data.Dataset):
    """Cached real-video clips, keyed by ``(item, sample_seed)``; same sample dict as
    :class:`~vidcolor.training.datasets.SyntheticClipDataset`.

    A random ``crop × crop`` window (the same for all frames; flows are cut, not rescaled) and a
    random horizontal flip (which negates dx). Masks come from the cache (DIS forward–backward).
    """

    def __init__(self, clips: list[CachedClip], styles: tuple[str, ...], crop: int, plain_fraction: float = 0.4):
        self.clips, self.styles, self.crop, self.plain_fraction = clips, tuple(styles), crop, plain_fraction

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, key):
        idx, seed = key
        rng = np.random.default_rng(seed)
        clip = self.clips[idx]
        style = choose_style(rng, len(self.styles), self.plain_fraction)
        try:
            with np.load(clip.path) as z:
                data = {k: z[k] for k in ("color", "flow_back", "flow_fwd", "mask_back", "mask_fwd")}
                data["target"] = data["color"] if style == 0 else z[f"target_{self.styles[style]}"]
        except (OSError, ValueError, KeyError):
            raise VidcolorError(f"training clip cache file is missing or corrupt: '{clip.path}' (delete the cache folder to rebuild it)") from None
        h, w = data["color"].shape[1:3]
        c = self.crop
        if h < c or w < c:
            raise VidcolorError(f"cached clip '{clip.path}' ({w}×{h}) is smaller than the crop {c}")
        y, x = int(rng.integers(0, h - c + 1)), int(rng.integers(0, w - c + 1))
        flip = rng.random() < 0.5
        cut = {k: v[:, y:y + c, x:x + c] for k, v in data.items()}
        return SyntheticClipDataset._pack(  # same packing (flip negates dx) as the synthetic clips
            list(cut["color"]), list(cut["target"]), list(cut["flow_back"].astype(np.float32)), list(cut["flow_fwd"].astype(np.float32)),
            list(cut["mask_back"].astype(np.float32)), list(cut["mask_fwd"].astype(np.float32)), style, flip)


class KeyedConcat(torch.utils.data.Dataset):
    """Concatenation of datasets indexed by ``(item, seed)``: item ``i`` of the whole is item
    ``i − offset`` of the part holding it, with the seed passed through unchanged."""

    def __init__(self, parts: list[torch.utils.data.Dataset]):
        self.parts = [p for p in parts if len(p) > 0]
        if not self.parts:
            raise ValueError("KeyedConcat needs at least one non-empty dataset")
        self.ends = list(np.cumsum([len(p) for p in self.parts]))

    def __len__(self) -> int:
        return int(self.ends[-1])

    def __getitem__(self, key):
        idx, seed = key
        if not 0 <= idx < len(self):
            raise IndexError(f"item {idx} out of range for {len(self)} items")
        part = bisect.bisect_right(self.ends, idx)
        start = self.ends[part - 1] if part else 0
        return self.parts[part][(int(idx - start), seed)]
