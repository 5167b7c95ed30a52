"""Per-frame work of the video pipeline, split by the thread it runs in.

* :meth:`FrameProcessor.prepare` (decoder thread): luma → L*/100 by lookup table at full size, and
  an area-downscaled copy at the working size;
* :meth:`FrameProcessor.infer` (main thread, batched): the generator on the working-size batch,
  then — in frame order — scene-cut detection, flow-guided stabilization and, where a shot has
  reference keyframes, the working-size decisions of their composite, smoothed along the same flow;
* :meth:`FrameProcessor.finish` (encoder thread, frames in order): guided upsampling of the chroma
  onto the full-resolution luminance, the reference keyframes' full-resolution chroma where a shot
  has one (:mod:`vidcolor.control.fullres`), smoothed along the stabilizer's flow, and Lab → RGB
  (OpenCV; NumPy releases the GIL). A frame that is not written (a segment's warm-up) must still be
  finished when it carries references, so that this smoothing starts where a single pass's would.

On CUDA, upsampling and color conversion run batched on the GPU inside :meth:`infer` instead, with
host→device copies from pinned memory on a separate stream — except for batches with reference
frames, which are finished on the CPU like above.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from vidcolor.color import keep_luma, lab_to_rgb, lab_to_rgb_u8, lab_to_rgb_u16, lightness_to_luma, luma_lut
from vidcolor.control import fullres
from vidcolor.control.fullres import CompositeSmoother, DecisionSmoother, composite, decide
from vidcolor.pipeline.engine import Colorizer
from vidcolor.pipeline.scenes import SceneDetector
from vidcolor.pipeline.stabilize import TemporalStabilizer
from vidcolor.pipeline.upsample import guided_upsample_np


@dataclass
class Prepared:
    index: int
    pts: int | None
    time: float | None
    full_u8: np.ndarray   # (H, W) uint8 luma at full size (L* is looked up when needed: 4× less memory)
    low_u8: np.ndarray    # (h, w) uint8 luma at working size
    low: np.ndarray       # (h, w) float32 L*/100 at working size
    hints: np.ndarray | None = None  # (3, h, w) float32 hint map of this frame (user colors), if any
    alpha: np.ndarray | None = None  # (H, W) alpha plane of the input frame, carried unchanged to the writer
    dense: list | None = None        # references carried onto this frame (HintPlan.controls), composited at full size
    full16: np.ndarray | None = None  # (H, W) uint16 luma at full scale 65535, for a film written with more than 8 bits


@dataclass
class Rendered:
    index: int
    pts: int | None
    write: bool
    rgb: np.ndarray | None = None        # (H, W, 3) uint8 when finished on the GPU
    lab_low: np.ndarray | None = None    # (h, w, 3) float32 otherwise
    low: np.ndarray | None = None
    full_u8: np.ndarray | None = None
    alpha: np.ndarray | None = None      # the input frame's alpha plane (Prepared.alpha)
    dense: list | None = None            # the references' composite decisions (vidcolor.control.fullres.Decision)
    motion: tuple | None = None          # with dense: the stabilizer's (map_x, map_y, conf) onto the previous frame
    full16: np.ndarray | None = None     # Prepared.full16: finished with 16 bits (uint16 RGB)


class FrameProcessor:
    def __init__(self, colorizer: Colorizer, style: int, temporal: bool = True, detect_scenes: bool = True, first_written: int = 0,
                 hint_plan=None):
        """``hint_plan``: a :class:`~vidcolor.control.propagate.HintPlan` (user colors carried
        through the shots) or None for automatic colorization."""
        self.col, self.style = colorizer, style
        self.hint_plan = hint_plan
        name = colorizer.styles[style] if style < len(colorizer.styles) else None  # added styles: the defaults
        self.stabilizer = TemporalStabilizer.for_style(name) if temporal else None
        self.ref_smoother = DecisionSmoother() if temporal else None
        self.composite_smoother = CompositeSmoother() if temporal else None   # encoder thread (finish), frames in order
        self.detector = SceneDetector() if (temporal or detect_scenes) else None
        self.first_written = first_written
        self.lut = luma_lut(8)
        self.matrix = "bt601"   # the output's YCbCr matrix (output_matrix(VideoInfo.matrix)): whose luma weights plain colorization keeps
        self._size: tuple[int, int] | None = None
        self._cuda = colorizer.device.type == "cuda"
        self._copy_stream = torch.cuda.Stream(colorizer.device) if self._cuda else None
        self._pinned: dict = {}
        self._flip: dict = {}

    @property
    def cuts(self):
        return self.detector.cuts if self.detector is not None else []

    def prepare(self, frame) -> Prepared:
        img = frame.image
        if img.ndim == 3:
            img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        h, w = img.shape
        if self._size is None:
            self._size = self.col.working_size(h, w)
        hh, ww = self._size
        low_u8 = img if (hh, ww) == (h, w) else cv2.resize(img, (ww, hh), interpolation=cv2.INTER_AREA)
        hints, dense = self.hint_plan.controls(frame.index) if self.hint_plan is not None else (None, [])  # file reads stay off the inference thread
        dense = dense if (dense and self.style == 0) else None  # a style repaints the colors: references reach it as hints only
        return Prepared(frame.index, frame.pts, frame.time, img, low_u8, self.lut[low_u8], hints, getattr(frame, "alpha", None), dense,
                        getattr(frame, "deep", None))

    def _upload(self, arr: np.ndarray) -> torch.Tensor:
        """Host array → device tensor. On CUDA: staged through reused pinned buffers (two per shape,
        alternating; an event guards each against reuse while its copy is in flight) and copied on a
        side stream that the compute stream then waits for."""
        t = torch.from_numpy(np.ascontiguousarray(arr))
        if not self._cuda:
            return t
        key = (tuple(t.shape), t.dtype)
        slots = self._pinned.setdefault(key, [])
        if len(slots) < 2:
            slots.append([torch.empty(t.shape, dtype=t.dtype, pin_memory=True), None])
            slot = slots[-1]
        else:
            slot = slots[self._flip.get(key, 0)]
            self._flip[key] = 1 - self._flip.get(key, 0)
        if slot[1] is not None:
            slot[1].synchronize()
        slot[0].copy_(t)
        with torch.cuda.stream(self._copy_stream):
            d = slot[0].to(self.col.device, non_blocking=True)
            slot[1] = torch.cuda.Event()
            slot[1].record(self._copy_stream)
        torch.cuda.current_stream(self.col.device).wait_stream(self._copy_stream)
        d.record_stream(torch.cuda.current_stream(self.col.device))
        return d

    def infer(self, batch: list[Prepared]) -> list[Rendered]:
        low = self._upload(np.stack([p.low for p in batch])[:, None])
        hints = None
        if any(p.hints is not None for p in batch):
            empty = np.zeros((3,) + batch[0].low.shape, np.float32)
            hints = self._upload(np.stack([p.hints if p.hints is not None else empty for p in batch]).astype(np.float32))
        lab_low = self.col.predict_low(low, self.style, hints).permute(0, 2, 3, 1).cpu().numpy()
        frames = []
        for k, p in enumerate(batch):
            cut = self.detector.update(p.index, p.low_u8, p.time) if self.detector is not None else False
            lab = lab_low[k]
            if self.stabilizer is not None:
                if cut:
                    self.stabilizer.reset()
                lab = self.stabilizer(p.low_u8, p.low, lab, self.style)
            if p.dense:
                p.dense = decide(self.hint_plan, p.dense, p.low, p.full_u8.shape)
                if self.ref_smoother is not None:  # exists with the stabilizer, whose motion is None after a cut
                    p.dense = self.ref_smoother(p.dense, self.stabilizer.motion)
            elif self.ref_smoother is not None:
                self.ref_smoother.reset()
            frames.append((lab, self.stabilizer.motion if p.dense and self.stabilizer is not None else None))
        out = []
        if self._cuda and not any(p.dense or p.full16 is not None for p in batch):
            # reference frames are composited at full size on the CPU, and deep frames finished there with 16 bits
            rgb = self._finish_gpu(batch, np.stack([lab for lab, _ in frames]))
            for k, p in enumerate(batch):
                out.append(Rendered(p.index, p.pts, p.index >= self.first_written, rgb=rgb[k], alpha=p.alpha))
        else:
            for p, (lab, motion) in zip(batch, frames):
                out.append(Rendered(p.index, p.pts, p.index >= self.first_written, lab_low=lab, low=p.low, full_u8=p.full_u8,
                                    alpha=p.alpha, dense=p.dense, motion=motion, full16=p.full16))
        return out

    @torch.inference_mode()
    def _finish_gpu(self, batch: list[Prepared], lab_low: np.ndarray) -> np.ndarray:
        lab = self._upload(np.ascontiguousarray(lab_low)).permute(0, 3, 1, 2)
        low = self._upload(np.stack([p.low for p in batch])[:, None])
        full = self._upload(self.lut[np.stack([p.full_u8 for p in batch])][:, None])
        rgb = lab_to_rgb(self.col.upsample(lab, low, full, self.style))
        if self.style == 0 and self.col.preserve == "luma":
            rgb = keep_luma(rgb, lightness_to_luma(full), self.matrix)
        return (rgb * 255 + 0.5).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()

    def _luma(self, r: Rendered) -> tuple:
        """``(luma, matrix)`` arguments of :func:`lab_to_rgb_u8`: plain colorization keeps the input's
        luma (:func:`vidcolor.color.keep_luma`; its 16-bit one for a deep film), a style repaints
        lightness too."""
        if self.style == 0 and self.col.preserve == "luma":
            return (r.full_u8 if r.full16 is None else r.full16, self.matrix)
        return (None,)

    def _composite(self, ab: np.ndarray, r: Rendered) -> np.ndarray:
        """The references' full-size chroma composited onto ``ab`` ``(H, W, 2)``, then smoothed along
        the motion (:class:`~vidcolor.control.fullres.CompositeSmoother`; frames must come in order)."""
        lum = self.lut[r.full_u8] if fullres.FULL_RADIUS > 0 else None   # the full-size test, when on
        out, p = composite(ab, self.hint_plan, r.dense, strength=True, lum=lum)
        if self.composite_smoother is not None:
            if p is None:   # no usable reference on this frame: nothing composited to smooth
                self.composite_smoother.reset()
            else:
                exact = any(d.dist == 0 for d in r.dense)   # a reference's own frame: the artist's colors
                out = self.composite_smoother(out, p, r.motion, r.index, exact=exact)
        return out

    def finish(self, r: Rendered) -> np.ndarray:
        """Full-resolution RGB ``(H, W, 3)`` for a rendered frame: uint8, or uint16 (full scale 65535)
        for a frame read with 16 bits (:attr:`Prepared.full16`). Plain colorization keeps the input's
        luma Y′ with the input's matrix (:attr:`matrix`)."""
        if r.rgb is not None:
            return r.rgb
        deep = r.full16 is not None
        to_rgb = lab_to_rgb_u16 if deep else lab_to_rgb_u8
        full, low, lab = (luma_lut(16)[r.full16] if deep else self.lut[r.full_u8]), r.low, r.lab_low
        H, W = full.shape
        if not r.dense and self.composite_smoother is not None:
            self.composite_smoother.reset()
        if lab.shape[:2] == (H, W):
            L = full * 100.0 if self.style == 0 else lab[..., 0]
            ab = self._composite(lab[..., 1:], r) if r.dense else lab[..., 1:]
            return to_rgb(_lab(L, ab), *self._luma(r))
        if self.style == 0:
            ab = guided_upsample_np(lab[..., 1:], low, full)
            if r.dense:
                ab = self._composite(ab, r)
            L = full * 100.0
            return to_rgb(_lab(L, ab), *self._luma(r))
        l_low = np.ascontiguousarray(lab[..., 0] / 100.0, dtype=np.float32)
        lf = np.clip(cv2.resize(l_low, (W, H), interpolation=cv2.INTER_CUBIC), 0, 1)
        ab = guided_upsample_np(lab[..., 1:], l_low, lf)
        return to_rgb(_lab(lf * 100.0, ab))


def _lab(L: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """``L`` ``(H, W)`` and ``ab`` ``(H, W, 2)`` → one float32 ``(H, W, 3)`` Lab image (OpenCV's merge:
    the same array as ``np.dstack``, 1.3 ms a frame faster at 640×480)."""
    return cv2.merge([np.ascontiguousarray(L, dtype=np.float32), np.ascontiguousarray(ab, dtype=np.float32)])


__all__ = ["FrameProcessor", "Prepared", "Rendered"]
