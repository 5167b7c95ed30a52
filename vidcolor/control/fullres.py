"""Reference keyframes at full resolution: the reference's own chroma, moved by the carried flow.

The planning pass (:mod:`vidcolor.control.propagate`) carries, for every frame of a referenced
shot, where each working-size pixel lies in the reference frame (composed DIS flow, ``disp``). The
network sees the reference as dense hints at its working size; this module then puts the
reference's chroma back at *full* resolution, sampled once through the composed displacement (not
a 256-px copy re-interpolated every frame). Two candidates per pixel: the moved one,
``x' = x + s · disp↑(x)``, and the still one, ``x' = x`` (composed flow drifts a little on still
backgrounds; the still candidate is exact there); the one whose lightness matches better wins:

    e(x')  = max(mean_win |L − L_ref(x')| − τ, 0)            (lightness L*/100 of the film)
    p(x)   = c_ref(x') · exp(−α · e(x')²)                     (x' = the better candidate)
    ab(x) ← ab(x) + p(x) · (ab_ref(x') − ab(x))

with ``↑`` bilinear upsampling to full size, ``s`` the full/working scale, ``c_ref`` the
reference's own confidence. ``e``, the choice of candidate and ``p`` are computed at the working
size (a 3×3 window there, about 5×5 at full size) and upsampled; ``ab_ref(x')`` is sampled at full
size. The network's upsampled chroma ``ab`` is kept where neither candidate
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


CONF_END, CONF_FULL = 0.02, 0.1
"""The composite fades in as the frame's highest carried confidence (:mod:`vidcolor.control.propagate`,
decay included) rises from ``CONF_END`` (where the planning pass stops carrying) to ``CONF_FULL``:
it ends smoothly where the carried color ends. A per-frame factor, not per pixel: the carried
confidence of a pixel never recovers after an occlusion, while the lightness test here does."""
FADE = 0.25
"""Over the last quarter of the span (frames from the reference) the composite fades out to nothing."""

def _strength(lum: np.ndarray, moved: np.ndarray, still: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """``(use_still, p)`` from the lightness ``lum``, the moved and the still reference's (conf, L)
    planes ``(…, 2)``: the candidate with the smaller windowed mismatch wins (compared before the
    tolerance, so a near tie inside τ still goes to the better match), then ``p`` as in the module
    docstring."""
    k = 2 * radius + 1
    err = cv2.blur(cv2.absdiff(lum, np.ascontiguousarray(moved[..., 1])), (k, k))
    e0 = cv2.blur(cv2.absdiff(lum, np.ascontiguousarray(still[..., 1])), (k, k))
    use_still = e0 < err
    err = cv2.max(cv2.subtract(cv2.min(err, e0), TOLERANCE), 0.0)
    conf = np.where(use_still, still[..., 0], moved[..., 0]).astype(np.float32)
    return use_still, cv2.multiply(conf, cv2.exp(cv2.multiply(err, err, scale=-ALPHA)))


def reference_chroma(plan, dense: list, luma_full: np.ndarray, radius: int = 2) -> tuple[np.ndarray, np.ndarray] | None:
    """``(ab (H,W,2), p (H,W))`` float32 carried from the references in ``dense`` (entries of
    :meth:`HintPlan.controls`) onto a frame whose lightness is ``luma_full`` ``(H, W)`` L*/100, or None.
    ``radius``: of the window the lightness mismatch is averaged over (full-resolution pixels).

    The candidate and the strength ``p`` are decided at the working size (the size of ``disp``, the
    window scaled with it) and upsampled; only the chroma is sampled at full size. On clips made from
    training photos this equals deciding at full size (34.31 vs 34.27 dB moving, 36.01 vs 36.04 still,
    ``docs/results/r3_tune_reference.txt``) at a third of the cost."""
    H, W = luma_full.shape
    lum = np.ascontiguousarray(luma_full, np.float32)
    found = []
    span = plan.span
    lum_small = None
    for key, dist, disp, conf in dense:
        parts = plan.reference_parts(key, keep=len(dense))
        if parts is None or parts[0].shape[:2] != (H, W):
            continue
        ref_ab, ref_small = parts
        h, w = disp.shape[:2]
        disp = np.ascontiguousarray(disp, np.float32)
        if lum_small is None:
            lum_small = cv2.resize(lum, (w, h), interpolation=cv2.INTER_AREA)
        sx, sy = pixel_grid(h, w)
        moved = cv2.remap(ref_small, cv2.add(sx, disp[..., 0]), cv2.add(sy, disp[..., 1]), cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        use_still, p = _strength(lum_small, moved, ref_small, max(1, round(radius * w / W)))
        p = cv2.resize(p, (W, H), interpolation=cv2.INTER_LINEAR)
        use_still = cv2.resize(use_still.view(np.uint8), (W, H), interpolation=cv2.INTER_NEAREST)
        xs, ys = pixel_grid(H, W)
        d = cv2.resize(disp, (W, H), interpolation=cv2.INTER_LINEAR)
        ab_ref = cv2.remap(ref_ab, cv2.scaleAdd(d[..., 0], W / w, xs), cv2.scaleAdd(d[..., 1], H / h, ys), cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        cv2.copyTo(ref_ab, use_still, ab_ref)
        gate = float(np.clip((float(conf.max()) - CONF_END) / (CONF_FULL - CONF_END), 0.0, 1.0))
        if span:
            gate *= float(np.clip((span - dist) / (FADE * span), 0.0, 1.0))
        if gate < 1.0:
            p = p * gate
        found.append((ab_ref, p, dist))
    if not found:
        return None
    if len(found) == 1:
        return found[0][0], found[0][1]
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
    return cv2.add(ab, cv2.multiply(cv2.subtract(ref_ab, ab), cv2.merge([p, p])))
