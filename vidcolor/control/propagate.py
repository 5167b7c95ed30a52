"""Carrying user colors (reference keyframes, point hints) through each shot with optical flow.

A planning pass runs before rendering, at the network's working size, on the gray film only:

1. decode frames in order up to the last annotation + ``span`` frames (times such as ``12.5s``
   are resolved to frame indices on the way; an annotation beyond the end is an error, before any
   output is written), detecting scene cuts with the renderer's own detector (same cuts);
2. **forward**: from an annotated frame ``r`` to later frames ``t`` of its shot,
   ``ab_t = W(ab_{t−1}; F_{t→t−1})`` and ``c_t = c_{t−1}(W) · v_t · δ`` where ``F`` is DIS flow on the
   gray frames, ``v_t = inside · exp(−α (x_t − W(x_{t−1}))²)`` the photometric visibility (occluded
   or mis-tracked pixels lose confidence) and ``δ`` a per-frame decay; it stops at a cut, after
   ``span`` frames or when the confidence has faded;
3. **backward**: when the pass reaches ``r``, the same recursion runs from ``r`` back through a
   ring buffer of the last ``span`` frames (the *bounded lookahead*: memory is ``span`` small gray
   frames, whatever the film's length), stopping at the shot's first frame.

Every frame's contributions are written to a folder as float16 maps (flat memory); at render time
:meth:`HintPlan.hints` blends them: ``ab = Σ w_i ab_i / Σ w_i`` with ``w_i = c_i / (1 + d_i)``
(``d_i`` = distance in frames to the annotation: between two references of one shot the nearer
one dominates), confidence ``max_i c_i``. Shots without annotations get no hints (automatic).

Dense annotations (references) also carry a displacement ``disp_t`` (where each working-size pixel
of frame t lies in the annotated frame, composed along the flow: ``disp_t(x) = F(x) +
disp_{t−1}(x + F(x))``) and keep their full-resolution chroma and lightness (``ref_aNNNNN.npy``), so
finishing can sample the reference itself at full size once per frame
(:mod:`vidcolor.control.fullres`) instead of a copy re-interpolated at the working size every frame.
"""

from __future__ import annotations

import collections
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

from vidcolor.color import AB_SCALE, luma_lut
from vidcolor.control.hints_io import Annotation
from vidcolor.errors import VidcolorError
from vidcolor.flow.dis import compute_flow, pixel_grid
from vidcolor.models.hints import make_hints, resize_hints
from vidcolor.pipeline.scenes import SceneDetector

DEFAULT_SPAN = 300
"""Frames a color is carried from its keyframe in each direction (12 s at 25 fps)."""

DECAY = 0.995
"""Per-frame confidence decay δ of a carried color (what reaches the network as hint confidence)."""

PRESET = "medium"
"""DIS preset of the planning pass ("fast" saves ~3 ms a frame but costs 0.7–1.4 dB on clips made
from training photos: docs/results/r2_tune_reference.txt)."""


_NPY_LOCK = threading.Lock()


def _load(path) -> np.ndarray:
    """``np.load`` of a plan file, one thread at a time: NumPy parses the ``.npy`` header with
    ``ast.literal_eval``, and CPython 3.11's AST constructor keeps its recursion counter per
    interpreter, not per thread — two threads parsing at once fail with "SystemError: AST
    constructor recursion depth mismatch" (python/cpython#106905). The render reads plan files
    from the decode thread and references from the inference and encoder threads."""
    with _NPY_LOCK:
        return np.load(path)


def _f16(a: np.ndarray) -> np.ndarray:
    return torch.from_numpy(np.ascontiguousarray(a, np.float32)).to(torch.float16).numpy()  # SIMD; NumPy's is 10× slower


def _f32(a: np.ndarray) -> np.ndarray:
    return torch.from_numpy(np.ascontiguousarray(a)).float().numpy()


def annotation_to_working(ann: Annotation, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Full-resolution annotation → ``(ab (h,w,2), conf (h,w))`` at working ``size`` (sparse points survive)."""
    hm = make_hints(torch.from_numpy(ann.ab).permute(2, 0, 1)[None], torch.from_numpy(ann.conf)[None, None])
    hm = resize_hints(hm, size)[0]
    conf = hm[2].numpy().astype(np.float32)
    ab = (hm[:2] / hm[2:].clamp_min(1e-6) * AB_SCALE * (hm[2:] > 0)).permute(1, 2, 0).numpy().astype(np.float32)
    return np.ascontiguousarray(ab), np.ascontiguousarray(conf)


@dataclass
class _Carry:
    ref: int            # annotated frame index
    key: int            # annotation number
    ab: np.ndarray
    conf: np.ndarray
    prev_u8: np.ndarray
    prev_l: np.ndarray
    disp: np.ndarray | None = None   # (h, w, 2) where each pixel lies in the annotated frame, minus its own position (dense only)


@dataclass
class HintPlan:
    """Per-frame hint contributions on disk; ``hints(index)`` → ``(3, h, w)`` float32 map or None."""

    folder: Path
    size: tuple[int, int]
    span: int = DEFAULT_SPAN
    index: dict = field(default_factory=lambda: collections.defaultdict(list))
    annotated: dict = field(default_factory=dict)   # frame → annotation source
    cuts: list = field(default_factory=list)

    refs: dict = field(default_factory=dict)        # annotation number → cached reference_parts
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _save(self, frame: int, key: int, dist: int, ab: np.ndarray, conf: np.ndarray, disp: np.ndarray | None = None) -> None:
        if float(conf.max()) < 0.02:
            return
        path = self.folder / f"f{frame:09d}_a{key:05d}_d{dist:06d}.npy"
        arr = cv2.merge([ab, conf] + ([disp] if disp is not None else []))
        np.save(path, _f16(arr))   # displacements: float16 is 1/32 px below 64 px
        self.index[frame].append((path, dist))

    def _save_reference(self, key: int, ann: Annotation, luma: np.ndarray) -> None:
        """Keep a dense annotation at full resolution: ``(H, W, 4)`` = ab, confidence, the frame's L*/100."""
        arr = np.dstack([ann.ab, ann.conf, luma]).astype(np.float16)
        np.save(self.folder / f"ref_a{key:05d}.npy", arr)

    def reference(self, key: int) -> np.ndarray | None:
        """Full-resolution ``(H, W, 4)`` float32 of dense annotation ``key`` (ab, confidence, L*/100), or None."""
        path = self.folder / f"ref_a{key:05d}.npy"
        return _load(path).astype(np.float32) if path.exists() else None

    def reference_parts(self, key: int, keep: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """What the composite samples of dense annotation ``key``: its full-resolution ab ``(H, W, 2)``,
        its (confidence, L*/100) area-averaged to the working size ``(h, w, 2)`` and its full-resolution
        L*/100 ``(H, W)``, all float32 and contiguous; or None. The ``keep`` most recently used stay in memory (they serve every frame
        of the shot). Thread-safe: the inference thread decides at the working size, the encoder
        thread samples at full size."""
        with self._lock:
            if key in self.refs:
                self.refs[key] = self.refs.pop(key)  # most recently used last
                return self.refs[key]
            ref = self.reference(key)
            if ref is None:
                return None
            while self.refs and len(self.refs) >= max(1, keep):
                self.refs.pop(next(iter(self.refs)))
            h, w = self.size
            small = cv2.resize(np.ascontiguousarray(ref[..., 2:4]), (w, h), interpolation=cv2.INTER_AREA)
            self.refs[key] = (np.ascontiguousarray(ref[..., :2]), small, np.ascontiguousarray(ref[..., 3]))
            return self.refs[key]

    def finish(self, fingerprint: str = "") -> None:
        """Mark the plan complete (``plan.json``: working size, cuts, annotated frames, fingerprint)."""
        import json

        (self.folder / "plan.json").write_text(json.dumps({"size": list(self.size), "cuts": self.cuts, "fingerprint": fingerprint,
                                                           "span": self.span,
                                                           "annotated": {str(k): v for k, v in self.annotated.items()}}))

    @staticmethod
    def fingerprint_of(folder: str | os.PathLike) -> str | None:
        import json

        try:
            return json.loads((Path(folder) / "plan.json").read_text()).get("fingerprint")
        except (OSError, ValueError):
            return None

    @classmethod
    def load(cls, folder: str | os.PathLike, size: tuple[int, int] | None = None) -> "HintPlan":
        """Re-open a plan written by :func:`plan_hints` (e.g. in a segment worker)."""
        import json

        try:
            meta = json.loads((Path(folder) / "plan.json").read_text())
        except (OSError, ValueError):
            meta = {}
        if size is None:
            size = meta["size"]
        plan = cls(Path(folder), tuple(size), int(meta.get("span", DEFAULT_SPAN)))
        for p in sorted(Path(folder).glob("f*_a*_d*.npy")):
            f, _, d = p.stem.split("_")
            plan.index[int(f[1:])].append((p, int(d[1:])))
        return plan

    def frames(self) -> list[int]:
        return sorted(self.index)

    def hints(self, frame: int) -> np.ndarray | None:
        """``(3, h, w)`` hint map of ``frame`` at working size (:mod:`vidcolor.models.hints`), or None."""
        return self.controls(frame)[0]

    def controls(self, frame: int) -> tuple[np.ndarray | None, list]:
        """``(hints, dense)`` of ``frame``: the working-size hint map (or None) and, for dense
        annotations (references), a list of ``(key, dist, disp (h,w,2), conf (h,w))`` for the
        full-resolution composite (:mod:`vidcolor.control.fullres`): annotation number, frames
        away, where each working-size pixel lies in the annotated frame (relative to itself), and
        the carried confidence."""
        items = self.index.get(frame)
        if not items:
            return None, []
        arrays = [(path, dist, _f32(_load(path))) for path, dist in items]
        if any(dist == 0 and arr.shape[-1] == 5 for _, dist, arr in arrays):
            # a reference's own frame is the artist's: references carried from other frames of the shot
            # (one frame away, they weighed half of it) are left out; point hints stay
            arrays = [x for x in arrays if x[1] == 0 or x[2].shape[-1] != 5]
        num = np.zeros(self.size + (2,), np.float32)
        den = np.zeros(self.size, np.float32)
        conf = np.zeros(self.size, np.float32)
        dense = []
        for path, dist, arr in arrays:
            w = arr[..., 2] / (1.0 + dist)
            num += arr[..., :2] * w[..., None]
            den += w
            conf = np.maximum(conf, arr[..., 2])
            if arr.shape[-1] == 5:
                dense.append((int(path.stem.split("_")[1][1:]), dist, arr[..., 3:5], arr[..., 2]))
        ab = num / np.maximum(den, 1e-6)[..., None]
        hints = np.concatenate([ab / AB_SCALE * conf[..., None], conf[..., None]], axis=-1).transpose(2, 0, 1).copy()
        return hints, dense


class _Propagator:
    def __init__(self, plan: HintPlan, alpha: float = 50.0, decay: float = DECAY, preset: str | None = None, tolerance: float = 0.0):
        self.plan, self.alpha, self.decay, self.tolerance = plan, alpha, decay, tolerance
        self.preset = preset or PRESET
        self._flow = (None, None, None)  # (dst, src, flow): carries moving between the same frames share one flow

    def step(self, ab, conf, src_u8, src_l, dst_u8, dst_l, disp=None):
        """Carry ``(ab, conf)`` known on frame *src* onto frame *dst* (flow dst → src); with ``disp``
        (src's displacement to the annotated frame) also returns dst's:
        ``disp_dst(x) = F(x) + disp_src(x + F(x))`` — positions are composed, so the full-resolution
        reference is sampled once at render time instead of being re-interpolated every frame."""
        h, w = dst_l.shape
        if self._flow[0] is dst_u8 and self._flow[1] is src_u8:
            flow = self._flow[2]
        else:
            flow = compute_flow(dst_u8, src_u8, self.preset)
            self._flow = (dst_u8, src_u8, flow)
        xs, ys = pixel_grid(h, w)
        mx, my = cv2.add(xs, np.ascontiguousarray(flow[..., 0])), cv2.add(ys, np.ascontiguousarray(flow[..., 1]))
        inside = ((mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)).astype(np.float32)
        src_warp = cv2.remap(src_l, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        err = cv2.max(cv2.subtract(cv2.absdiff(dst_l, src_warp), self.tolerance), 0.0)  # grain and noise below the tolerance cost nothing
        vis = cv2.multiply(cv2.exp(cv2.multiply(err, err, scale=-self.alpha)), inside)
        ab2 = cv2.remap(ab, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        conf2 = cv2.multiply(cv2.remap(conf, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0), vis, scale=self.decay)
        if disp is None:
            return ab2, conf2, None
        disp2 = cv2.add(cv2.remap(disp, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), flow)
        return ab2, conf2, disp2


def _with_next_time(frames):
    """``(frame, time of the next frame)`` for each frame in order; None after the last (or unknown)."""
    it = iter(frames)
    cur = next(it, None)
    while cur is not None:
        nxt = next(it, None)
        yield cur, (nxt.time if nxt is not None else None)
        cur = nxt


def _nearest(t: float, time: float | None, next_time: float | None, last_step: float) -> bool:
    """Is the frame at ``time`` (seconds; None: unknown) the one to show at ``t``, the next frame
    being at ``next_time`` (None: this is the last, shown until the film ends ``last_step`` after
    it — the step before it, or a period)? Frames come in order, so the first for which this holds
    is the nearest: halfway between two frames is the boundary, whatever the spacing (a
    variable-rate film); a time inside the last frame's display (a player's end time, 1.5 s on a
    1.5-s film) is that frame."""
    if time is None:
        return False
    limit = (time + next_time) / 2 if next_time is not None and next_time > time else time + last_step
    return t <= limit + 1e-9


def plan_hints(frames, annotations: list[Annotation], working_size: tuple[int, int], folder: str | os.PathLike,
               frame_count: int | None = None, span: int = DEFAULT_SPAN, frame_period: float | None = None,
               max_frames: int | None = None) -> HintPlan:
    """Run the planning pass (see the module docstring) over ``frames``, an iterable of decoded gray
    frames (``.image`` uint8 ``(H,W)``, ``.index``, ``.time``) in order; returns the :class:`HintPlan`.

    Annotations with a ``time`` get the index of the frame nearest that time, by the frames' own
    timestamps (a variable-rate film's gaps included; a tie goes to the earlier frame); the last
    frame takes times up to ½ ``frame_period`` after it, later ones are beyond the end.
    ``max_frames``: only the first ``max_frames`` frames will be rendered, so colors are carried
    forward no further (the pass still reads on to every annotation: a later one reaches back).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    h, w = working_size
    plan = HintPlan(folder, (h, w), span)
    lut = luma_lut(8)
    pending = set(range(len(annotations)))
    for a in annotations:
        if a.frame is not None and a.frame < 0:
            raise VidcolorError(f"frame {a.frame} of '{a.source}' is negative")
    prop = _Propagator(plan)
    detector = SceneDetector()
    ring: collections.deque = collections.deque(maxlen=span + 1)
    carries: list[_Carry] = []
    shot_start = 0
    last_needed = None
    n_seen = 0
    step = frame_period or 0.0   # how long the last frame lasts: the step before it, else a period
    prev_time = None
    dense_at: dict[int, str] = {}
    for fr, next_time in _with_next_time(frames):
        if prev_time is not None and fr.time is not None and fr.time > prev_time:
            step = fr.time - prev_time
        prev_time = fr.time
        idx = fr.index
        n_seen = idx + 1
        img = fr.image if fr.image.ndim == 2 else cv2.cvtColor(fr.image, cv2.COLOR_RGB2GRAY)
        u8 = img if img.shape == (h, w) else cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
        lum = lut[u8]
        if detector.update(idx, u8, fr.time):
            shot_start = idx
            plan.cuts.append(idx)
            carries = []
        ring.append((idx, u8, lum))
        # forward carries onto this frame
        alive = []
        for c in carries:
            if idx - c.ref > span:
                continue
            c.ab, c.conf, c.disp = prop.step(c.ab, c.conf, c.prev_u8, c.prev_l, u8, lum, c.disp)
            c.prev_u8, c.prev_l = u8, lum
            if float(c.conf.max()) >= 0.02:
                plan._save(idx, c.key, idx - c.ref, c.ab, c.conf, c.disp)
                alive.append(c)
        carries = alive
        # annotations that land on this frame
        for key, a in enumerate(annotations):
            if key not in pending:
                continue
            hit = a.frame == idx if a.frame is not None else _nearest(a.time, fr.time, next_time, step)
            if not hit:
                continue
            pending.discard(key)
            a.frame = idx
            if a.dense:  # "0=a.png" with "0s=b.png", or two times within one frame: two colorings of one frame
                if idx in dense_at:
                    raise VidcolorError(f"two references land on frame {idx}: '{dense_at[idx]}' and '{a.source}'; "
                                        "give one image per frame")
                dense_at[idx] = a.source
            ab, conf = annotation_to_working(a, (h, w))
            disp = None
            if a.dense:
                disp = np.zeros((h, w, 2), np.float32)
                plan._save_reference(key, a, lut[img])
            plan._save(idx, key, 0, ab, conf, disp)
            plan.annotated[idx] = a.source
            carries.append(_Carry(idx, key, ab, conf, u8, lum, disp))
            # backward through the ring buffer (bounded lookahead), within this shot
            bab, bconf, bdisp, nxt_u8, nxt_l = ab, conf, disp, u8, lum
            for j, pu8, pl in reversed(list(ring)[:-1]):
                if j < shot_start:
                    break
                bab, bconf, bdisp = prop.step(bab, bconf, nxt_u8, nxt_l, pu8, pl, bdisp)
                nxt_u8, nxt_l = pu8, pl
                if float(bconf.max()) < 0.02:
                    break
                plan._save(j, key, idx - j, bab, bconf, bdisp)
        if pending:
            continue
        if last_needed is None:
            last_needed = idx + span if max_frames is None else min(idx + span, max_frames - 1)
        if not carries or idx >= last_needed:
            break
    if pending:
        a = annotations[min(pending)]
        what = f"frame {a.frame}" if a.frame is not None else f"time {a.time:g}s"
        total = frame_count if frame_count else n_seen
        raise VidcolorError(f"'{Path(a.source).name}' is for {what}, beyond the end of the video ({total} frame{'' if total == 1 else 's'}: the last is {total - 1})")
    plan.finish()
    return plan
