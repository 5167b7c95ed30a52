"""Reference keyframes at full resolution: the reference's own chroma, moved by the carried flow.

The planning pass (:mod:`vidcolor.control.propagate`) carries, for every frame of a referenced
shot, where each working-size pixel lies in the reference frame (composed DIS flow, ``disp``). The
network sees the reference as dense hints at its working size; this module then puts the
reference's chroma back at *full* resolution, sampled once through the composed displacement (not
a 256-px copy re-interpolated every frame). Two candidates per pixel: the moved one,
``x' = x + s · disp↑(x)``, and the still one, ``x' = x`` (composed flow drifts a little on still
backgrounds; the still candidate is exact there); the one whose lightness matches better wins:

    e(x')  = max(mean_{5×5} |L − L_ref(x')| − τ, 0)          (lightness L*/100 of the film)
    p(x)   = c_ref(x') · exp(−α · e(x')²)                     (x' = the better candidate)
    ab(x) ← ab(x) + p(x) · (ab_ref(x') − ab(x))

with ``↑`` bilinear upsampling to full size, ``s`` the full/working scale, ``c_ref`` the
reference's own confidence, and the network's upsampled chroma ``ab`` kept where neither candidate
matches (occlusions, new objects, flow errors). ``p`` is further scaled by a per-frame factor that
fades with the carried confidence (:data:`CONF_END`…:data:`CONF_FULL`) and over the last quarter
of the span, so the composite ends smoothly where the carried color ends instead of switching off
at once.

Between several references of a shot their chroma is averaged with weights ``w_i = p_i / (1 + d_i)``
(``d_i`` frames away), and the strength is the same weighted mean of the ``p_i``
(``Σ w_i p_i / Σ w_i``): a near reference that matches badly is not applied at full strength.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidcolor.flow.dis import pixel_grid

ALPHA = 100.0
"""Photometric sharpness α (per (L*/100)²): a local mismatch of 0.1 (0.08 beyond τ) keeps 53 % of the
reference. Chosen on clips made from training photos (``scripts/tune_reference.py``,
``docs/results/r2_tune_reference.txt``: 50–200 within 0.15 dB, softer settings worse)."""
TOLERANCE = 0.02
"""Lightness mismatch τ (L*/100) that costs nothing: compression noise and grain."""


def _local_error(lum: np.ndarray, ref_l: np.ndarray, radius: int) -> np.ndarray:
    """Mean |L − L_ref| over a ``(2r+1)²`` window, less the tolerance τ (≥ 0)."""
    k = 2 * radius + 1
    err = cv2.blur(cv2.absdiff(lum, ref_l), (k, k))
    return cv2.max(cv2.subtract(err, TOLERANCE), 0.0)


CONF_END, CONF_FULL = 0.02, 0.1
"""The composite fades in as the frame's highest carried confidence (:mod:`vidcolor.control.propagate`,
decay included) rises from ``CONF_END`` (where the planning pass stops carrying) to ``CONF_FULL``:
it ends smoothly where the carried color ends. A per-frame factor, not per pixel: the carried
confidence of a pixel never recovers after an occlusion, while the lightness test here does."""
FADE = 0.25
"""Over the last quarter of the span (frames from the reference) the composite fades out to nothing."""

STILL_RADIUS: float | None = None
"""Full-resolution pixels the composed flow may have moved a pixel for the still candidate to be
considered (None: everywhere)."""

def reference_chroma(plan, dense: list, luma_full: np.ndarray, radius: int = 2) -> tuple[np.ndarray, np.ndarray] | None:
    """``(ab (H,W,2), p (H,W))`` float32 carried from the references in ``dense`` (entries of
    :meth:`HintPlan.controls`) onto a frame whose lightness is ``luma_full`` ``(H, W)`` L*/100, or None.
    ``radius``: of the window the lightness mismatch is averaged over (full-resolution pixels)."""
    H, W = luma_full.shape
    lum = np.ascontiguousarray(luma_full, np.float32)
    found = []
    span = plan.span
    for key, dist, disp, conf in dense:
        ref = plan.reference(key, keep=len(dense))
        if ref is None or ref.shape[:2] != (H, W):
            continue
        xs, ys = pixel_grid(H, W)
        h, w = disp.shape[:2]
        d = cv2.resize(np.ascontiguousarray(disp, np.float32), (W, H), interpolation=cv2.INTER_LINEAR)
        mx = cv2.scaleAdd(d[..., 0], W / w, xs)
        my = cv2.scaleAdd(d[..., 1], H / h, ys)
        r = cv2.remap(ref, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        err = _local_error(lum, np.ascontiguousarray(r[..., 3]), radius)
        e0 = _local_error(lum, np.ascontiguousarray(ref[..., 3]), radius)  # the still candidate: the reference where the pixel is
        still = e0 < err
        if STILL_RADIUS is not None:  # the still candidate is for drift on still backgrounds, not for anything that moved
            still &= cv2.magnitude(mx - xs, my - ys) <= STILL_RADIUS
        still = still.view(np.uint8)
        cv2.copyTo(ref, still, r)
        err = cv2.min(err, e0)
        p = cv2.multiply(np.ascontiguousarray(r[..., 2]), cv2.exp(cv2.multiply(err, err, scale=-ALPHA)))
        gate = float(np.clip((float(conf.max()) - CONF_END) / (CONF_FULL - CONF_END), 0.0, 1.0))
        if span:
            gate *= float(np.clip((span - dist) / (FADE * span), 0.0, 1.0))
        if gate < 1.0:
            p = p * gate
        found.append((r[..., :2], p, dist))
    if not found:
        return None
    if len(found) == 1:
        return np.ascontiguousarray(found[0][0]), found[0][1]
    num = np.zeros((H, W, 2), np.float32)
    den = np.zeros((H, W), np.float32)
    strength = np.zeros((H, W), np.float32)
    for ab, p, dist in found:
        wgt = p / (1.0 + dist)
        num += ab * wgt[..., None]
        strength += wgt * p
        den += wgt
    den = np.maximum(den, 1e-6)
    return num / den[..., None], strength / den


def composite(ab: np.ndarray, plan, dense: list, luma_full: np.ndarray) -> np.ndarray:
    """``ab (H,W,2)`` (the network's upsampled chroma) with the references' full-resolution chroma
    composited on (module docstring); unchanged without usable references."""
    got = reference_chroma(plan, dense, luma_full)
    if got is None:
        return ab
    ref_ab, p = got
    ab = np.ascontiguousarray(ab, np.float32)
    return cv2.add(ab, cv2.multiply(cv2.subtract(np.ascontiguousarray(ref_ab), ab), cv2.merge([p, p])))
