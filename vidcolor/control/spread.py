"""Edge-aware spreading of sparse color hints along the objects they touch.

A network given a handful of user points changes the picture *globally* at best; a restorer who
marks "this coat is navy" expects the coat to turn navy up to its outline and nothing beyond it.
This module spreads the *correction* each hint asks for — ``r = hint_ab − network_ab`` at the
hinted pixels — over the frame with an edge-aware filter guided by the gray frame, so a hint reaches
along its object and stops at strong edges, and the network's own colors stay everywhere no hint
reaches.

Filter: the recursive domain transform (Gastal & Oliveira, "Domain Transform for Edge-Aware Image
and Video Processing", SIGGRAPH 2011), used as a normalized convolution. Along each row/column the
distance between neighbours is ``d = 1 + (σ_s/σ_r)·|ΔL|`` (``L`` the gray frame in [0, 1]), each
pass is the first-order recursion ``J[n] ← J[n] + a^d[n]·(J[n−1] − J[n])`` with ``a = exp(−√2/σ_i)``,
left→right, right→left, top→bottom, bottom→top, ``iterations`` times with the per-iteration
``σ_i = σ_s·√3·2^(N−i)/√(4^N − 1)``; the guide is the gray frame slightly blurred (fine texture
loses its many small edges, an edge between objects keeps its full contrast). With ``F_σ`` that
filter at reach σ divided by its response ``p_σ`` at an isolated pixel of a flat frame, ``m`` the hint
mask (confidence) and ``F = F_wide + w·F_near`` (a wide filter reaching the whole region plus a near
one, so that each of several hints wins next to itself):

    Δab = F(m·r) / (F(m) + λ)

so a pixel in the same flat region as a hint receives its correction in full (``F(m) ≫ λ``),
the correction fades with distance (``exp(−|x|/σ)``-like, a reach of about a third of the frame's
short side) and vanishes across an edge whose contrast makes ``d`` large, and between several hints
the corrections are blended by their weights. A single point fixes its object and its
surroundings, not the whole frame. With ``K`` hints, the mean of their corrections ``r̄`` joins as a
pseudo-hint everywhere, of weight ``γ = g·(K−1)/(K−1 + κ)`` (several hints say what the whole
frame needs; one says nothing about it):

    Δab = (F(m·r) + γ·r̄) / (F(m) + γ + λ)
"""

from __future__ import annotations

import functools
import math

import torch

#: spatial reach (× the frame's short side), edge sensitivity (gray levels in [0, 1]), prior strength.
#: Chosen in round 6 on the 47 validation photos of the shipped model's run (never on held-out
#: photos) for two kinds of placement at once (``scripts/tune_spread.py --set local7 --scenarios
#: random10 worst1 worst3``, ``docs/results/r6_tune_spread_local*.txt``): 10 random true-color
#: points, and 1 or 3 points where a user would put them, on the largest errors of the automatic
#: output; the best mean gain over the three: +1.62 / +0.53 / +0.73 dB over automatic (with the
#: global term below: +1.95 / +0.53 / +0.73). Round 2's
#: choice (reach 1.5, σ_r 0.1, guide blur 0.03, chosen on training photos with random points only)
#: spread one point over everything its blurred edges did not stop — +1.10 / −4.73 / −5.50 dB on
#: the same photos (one point on a yellow fruit turned the sky yellow)
SIGMA_S = 0.3
SIGMA_R = 0.035
PRIOR = 1.0
ITERATIONS = 3
#: Gaussian blur (× the short side) of the gray frame before it guides the filter: it lowers the
#: total variation of fine texture (foliage, fabric) that would otherwise stop a hint inside its
#: object, while an edge between objects keeps most of its contrast (2.6 px at 256 px; more blur
#: also erased the outlines of small objects, and their hints leaked out)
GUIDE_BLUR = 0.01
#: a near filter on top of the wide one, so that each of several hints in one region wins next to
#: itself (the wide filter alone blends them almost evenly across the region)
LOCAL_SIGMA = 0.1
LOCAL_WEIGHT = 16.0
#: a global term: every pixel also gets the mean correction of the frame's hints, as a pseudo-hint
#: of weight ``γ = GLOBAL_WEIGHT·(K−1)/(K−1 + GLOBAL_COUNT)`` for K hints (a point or a scribble
#: each): a single hint leaves the rest of the frame alone, ten say what the whole frame needs
#: (γ = 0.52). Chosen like the local parameters, same photos and rule (``--set global8/global9``,
#: run with K for K−1, then ``--set joint10`` with the local reach and edges re-tried beside it:
#: weight 2 → 4, count 60; ``docs/results/r6_tune_spread_global*.txt``, ``r6_tune_spread_joint10.txt``). K counts each hint by its confidence (a hint
#: carried through a video fades out of the global term as it fades)
GLOBAL_WEIGHT = 4.0
GLOBAL_COUNT = 60.0
#: a non-local term (round 8): with several hints, every pixel also gets the corrections of the
#: hints whose *features* it shares — blurred lightness (σ ``NONLOCAL_L``, in [0, 1]) and the
#: network's own chroma (σ ``NONLOCAL_AB``, ab units) — wherever it is in the frame, as a pseudo-hint
#: of weight ``γ_nl(x) = NONLOCAL_WEIGHT·(K−1)/(K−1 + NONLOCAL_COUNT)·max_j w_j(x)``: like the
#: global term, gated by the number of hints K, because one point says nothing about the rest of
#: the frame (round 6 tried the term without that gate: ten random points gained, but one point on
#: a yellow fruit turned the sky yellow — ``docs/results/r6_nonlocal_spread_rejected.txt``). 0: off.
#: Chosen on the 47 validation photos (``scripts/tune_spread.py --set nonlocal12/13/14``,
#: ``docs/results/r8_tune_spread_nonlocal*.txt``): the best mean gain over random10 / worst1 / worst3
#: among the settings that leave no scenario below the term switched off — +2.07 / +0.55 / +0.84 dB
#: over automatic, against +1.83 / +0.55 / +0.82 without it (with one point the gate is 0: unchanged)
NONLOCAL_WEIGHT = 8.0
NONLOCAL_COUNT = 60.0
NONLOCAL_L = 0.05
NONLOCAL_AB = 12.0
#: frames whose short side is longer are spread at this size and the filtered sums upsampled
#: (None: at the working size): the correction is smooth, and the recursion costs per column. On the
#: 47 validation photos (``--set speed11``, ``docs/results/r6_tune_spread_speed11.txt``) 96 px was
#: as good as the working size or better (random / 1 / 3 user-placed points +1.93 / +0.60 / +0.83 dB
#: vs +1.95 / +0.53 / +0.73; coarser edges let a point fill more of a textured object) at 7 instead
#: of 20 ms a frame (352×256)
MAX_SHORT: int | None = 96
#: hint maps covering more than this fraction of the frame are dense (a reference carried by flow):
#: they are composited as they are, not spread
SPARSE_FRACTION = 0.05


def _sigmas(sigma_s: float, iterations: int) -> list[float]:
    n = iterations
    return [sigma_s * math.sqrt(3) * 2 ** (n - i - 1) / math.sqrt(4**n - 1) for i in range(n)]


def _pass(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Recursive filter along the last dim, both directions. ``x [..., W]``, ``v [..., W-1]`` the
    feedback coefficients between neighbours (``a^d``; broadcastable to ``x``'s leading dims):
    ``J[n] ← J[n] + v[n−1]·(J[n−1] − J[n])`` left→right, then the mirror image. One in-place lerp
    per column on a column-major copy (about 2× the speed of building new tensors)."""
    y = x.movedim(-1, 0).clone(memory_format=torch.contiguous_format)   # never the caller's storage
    c = v.expand(*x.shape[:-1], v.shape[-1]).movedim(-1, 0).contiguous()
    for n in range(1, y.shape[0]):
        y[n].lerp_(y[n - 1], c[n - 1])
    for n in range(y.shape[0] - 2, -1, -1):
        y[n].lerp_(y[n + 1], c[n])
    return y.movedim(0, -1)


def domain_transform(x: torch.Tensor, guide: torch.Tensor, sigma_s, sigma_r=SIGMA_R,
                     iterations: int = ITERATIONS) -> torch.Tensor:
    """Edge-aware recursive filter of ``x [N,C,H,W]`` guided by ``guide [N,1,H,W]`` in [0, 1];
    ``sigma_s`` in pixels. ``sigma_s`` and ``sigma_r`` may also be sequences of K values: the
    channels are then K equal groups, each filtered with its own pair, in one sweep."""
    x = x.float()
    g = guide.float()
    scalar = lambda v: getattr(v, "ndim", None) == 0 or not hasattr(v, "__len__")  # noqa: E731  (numbers, 0-d arrays/tensors)
    ss = [float(sigma_s)] if scalar(sigma_s) else [float(v) for v in sigma_s]
    sr = [float(sigma_r)] * len(ss) if scalar(sigma_r) else [float(v) for v in sigma_r]
    if len(sr) != len(ss) or not ss or x.shape[1] % len(ss):
        raise ValueError(f"domain_transform: {len(ss)} sigma_s and {len(sr)} sigma_r for {x.shape[1]} channels "
                         "(one pair, or one per equal group of channels)")
    per = x.shape[1] // len(ss)
    gx = (g[..., :, 1:] - g[..., :, :-1]).abs()   # [N,1,H,W-1]
    gy = (g[..., 1:, :] - g[..., :-1, :]).abs()   # [N,1,H-1,W]
    dx = [1 + s / r * gx for s, r in zip(ss, sr)]
    dy = [1 + s / r * gy for s, r in zip(ss, sr)]
    steps = [_sigmas(s, iterations) for s in ss]
    for i in range(iterations):
        a = [math.exp(-math.sqrt(2) / st[i]) for st in steps]
        vx = torch.cat([(ak ** d).expand(-1, per, -1, -1) for ak, d in zip(a, dx)], 1)
        vy = torch.cat([(ak ** d).expand(-1, per, -1, -1) for ak, d in zip(a, dy)], 1)
        x = _pass(x, vx)
        x = _pass(x.transpose(-1, -2), vy.transpose(-1, -2)).transpose(-1, -2)
    return x


@functools.lru_cache(maxsize=16)
def _flat_peak(sigma_s: float, iterations: int) -> float:
    """Response at an isolated unit pixel of a flat frame (the 2-D filter is then separable)."""
    r = int(6 * sigma_s) + 1
    x = torch.zeros(1, 1, 1, 2 * r + 1, dtype=torch.float64)
    x[..., r] = 1
    for s in _sigmas(sigma_s, iterations):
        a = math.exp(-math.sqrt(2) / s)
        x = _pass(x, torch.full((1, 1, 1, 2 * r), a, dtype=torch.float64))
    return float(x[..., r]) ** 2


def is_sparse(hints: torch.Tensor) -> torch.Tensor:
    """``[N]`` bool: which hint maps ``[N,3,H,W]`` are sparse user hints (some, but few, pixels set)."""
    frac = (hints[:, 2] > 0).float().mean(dim=(-2, -1))
    return (frac > 0) & (frac <= SPARSE_FRACTION)


def _blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    if sigma <= 0:
        return x
    import torch.nn.functional as F

    r = max(1, int(3 * sigma))
    k = torch.exp(-torch.arange(-r, r + 1, dtype=torch.float32) ** 2 / (2 * sigma**2))
    k = (k / k.sum()).to(x.device)
    x = F.pad(x, (r, r, r, r), mode="replicate")
    x = F.conv2d(x, k.view(1, 1, 1, -1))
    return F.conv2d(x, k.view(1, 1, -1, 1))


def spread_correction(gray: torch.Tensor, conf: torch.Tensor, correction: torch.Tensor, sigma_s: float = SIGMA_S,
                      sigma_r: float = SIGMA_R, prior: float = PRIOR, iterations: int = ITERATIONS,
                      guide_blur: float = GUIDE_BLUR, local_sigma: float = LOCAL_SIGMA,
                      local_weight: float = LOCAL_WEIGHT, global_weight: float = GLOBAL_WEIGHT,
                      global_count: float = GLOBAL_COUNT, max_short: int | None = MAX_SHORT, features: torch.Tensor | None = None,
                      nonlocal_weight: float = NONLOCAL_WEIGHT, nonlocal_count: float = NONLOCAL_COUNT,
                      nonlocal_l: float = NONLOCAL_L, nonlocal_ab: float = NONLOCAL_AB,
                      return_reach: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Spread sparse chroma corrections along objects.

    ``gray [N,1,H,W]`` in [0, 1] (the frame the edges come from), ``conf [N,1,H,W]`` in [0, 1] (hint
    confidence, 0 = none), ``correction [N,2,H,W]`` (Lab ab units, meaningful where ``conf > 0``) →
    dense correction ``[N,2,H,W]``: ``(F(conf·r) + γ·r̄) / (F(conf) + γ + prior)`` with
    ``F = F_L/p_L + w·F_S/p_S``, a wide filter (reach ``sigma_s``) plus a near one (reach
    ``local_sigma``, weight ``w``), each divided by its flat peak ``p``, and the global term
    ``γ = global_weight·(K−1)/(K−1 + global_count)`` for the frame's ``K`` hints, ``r̄`` their mean
    correction (:func:`hint_mean`; module docstring). ``sigma_s``, ``local_sigma`` and ``guide_blur``
    are fractions of the short side, so the result does not depend on the working resolution.
    ``max_short``: frames with a longer short side are filtered at that size (hints kept as
    points: confidence max-pooled, corrections confidence-averaged) and the filtered sums upsampled
    bilinearly; the global term and the division stay at full size. ``features``: the network's
    chroma ``[N,2,H,W]`` (ab units), for the non-local term (``nonlocal_*``, module constants; off
    without ``features`` or at weight 0). ``return_reach``: also return the reach ``[N,1,H,W]`` in
    [0, 1), ``W / (W + prior)`` with ``W`` the denominator's filtered weight — the share of a hint's
    correction that arrives at each pixel (≈ 1 along a hinted object, 0 across strong edges far
    from every hint), and the frame's hint count ``[N]`` (:func:`hint_mean`'s)."""
    import torch.nn.functional as F

    h, w = gray.shape[-2:]
    x = torch.cat([conf * correction, conf], 1).float()
    g = gray.float()
    if max_short and min(h, w) > max_short:
        from vidcolor.models.hints import resize_hints   # (conf·r, conf) is a hint map's layout

        k = max_short / min(h, w)
        size = (max(1, round(h * k)), max(1, round(w * k)))
        g = F.interpolate(g, size, mode="area")
        x = resize_hints(x, size)
    short = min(g.shape[-2:])
    guide = _blur(g.contiguous(), guide_blur * short)
    if local_weight > 0:   # both filters in one sweep (same edge distances: the ratio σ_s/σ_r is kept)
        both = domain_transform(torch.cat([x, x], 1), guide, (sigma_s * short, local_sigma * short),
                                (sigma_r, sigma_r * local_sigma / sigma_s), iterations)
        num = both[:, :3] / _flat_peak(sigma_s * short, iterations) + local_weight * both[:, 3:] / _flat_peak(local_sigma * short, iterations)
    else:
        num = domain_transform(x, guide, sigma_s * short, sigma_r, iterations) / _flat_peak(sigma_s * short, iterations)
    if tuple(num.shape[-2:]) != (h, w):
        num = F.interpolate(num, (h, w), mode="bilinear", align_corners=False)
    count = None
    if global_weight > 0 or return_reach:
        mean, count = hint_mean(conf, correction)
    if global_weight > 0:
        others = (count - 1).clamp_min(0)   # a hint's own correction says nothing about the rest of the frame
        gamma = torch.where(others > 0, global_weight * others / (others + global_count).clamp_min(1e-6), 0.0).view(-1, 1, 1, 1)
        num = num + gamma * torch.cat([mean.view(-1, 2, 1, 1), torch.ones_like(gamma)], 1)
    if nonlocal_weight > 0 and features is not None:
        num = num + _nonlocal(gray, conf, correction, features, nonlocal_weight, nonlocal_count, nonlocal_l, nonlocal_ab,
                              guide_blur)
    weight = num[:, 2:3] + prior
    if return_reach:
        return num[:, :2] / weight, num[:, 2:3] / weight, count
    return num[:, :2] / weight


def _nonlocal(gray, conf, correction, features, weight, count, sigma_l, sigma_ab, blur) -> torch.Tensor:
    """``[N,3,H,W]`` (γ_nl·r_nl, γ_nl) of the non-local term (module docstring): each hint ``j``
    (8-connected blob of ``conf > 0``) has its correction ``r_j``, peak confidence ``c_j`` and
    features (blurred lightness ``L_j``, network chroma ``ab_j``, confidence-weighted over the blob);
    ``w_j(x) = c_j·exp(−(L(x)−L_j)²/2σ_l² − |ab(x)−ab_j|²/2σ_ab²)``, ``r_nl = Σ w_j r_j / Σ w_j``.
    Sparse hint maps only (≤ :data:`SPARSE_FRACTION` of the frame): dense ones reach everywhere anyway."""
    n, _, h, w = gray.shape
    out = torch.zeros(n, 3, h, w, dtype=torch.float32, device=gray.device)
    lum = _blur(gray.float().contiguous(), blur * min(h, w))
    for k in range(n):
        if float((conf[k, 0] > 0).float().mean()) > SPARSE_FRACTION:   # dense hints (a reference, a painted area) cover the frame already
            continue
        got = _blobs(conf[k, 0], torch.cat([correction[k].float(), lum[k], features[k].float()], 0))
        if got is None:
            continue
        per, peak = got                                           # [K, 5]: r (2), L, ab (2); [K]
        K = float(peak.sum())
        if K <= 1:   # K − 1 = 0: no term
            continue
        g = weight * (K - 1) / (K - 1 + count)
        sw = torch.zeros(h, w, device=gray.device)
        swr = torch.zeros(2, h, w, device=gray.device)
        wmax = torch.zeros(h, w, device=gray.device)
        for j0 in range(0, per.shape[0], 16):   # hints in chunks: memory stays 16 frames' worth, however many
            p, c = per[j0:j0 + 16], peak[j0:j0 + 16]
            dl = (lum[k, 0][None] - p[:, 2, None, None]) ** 2 / (2 * sigma_l**2)                        # [k, H, W]
            dab = ((features[k][None].float() - p[:, 3:5, None, None]) ** 2).sum(1) / (2 * sigma_ab**2)
            wj = c[:, None, None] * torch.exp(-(dl + dab))
            sw += wj.sum(0)
            swr += (wj[:, None] * p[:, :2, None, None]).sum(0)
            wmax = torch.maximum(wmax, wj.max(0).values)
        gam = g * wmax
        out[k, :2] = gam * swr / sw.clamp_min(1e-6)
        out[k, 2] = gam
    return out


def hint_mean(conf: torch.Tensor, correction: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(mean [N,2], count [N])`` of each frame's separate hints (each 8-connected blob of
    ``conf > 0``, a point or a scribble, is one hint; its correction is the confidence-weighted mean
    over its pixels, its weight its peak confidence ``c_j``): ``mean = Σ c_j r_j / Σ c_j`` and
    ``count = Σ c_j`` (the number of hints when all are fully trusted; hints carried through a video
    count less as their confidence fades). ``conf [N,1,H,W]`` in [0, 1], ``correction [N,2,H,W]``."""
    n = conf.shape[0]
    mean = torch.zeros(n, 2, dtype=torch.float32, device=conf.device)
    count = torch.zeros(n, dtype=torch.float32, device=conf.device)
    for k in range(n):
        got = _blobs(conf[k, 0], correction[k].float())
        if got is None:
            continue
        r, peak = got
        count[k] = peak.sum()
        mean[k] = (peak[:, None] * r).sum(0) / count[k].clamp_min(1e-6)
    return mean, count


def _blobs(m: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The separate hints of one confidence map ``m [H,W]`` (8-connected blobs of ``m > 0``):
    ``(means [K,C], peaks [K])`` — each blob's ``m``-weighted mean of ``values [C,H,W]`` and its
    peak confidence — or None without hints."""
    import cv2
    import numpy as np

    m = m.float()
    k_blobs, labels = cv2.connectedComponents((m > 0).cpu().numpy().astype(np.uint8), connectivity=8)
    if k_blobs <= 1:
        return None
    lab = torch.from_numpy(labels).to(m.device).flatten().long()
    w = m.flatten()
    weighted = torch.cat([values.flatten(1).t() * w[:, None], w[:, None]], 1)   # [HW, C+1]
    sums = torch.zeros(k_blobs, weighted.shape[1], device=m.device).index_add_(0, lab, weighted)[1:]
    peak = torch.zeros(k_blobs, device=m.device).scatter_reduce_(0, lab, w, "amax")[1:]
    return sums[:, :-1] / sums[:, -1:].clamp_min(1e-6), peak
