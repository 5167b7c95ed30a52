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


CONF_END, CONF_FULL = 0.02, 0.1
"""The composite fades in as the frame's highest carried confidence (:mod:`vidcolor.control.propagate`,
decay included) rises from ``CONF_END`` (where the planning pass stops carrying) to ``CONF_FULL``:
it ends smoothly where the carried color ends. A per-frame factor, not per pixel: the carried
confidence of a pixel never recovers after an occlusion, while the lightness test here does."""
FADE = 0.25
"""Over the last quarter of the span (frames from the reference) the composite fades out to nothing."""

FLOOR = 0.0
"""Strength β of the still candidate where neither candidate matches (``p < β·c_ref``): the
reference's chroma where the pixel is, blended at β over the network's. 0: the network decides there."""

STILL_RADIUS: float | None = None
"""Full-resolution pixels the composed flow may have moved a pixel for the still candidate to be
considered (None: everywhere)."""

ERROR_AT_WORK_SIZE = True
"""Decide the candidate and the strength ``p`` at the working size (the size of ``disp``; the window
``radius / s``) and upsample them, instead of at full size: the lightness test is a 5×5 mean, smooth at
either size, and this takes about half the composite's time away. The chroma itself is still sampled
at full size. ``scripts/tune_reference.py --error-sizes work full`` compares both."""

_SPLIT: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _split(ref: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The reference's full-size ab ``(H, W, 2)`` and its (confidence, L) at working size ``(h, w)``,
    area-averaged, both contiguous; cached for the last few references (they are reused every frame)."""
    got = _SPLIT.get(id(ref))
    if got is not None and got[0] is ref and got[2].shape[:2] == size:
        return got[1], got[2]
    ab = np.ascontiguousarray(ref[..., :2])
    small = cv2.resize(np.ascontiguousarray(ref[..., 2:4]), (size[1], size[0]), interpolation=cv2.INTER_AREA)
    while len(_SPLIT) >= 4:
        _SPLIT.pop(next(iter(_SPLIT)))
    _SPLIT[id(ref)] = (ref, ab, small)
    return ab, small


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
    conf = np.where(use_still, still[..., 0], moved[..., 0])
    p = cv2.multiply(np.ascontiguousarray(conf, np.float32), cv2.exp(cv2.multiply(err, err, scale=-ALPHA)))
    if FLOOR > 0:  # where neither candidate matches, the reference's color where the pixel is, weakly
        weak = p < FLOOR * still[..., 0]
        use_still |= weak
        p = np.where(weak, FLOOR * still[..., 0], p).astype(np.float32)
    return use_still, p


def reference_chroma(plan, dense: list, luma_full: np.ndarray, radius: int = 2) -> tuple[np.ndarray, np.ndarray] | None:
    """``(ab (H,W,2), p (H,W))`` float32 carried from the references in ``dense`` (entries of
    :meth:`HintPlan.controls`) onto a frame whose lightness is ``luma_full`` ``(H, W)`` L*/100, or None.
    ``radius``: of the window the lightness mismatch is averaged over (full-resolution pixels)."""
    H, W = luma_full.shape
    lum = np.ascontiguousarray(luma_full, np.float32)
    found = []
    span = plan.span
    lum_small = None
    for key, dist, disp, conf in dense:
        ref = plan.reference(key, keep=len(dense))
        if ref is None or ref.shape[:2] != (H, W):
            continue
        xs, ys = pixel_grid(H, W)
        h, w = disp.shape[:2]
        disp = np.ascontiguousarray(disp, np.float32)
        d = cv2.resize(disp, (W, H), interpolation=cv2.INTER_LINEAR)
        mx = cv2.scaleAdd(d[..., 0], W / w, xs)
        my = cv2.scaleAdd(d[..., 1], H / h, ys)
        small = ERROR_AT_WORK_SIZE and H * W > h * w
        if small:  # the decision at working size, upsampled; the chroma at full size
            if lum_small is None:
                lum_small = cv2.resize(lum, (w, h), interpolation=cv2.INTER_AREA)
            ref_ab, ref_small = _split(ref, (h, w))
            sx, sy = pixel_grid(h, w)
            moved = cv2.remap(ref_small, cv2.add(sx, disp[..., 0]), cv2.add(sy, disp[..., 1]), cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            r_small = max(1, round(radius * w / W))
            use_still, p = _strength(lum_small, moved, ref_small, r_small)
            if STILL_RADIUS is not None:
                use_still &= cv2.magnitude(disp[..., 0] * (W / w), disp[..., 1] * (H / h)) <= STILL_RADIUS
            p = cv2.resize(p, (W, H), interpolation=cv2.INTER_LINEAR)
            use_still = cv2.resize(use_still.view(np.uint8), (W, H), interpolation=cv2.INTER_NEAREST)
            r = cv2.remap(ref_ab, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            cv2.copyTo(ref_ab, use_still, r)
            ab_ref = r
        else:
            r = cv2.remap(ref, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            use_still, p = _strength(lum, r[..., 2:4], ref[..., 2:4], radius)
            if STILL_RADIUS is not None:  # the still candidate is for drift on still backgrounds, not for anything that moved
                use_still &= cv2.magnitude(mx - xs, my - ys) <= STILL_RADIUS
            cv2.copyTo(ref, use_still.view(np.uint8), r)
            ab_ref = r[..., :2]
        gate = float(np.clip((float(conf.max()) - CONF_END) / (CONF_FULL - CONF_END), 0.0, 1.0))
        if span:
            gate *= float(np.clip((span - dist) / (FADE * span), 0.0, 1.0))
        if gate < 1.0:
            p = p * gate
        found.append((ab_ref, p, dist))
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
