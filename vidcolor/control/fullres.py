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
reference's own confidence. The network's upsampled chroma ``ab`` is kept where neither candidate
matches (occlusions, new objects, flow errors). ``p`` is further scaled by a per-frame factor that
fades with the carried confidence (:data:`CONF_END`…:data:`CONF_FULL`) and over the last quarter
of the span, so the composite ends smoothly where the carried color ends instead of switching off
at once.

Three steps, in two threads of the video pipeline:

1. :func:`decide` (inference thread, working size): the weight of the still candidate ``m ∈ {0, 1}``
   and the strength ``p`` per reference, from a 3×3 window there (about 5×5 at full size). Video
   then smooths both along the motion (:class:`DecisionSmoother`): a pixel whose two candidates
   match about equally well would otherwise switch between them from frame to frame, and that
   flickers (warping error 0.67 vs automatic's 0.46 ×10⁻⁴ on moving clips made from training
   photos; 0.52, the color clips' own, once smoothed: ``docs/results/r4_reference_flicker_diagnosis.txt``,
   ``r4_tune_reference.txt``).
2. :func:`composite` (encoder thread, full size): ``ab_ref = moved + m↑ · (still − moved)``, sampled
   at full size, blended with ``p↑`` (optionally scaled by the lightness test repeated at full size,
   :data:`FULL_RADIUS`: off, see there). (Choosing by position instead, ``x' = x + (1 − m↑)·s·disp↑``,
   saves a blend but samples between the candidates where ``m`` is soft: 30.80 vs 31.33 dB and warping
   error 0.80e-4 vs 0.52e-4 on the moving clips of ``docs/results/r4_tune_reference.txt``.)

3. :class:`CompositeSmoother` (encoder thread, full size, frames in order): the composited chroma
   smoothed along the stabilizer's flow like the stabilizer smooths the network's — the reference
   is sampled anew every frame through a displacement composed from noisy per-frame flow.

Between several references of a shot their chroma is averaged with weights ``w_i = p_i / (1 + d_i)``
(``d_i`` frames away), and the strength is the same weighted mean of the ``p_i``
(``Σ w_i p_i / Σ w_i``): a near reference that matches badly is not applied at full strength.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

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

SMOOTHING = 0.85
"""β of :class:`DecisionSmoother`: the stabilizer's (:class:`~vidcolor.pipeline.stabilize.TemporalStabilizer`)."""

COMPOSITE_SMOOTHING = 0.85
"""β of :class:`CompositeSmoother`: the stabilizer's too (``scripts/tune_reference.py
--composite-smoothing`` compares others on clips made from training photos)."""

FULL_RADIUS = 0
"""Radius (full-size pixels) of a second lightness test :func:`composite` can make at full size (0:
off, as shipped). Tried in round 16 for thin detail the working size cannot see (a reference's
burned-in caption painted on bare wall): on real clips that are neither training nor held-out data
1 and 2 tied and beat off by a hair (PSNR 32.92 vs 32.86 dB, warping error 0.970 vs 0.971 of
automatic's; ``docs/results/r16_tune_full_radius.txt``), but on the five held-out clips radius 1
lost 0.04–0.63 dB on four (fine texture and flow misregistration at full size switch pixels to the
network's chroma) and gained 0.40 dB on the captioned one, with warping error as it was
(``docs/results/r16_control_videos_full1.txt``): not shipped."""

COMPOSITE_ROBUST = 0.0
"""σ of :class:`CompositeSmoother`'s robust weight, in Lab ab units (0 = off): a chroma change
``Δ`` from the warped previous frame is averaged with weight ``exp(−(Δ/σ)²)`` — jitter of a few
units is smoothed, a real change (a new object, the flow gone wrong) followed at once. Off: on six
real clips that are neither training nor held-out data (``scripts/tune_reference_flicker.py``,
``docs/results/r14_tune_reference_flicker.txt``) σ = 4, alone or with β = 0.95, left the warping
error as it was (mean ratio to automatic's 0.974 / 0.973 vs 0.971) and cost 0.07 dB."""


@dataclass
class Decision:
    """What :func:`decide` found for one reference on one frame, at the working size ``(h, w)``."""

    key: int             # annotation number (HintPlan)
    dist: int            # frames from the reference
    disp: np.ndarray     # (h, w, 2) float32: where each pixel lies in the reference, minus its own position
    still: np.ndarray    # (h, w) float32 in [0, 1]: weight of the still candidate
    p: np.ndarray        # (h, w) float32 in [0, 1]: strength, the per-frame fade included


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


def decide(plan, dense: list, lum_small: np.ndarray, full_size: tuple[int, int], radius: int = 2) -> list[Decision]:
    """Working-size decisions for the references in ``dense`` (entries of :meth:`HintPlan.controls`)
    on a frame of full size ``(H, W)`` whose lightness at the working size is ``lum_small`` ``(h, w)``
    L*/100. ``radius``: of the window the lightness mismatch is averaged over, in full-size pixels.
    References whose full-size chroma does not match ``full_size`` are skipped."""
    H, W = full_size
    out = []
    span = plan.span
    for key, dist, disp, conf in dense:
        parts = plan.reference_parts(key, keep=max(2, len(dense)))
        if parts is None or parts[0].shape[:2] != (H, W):
            continue
        ref_small = parts[1]
        h, w = disp.shape[:2]
        disp = np.ascontiguousarray(disp, np.float32)
        lum = lum_small if lum_small.shape == (h, w) else cv2.resize(lum_small, (w, h), interpolation=cv2.INTER_AREA)
        lum = np.ascontiguousarray(lum, np.float32)
        sx, sy = pixel_grid(h, w)
        moved = cv2.remap(ref_small, cv2.add(sx, disp[..., 0]), cv2.add(sy, disp[..., 1]), cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        use_still, p = _strength(lum, moved, ref_small, max(1, round(radius * w / W)))
        gate = float(np.clip((float(conf.max()) - CONF_END) / (CONF_FULL - CONF_END), 0.0, 1.0))
        if span:
            gate *= float(np.clip((span - dist) / (FADE * span), 0.0, 1.0))
        if gate < 1.0:
            p = p * gate
        out.append(Decision(key, dist, disp, use_still.astype(np.float32), p.astype(np.float32)))
    return out


class DecisionSmoother:
    """Exponential moving average of each reference's decision maps along the motion, like
    :class:`~vidcolor.pipeline.stabilize.TemporalStabilizer` (whose flow and photometric confidence
    it reuses): ``m_t ← m_t + β·c·(W(m_{t−1}) − m_t)``, the same for ``p``. State is one frame of
    working-size maps per reference; :meth:`reset` at cuts and where a frame has no reference."""

    def __init__(self, strength: float | None = None):
        self.strength = SMOOTHING if strength is None else strength
        self.reset()

    def reset(self) -> None:
        self._state: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, decisions: list[Decision], motion) -> list[Decision]:
        """``motion``: ``(map_x, map_y, conf)`` of the current frame onto the previous one at the
        working size (:attr:`TemporalStabilizer.motion`), or None (no previous frame: no smoothing)."""
        state = {}
        for d in decisions:
            prev = self._state.get(d.key)
            if prev is not None and motion is not None and prev[0].shape == d.p.shape == motion[2].shape and self.strength > 0:
                mx, my, conf = motion
                wgt = (self.strength * conf).astype(np.float32)
                for name, old in (("still", prev[0]), ("p", prev[1])):
                    cur = getattr(d, name)
                    warped = cv2.remap(old, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
                    setattr(d, name, cv2.add(cur, cv2.multiply(cv2.subtract(warped, cur), wgt)))
            state[d.key] = (d.still, d.p)
        self._state = state
        return decisions


class CompositeSmoother:
    """Exponential moving average of the *composited* full-size chroma along the motion, where the
    reference was composited: ``ab_t ← ab_t + β·c↑·p·(W↑(ab_{t−1}) − ab_t)`` with the stabilizer's
    working-size flow and photometric confidence ``c`` (:attr:`TemporalStabilizer.motion`)
    upsampled to full size (the flow scaled by W/w, H/h), ``p`` the composite's strength
    (:func:`composite`) and ``β`` = :data:`COMPOSITE_SMOOTHING`, the stabilizer's own. Where ``p`` = 0 the
    network's chroma, already stabilized at the working size, is left as it is (no second average,
    so nothing lags there and nothing jumps where the references end: their fade takes ``p`` to 0).

    Why: the stabilizer smooths the network's chroma at the working size, but the reference's
    chroma is composited after it, at full size, sampled anew every frame through a displacement
    composed from per-frame DIS flow; the flow's noise (a few tenths of a full-size pixel) moves
    every sharp chroma edge of the reference a little, and that flickered: warping error 4.20 vs
    automatic's 2.81 ×10⁻⁵ on a held-out clip (balle-jbart.mp4), 3.62 with this smoothing, whose
    PSNR rose too (34.91 → 35.38 dB; movie.avi 19.50 → 18.98 vs 18.19, +0.15 dB); β was not tuned
    on them (it is the stabilizer's β): ``docs/results/r13_reference_flicker.txt``. State: one full-size chroma frame; it restarts
    (no smoothing) at a frame without references, a cut (no motion), a gap in frame indices, and
    at a reference's own frame (``exact``: its chroma is the artist's, sampled without composed
    flow — smoothing it would blur a later reference of the shot into its predecessor)."""

    def __init__(self, strength: float | None = None):
        self.strength = COMPOSITE_SMOOTHING if strength is None else strength
        self.reset()

    def settle_frames(self, upstream: float = SMOOTHING, tolerance: float = 0.021) -> int:
        """Frames after which an earlier state weighs less than ``tolerance`` (at full confidence
        and strength) in the smoothed composite — the warm-up a segment with references needs to
        match a single pass. Two averages in cascade: this one's state ``e`` and what it averages
        in, the composite of the stabilized chroma and the smoothed decisions (``upstream`` β₁,
        the stabilizer's), which carry an earlier state of their own: ``e_n = β·e_{n−1} + (1−β)·β₁ⁿ``,
        ``e_0 = 1`` — ``βⁿ·(1 + n·(1−β))`` for β₁ = β, so 36 frames where one average needs 24
        (:meth:`TemporalStabilizer.settle_frames`). Measured with the bundled model, a join 70
        frames into a shot with a reference at its first frame: 5 code values off a single pass
        after 24 frames, 3 after 30, 1 after 36 (automatic colorization: 1 after 24)."""
        beta = self.strength
        if beta <= 0.0 and upstream <= 0.0:
            return 0
        own, up, n = 1.0, 1.0, 0
        while own >= tolerance:
            up *= upstream
            own = beta * own + (1.0 - beta) * up
            n += 1
        return n

    def reset(self) -> None:
        self._prev: np.ndarray | None = None
        self._index: int | None = None

    def __call__(self, ab: np.ndarray, p: np.ndarray, motion, index: int, exact: bool = False) -> np.ndarray:
        """``ab`` ``(H, W, 2)`` float32 composited chroma of frame ``index`` and ``p`` ``(H, W)``
        float32 in [0, 1] the composite's strength; ``motion``: ``(map_x, map_y, conf)`` ``(h, w)``
        float32 of this frame onto the previous one at the working size, or None; ``exact``: the
        frame has a reference of its own (taken as is, the smoothing restarts from it) → the
        smoothed ``(H, W, 2)`` float32 chroma."""
        prev = self._prev
        if (not exact and prev is not None and motion is not None and self._index == index - 1 and prev.shape == ab.shape
                and self.strength > 0):
            mx, my, conf = motion
            h, w = conf.shape
            H, W = ab.shape[:2]
            xs, ys = pixel_grid(h, w)
            flow = cv2.merge([cv2.subtract(mx, xs), cv2.subtract(my, ys)])
            flow = cv2.multiply(flow, (W / w, H / h, 0.0, 0.0))
            pos = cv2.add(cv2.resize(flow, (W, H), interpolation=cv2.INTER_LINEAR), _grid2(H, W))
            warped = cv2.remap(prev, pos, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            wgt = cv2.resize(np.ascontiguousarray(conf * self.strength, np.float32), (W, H), interpolation=cv2.INTER_LINEAR)
            wgt = cv2.multiply(wgt, np.ascontiguousarray(p, np.float32))
            if COMPOSITE_ROBUST > 0:
                diff = cv2.subtract(np.ascontiguousarray(ab, np.float32), warped)
                d2 = cv2.add(cv2.multiply(diff[..., 0], diff[..., 0]), cv2.multiply(diff[..., 1], diff[..., 1]))
                wgt = cv2.multiply(wgt, cv2.exp(cv2.multiply(d2, -1.0 / (COMPOSITE_ROBUST * COMPOSITE_ROBUST))))
            ab = cv2.blendLinear(np.ascontiguousarray(ab, np.float32), warped, 1.0 - wgt, wgt)
        self._prev, self._index = ab, index
        return ab


@functools.lru_cache(maxsize=4)
def _grid2(h: int, w: int) -> np.ndarray:
    """``(h, w, 2)`` float32 pixel coordinates (x, y), read-only: the base of a two-channel remap map."""
    xs, ys = pixel_grid(h, w)
    g = cv2.merge([xs, ys])
    g.flags.writeable = False
    return g


def _sample(plan, d: Decision, H: int, W: int, keep: int, lum: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Full-size ``(ab_ref (H,W,2), p (H,W))`` of one decision (``keep``: references the plan caches).
    With the frame's full-size lightness ``lum`` ``(H, W)`` L*/100, the lightness test is repeated
    at full size over :data:`FULL_RADIUS` and ``p`` scaled by it."""
    parts = plan.reference_parts(d.key, keep=keep)
    if parts is None or parts[0].shape[:2] != (H, W):
        return None
    ref_ab = parts[0]
    h, w = d.disp.shape[:2]
    pos = cv2.add(cv2.resize(d.disp * np.array([W / w, H / h], np.float32), (W, H), interpolation=cv2.INTER_LINEAR), _grid2(H, W))
    ab = cv2.remap(ref_ab, pos, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    check = lum is not None and FULL_RADIUS > 0
    if check:
        ref_l = cv2.remap(parts[2], pos, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if d.still.any():
        m = cv2.resize(d.still, (W, H), interpolation=cv2.INTER_LINEAR)
        ab = cv2.blendLinear(ab, ref_ab, 1.0 - m, m)
        if check:
            ref_l = cv2.blendLinear(ref_l, parts[2], 1.0 - m, m)
    p = cv2.resize(d.p, (W, H), interpolation=cv2.INTER_LINEAR)
    if check:
        k = 2 * FULL_RADIUS + 1
        err = cv2.blur(cv2.absdiff(np.ascontiguousarray(lum, np.float32), ref_l), (k, k))
        err = cv2.max(cv2.subtract(err, TOLERANCE), 0.0)
        p = cv2.multiply(p, cv2.exp(cv2.multiply(err, err, scale=-ALPHA)))
    return ab, p


def _combine(plan, decisions: list[Decision], H: int, W: int, lum: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    found = []
    for d in decisions:
        got = _sample(plan, d, H, W, keep=max(2, len(decisions)), lum=lum)
        if got is not None:
            found.append((got[0], got[1], d.dist))
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


def reference_chroma(plan, dense: list, luma_full: np.ndarray, radius: int = 2) -> tuple[np.ndarray, np.ndarray] | None:
    """``(ab (H,W,2), p (H,W))`` float32 carried from the references in ``dense`` (entries of
    :meth:`HintPlan.controls`) onto one frame whose lightness is ``luma_full`` ``(H, W)`` L*/100, or
    None: :func:`decide` then the full-size sampling, without temporal smoothing.

    Deciding at the working size equals deciding at full size on clips made from training photos
    (34.31 vs 34.27 dB moving, 36.01 vs 36.04 still, ``docs/results/r3_tune_reference.txt``) at a
    third of the cost."""
    H, W = luma_full.shape
    if not dense:
        return None
    h, w = dense[0][2].shape[:2]
    lum_small = cv2.resize(np.ascontiguousarray(luma_full, np.float32), (w, h), interpolation=cv2.INTER_AREA)
    return _combine(plan, decide(plan, dense, lum_small, (H, W), radius), H, W)


def composite(ab: np.ndarray, plan, decisions: list[Decision], strength: bool = False, lum: np.ndarray | None = None):
    """``ab (H,W,2)`` (the network's upsampled chroma) with the references' full-resolution chroma
    composited on (module docstring) as :func:`decide` (and :class:`DecisionSmoother`) found;
    unchanged without usable references. With ``strength``: ``(chroma, p)``, ``p`` ``(H, W)``
    float32 the composite's strength (None when nothing was composited)."""
    H, W = ab.shape[:2]
    got = _combine(plan, decisions, H, W, lum)
    if got is None:
        return (ab, None) if strength else ab
    ref_ab, p = got
    out = cv2.blendLinear(np.ascontiguousarray(ab, np.float32), ref_ab, 1.0 - p, p)
    return (out, p) if strength else out
