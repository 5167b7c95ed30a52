"""Image and video quality metrics for colorization, each with the formula and its source.

Conventions (see :mod:`vidcolor.color`): RGB is sRGB (gamma-encoded) float in [0, 1], as a tensor
``[N, 3, H, W]`` (a batch: the result is a ``[N]`` float64 tensor, one value per image) or
``[3, H, W]`` (one image: the result is a Python float). Luminance is ``L*/100`` in [0, 1],
``[N, 1, H, W]``. Computation is in float64 on the inputs' device.

* :func:`psnr` — peak signal-to-noise ratio, data range 1.
* :func:`ssim` — structural similarity (Wang et al. 2004), mean over the R, G, B channels.
* :func:`colorfulness` — Hasler & Süsstrunk (2003), the ``M^(3)`` metric.
* :func:`cdc` — NTIRE 2023 Video Colorization Challenge "Color Distribution Consistency".
* :func:`video_warping_error` — Lai et al. (ECCV 2018) warping error with DIS flow on the input
  luminance and forward–backward occlusion masks.
* :func:`gray_baseline` — the "do nothing" colorization: the image's own L* with zero chroma.

``docs/metrics.md`` explains each one and what higher/lower means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from vidcolor.color import gray_to_lab, lab_to_rgb, rgb_to_gray
from vidcolor.evaluation.warping import warping_error_per_frame
from vidcolor.flow.dis import compute_flow, flow_to_tensor
from vidcolor.flow.warp import fb_consistency_mask

#: SSIM constants of Wang et al. (2004), section III-C.
SSIM_K1, SSIM_K2, SSIM_WINDOW, SSIM_SIGMA = 0.01, 0.03, 11, 1.5
#: Hasler & Süsstrunk (2003) weight of the mean term in ``M^(3)``.
COLORFULNESS_MEAN_WEIGHT = 0.3
#: Frame distances Δ and their weights in the NTIRE 2023 CDC.
CDC_DILATIONS, CDC_WEIGHTS = (1, 2, 4), (1 / 3, 1 / 3, 1 / 3)


def _batch(x: torch.Tensor, channels: int | None, name: str) -> tuple[torch.Tensor, bool]:
    """``[C,H,W]`` or ``[N,C,H,W]`` → (float64 ``[N,C,H,W]``, was_single). The one shape check here."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    single = x.dim() == 3
    if single:
        x = x.unsqueeze(0)
    if x.dim() != 4 or (channels is not None and x.shape[1] != channels):
        want = f"[N,{channels},H,W] or [{channels},H,W]" if channels else "[N,C,H,W] or [C,H,W]"
        raise ValueError(f"{name} must be {want}, got {tuple(x.shape)}")
    return x.double(), single


def _pair(a: torch.Tensor, b: torch.Tensor, channels: int | None) -> tuple[torch.Tensor, torch.Tensor, bool]:
    a, single = _batch(a, channels, "a")
    b, _ = _batch(b, channels, "b")
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {tuple(a.shape)} vs {tuple(b.shape)}")
    return a, b.to(a.device), single


def _out(values: torch.Tensor, single: bool):
    return float(values[0]) if single else values


def psnr(a: torch.Tensor, b: torch.Tensor):
    """Peak signal-to-noise ratio in dB per image, data range 1.

    ``PSNR = 10 · log10(1 / MSE)``, ``MSE`` the mean of ``(a − b)²`` over all channels and pixels of
    one image. Identical images give ``inf``. Inputs: RGB (or any channel count) in [0, 1].
    """
    a, b, single = _pair(a, b, None)
    mse = (a - b).pow(2).mean(dim=(1, 2, 3))
    return _out(10.0 * torch.log10(1.0 / mse), single)


def _gaussian_window(size: int = SSIM_WINDOW, sigma: float = SSIM_SIGMA, dtype=torch.float64, device=None) -> torch.Tensor:
    x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    g = torch.exp(-x.pow(2) / (2 * sigma ** 2))
    return g / g.sum()


def _filter_valid(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """Separable Gaussian filter of ``[M,1,H,W]`` keeping only the 'valid' positions."""
    x = F.conv2d(x, g.view(1, 1, 1, -1))
    return F.conv2d(x, g.view(1, 1, -1, 1))


def ssim(a: torch.Tensor, b: torch.Tensor, data_range: float = 1.0):
    """Mean structural similarity per image (Wang, Bovik, Sheikh & Simoncelli, IEEE TIP 2004).

    For each channel, local statistics under an 11×11 Gaussian window (σ = 1.5, normalised) give
    ``SSIM(x) = (2 μa μb + C1)(2 σab + C2) / ((μa² + μb² + C1)(σa² + σb² + C2))`` with
    ``C1 = (0.01 L)²``, ``C2 = (0.03 L)²``, ``L = data_range`` and population (biased) variances.
    The SSIM map is averaged over the positions where the window fits inside the image ('valid',
    as in the authors' MATLAB code), then **averaged over the R, G, B channels** (not computed on
    luminance, which a colorization keeps by construction). Equals
    ``skimage.metrics.structural_similarity(a, b, channel_axis=-1, gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False, data_range=1)``. Images must be at least 11×11.
    """
    a, b, single = _pair(a, b, None)
    n, c, h, w = a.shape
    if min(h, w) < SSIM_WINDOW:
        raise ValueError(f"SSIM needs images of at least {SSIM_WINDOW}×{SSIM_WINDOW}, got {h}×{w}")
    g = _gaussian_window(device=a.device)
    x, y = a.reshape(n * c, 1, h, w), b.reshape(n * c, 1, h, w)
    mu_x, mu_y = _filter_valid(x, g), _filter_valid(y, g)
    sxx = _filter_valid(x * x, g) - mu_x ** 2
    syy = _filter_valid(y * y, g) - mu_y ** 2
    sxy = _filter_valid(x * y, g) - mu_x * mu_y
    c1, c2 = (SSIM_K1 * data_range) ** 2, (SSIM_K2 * data_range) ** 2
    smap = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2))
    return _out(smap.mean(dim=(1, 2, 3)).view(n, c).mean(1), single)


def colorfulness(rgb: torch.Tensor):
    """Colorfulness ``M^(3)`` of Hasler & Süsstrunk ("Measuring colourfulness in natural images",
    SPIE Human Vision and Electronic Imaging VIII, 2003), on sRGB values scaled to 0–255.

    ``rg = R − G``, ``yb = ½(R + G) − B``; ``σ_rgyb = √(σ_rg² + σ_yb²)``,
    ``μ_rgyb = √(μ_rg² + μ_yb²)`` (population statistics over the image's pixels);
    ``M = σ_rgyb + 0.3 · μ_rgyb``. 0 for any neutral (R = G = B) image; the paper's scale puts
    "not colourful" near 0, "moderately" near 33 and "extremely colourful" above about 109.
    """
    x, single = _batch(rgb, 3, "rgb")
    x = x * 255.0
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    rg, yb = r - g, 0.5 * (r + g) - b
    std = torch.sqrt(rg.var(dim=(1, 2), unbiased=False) + yb.var(dim=(1, 2), unbiased=False))
    mean = torch.sqrt(rg.mean(dim=(1, 2)) ** 2 + yb.mean(dim=(1, 2)) ** 2)
    return _out(std + COLORFULNESS_MEAN_WEIGHT * mean, single)


def gray_baseline(rgb: torch.Tensor) -> torch.Tensor:
    """The "do nothing" colorization of ``rgb`` ``[N,3,H,W]`` (or ``[3,H,W]``): its own L* with
    ``a* = b* = 0``, back in sRGB (a neutral gray image, R = G = B up to rounding). Same shape."""
    x, single = _batch(rgb, 3, "rgb")
    out = lab_to_rgb(gray_to_lab(rgb_to_gray(x.float())))
    return out[0] if single else out


# --- Color Distribution Consistency (NTIRE 2023) -------------------------------------------------

def rgb_histograms(frames: torch.Tensor) -> np.ndarray:
    """Per-channel 256-bin histograms, normalised to sum 1: ``[T,3,H,W]`` → float64 ``(T, 3, 256)``.

    Float frames in [0, 1] are first quantised to 8 bits as an 8-bit image file stores them
    (``⌊255 x + ½⌋``); ``uint8`` frames are used as they are.
    """
    if isinstance(frames, torch.Tensor) and frames.dtype == torch.uint8:
        q = frames if frames.dim() == 4 else frames.unsqueeze(0)
        if q.dim() != 4 or q.shape[1] != 3:
            raise ValueError(f"frames must be [T,3,H,W] or [3,H,W], got {tuple(frames.shape)}")
    else:
        x, _ = _batch(frames, 3, "frames")
        q = (x.clamp(0, 1) * 255.0 + 0.5).floor()
    t, _, h, w = q.shape
    idx = q.long().reshape(t, 3, h * w) + 256 * torch.arange(3, device=q.device).view(1, 3, 1)
    hist = torch.stack([torch.bincount(i.reshape(-1), minlength=3 * 256) for i in idx]).view(t, 3, 256)
    return (hist.double() / (h * w)).cpu().numpy()


def js_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen–Shannon divergence (natural log) over the last axis of two distributions:
    ``JS(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m)``, ``m = ½(p + q)``, with ``0 · log 0 = 0``. In [0, ln 2]."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    m = 0.5 * (p + q)

    def kl(a):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a > 0, a * np.log(a / m), 0.0).sum(-1)

    return 0.5 * kl(p) + 0.5 * kl(q)


def cdc_from_histograms(hists: np.ndarray, dilations: Sequence[int] = CDC_DILATIONS, weights: Sequence[float] | None = None) -> float:
    """CDC from :func:`rgb_histograms` ``(T, 3, 256)``; see :func:`cdc`."""
    hists = np.asarray(hists, np.float64)
    t = hists.shape[0]
    if hists.ndim != 3 or hists.shape[1] != 3 or t < 2:
        raise ValueError(f"CDC needs histograms (T≥2, 3, bins), got {hists.shape}")
    weights = list(weights) if weights is not None else [1.0 / len(dilations)] * len(dilations)
    if len(weights) != len(dilations):
        raise ValueError("dilations and weights differ in length")
    terms = [(w, js_divergence(hists[:-d], hists[d:]).mean()) for d, w in zip(dilations, weights) if 0 < d < t]
    if not terms:
        raise ValueError(f"no frame distance in {tuple(dilations)} fits a {t}-frame clip")
    total = sum(w for w, _ in terms)
    return float(sum(w * v for w, v in terms) / total)


def cdc(frames: torch.Tensor, dilations: Sequence[int] = CDC_DILATIONS, weights: Sequence[float] | None = None) -> float:
    """Color Distribution Consistency of one clip (lower is steadier), NTIRE 2023 Video
    Colorization Challenge, CDC track (Kang et al., CVPR Workshops 2023); the index comes from
    TCVC (Liu et al., "Temporally Consistent Video Colorization with Deep Feature Propagation and
    Self-regularization Learning", arXiv:2110.04562). This reproduces TCVC's evaluation code
    (``compute_JS_bgr`` / ``calculate_cdc``, ``codes/eval_results.py``; copies circulated as the
    challenge's ``evaluation/cdc.py`` have the same functions with Δ = 1, 2, 4, equal weights):

    * ``H_t^c``: 256-bin histogram of 8-bit channel ``c ∈ {R, G, B}`` of frame ``t``, divided by
      the pixel count (:func:`rgb_histograms`);
    * ``JS_Δ^c = mean_{t=0..T−1−Δ} JS(H_t^c, H_{t+Δ}^c)`` (:func:`js_divergence`, natural log);
    * ``CDC = mean_c Σ_Δ w_Δ JS_Δ^c`` with ``Δ ∈ {1, 2, 4}`` and ``w_Δ = 1/3``.

    The challenge averages this per clip over the test clips. Where a clip is too short for some
    Δ (fewer than Δ + 1 frames) that Δ is left out and the remaining weights renormalised (the
    reference code would return NaN). ``frames``: ``[T,3,H,W]`` RGB float in [0, 1] or ``uint8``.
    """
    return cdc_from_histograms(rgb_histograms(frames), dilations, weights)


# --- Warping error (Lai et al. 2018) --------------------------------------------------------------

@dataclass(frozen=True)
class WarpingErrors:
    """Per-pair warping errors (``per_frame[k]`` is the pair (k, k+1)) and their mean."""

    per_frame: list[float]
    mean: float


def _gray_u8(gray: torch.Tensor) -> np.ndarray:
    g, _ = _batch(gray, 1, "gray")
    return (g[0, 0].clamp(0, 1) * 255.0 + 0.5).to(torch.uint8).cpu().numpy()


def flow_and_mask(gray_prev: torch.Tensor, gray_cur: torch.Tensor, preset: str = "medium") -> tuple[torch.Tensor, torch.Tensor]:
    """DIS flow ``flow_{t→t−1}`` ``[1,2,H,W]`` and the non-occlusion mask ``[1,1,H,W]`` for one pair.

    ``gray_*``: luminance ``[1,1,H,W]`` (or ``[1,H,W]``) in [0, 1], frames t−1 and t. The mask is
    the forward–backward check of :func:`vidcolor.flow.fb_consistency_mask` (Sundaram et al. 2010,
    as used for Lai et al.'s masks) including 'lands inside the frame'.
    """
    a, b = _gray_u8(gray_prev), _gray_u8(gray_cur)
    f_cp = flow_to_tensor(compute_flow(b, a, preset))
    f_pc = flow_to_tensor(compute_flow(a, b, preset))
    return f_cp, fb_consistency_mask(f_cp, f_pc)


def warping_error_pair(out_prev: torch.Tensor, out_cur: torch.Tensor, flow_cur_prev: torch.Tensor, mask: torch.Tensor) -> float:
    """Warping error of one output pair given :func:`flow_and_mask` (see
    :mod:`vidcolor.evaluation.warping`). ``out_*``: RGB ``[1,3,H,W]`` (or ``[3,H,W]``) in [0, 1]."""
    prev, _ = _batch(out_prev, 3, "out_prev")
    cur, _ = _batch(out_cur, 3, "out_cur")
    dev = flow_cur_prev.device
    return float(warping_error_per_frame(cur.float().to(dev), prev.float().to(dev), flow_cur_prev, mask)[0])


def video_warping_error(frames_out: torch.Tensor, frames_in_gray: torch.Tensor, preset: str = "medium") -> WarpingErrors:
    """Warping error of an output clip (Lai et al., "Learning Blind Video Temporal Consistency",
    ECCV 2018, eq. 9), lower is steadier.

    ``E(t) = Σ_x M_t(x) ‖O_t(x) − W(O_{t−1})(x)‖² / Σ_x M_t(x)`` where the flow ``flow_{t→t−1}``
    and the non-occlusion mask ``M_t`` are computed with DIS on the **input** luminance
    ``frames_in_gray`` (so a method cannot look steady by blurring its own output), ``W`` is the
    bilinear backward warp and ``‖·‖²`` the per-pixel squared error averaged over R, G, B.

    ``frames_out``: ``[T,3,H,W]`` RGB in [0, 1]; ``frames_in_gray``: ``[T,1,H,W]`` L*/100 (or any
    luminance) in [0, 1]. Returns ``T − 1`` per-pair values and their mean.
    """
    out, _ = _batch(frames_out, 3, "frames_out")
    gray, _ = _batch(frames_in_gray, 1, "frames_in_gray")
    if out.shape[0] != gray.shape[0] or out.shape[-2:] != gray.shape[-2:]:
        raise ValueError(f"frames_out {tuple(out.shape)} and frames_in_gray {tuple(gray.shape)} do not match")
    if out.shape[0] < 2:
        raise ValueError("the warping error needs at least 2 frames")
    errs = []
    for t in range(1, out.shape[0]):
        flow, mask = flow_and_mask(gray[t - 1:t], gray[t:t + 1], preset)
        errs.append(warping_error_pair(out[t - 1:t], out[t:t + 1], flow, mask))
    return WarpingErrors(errs, float(np.mean(errs)))
