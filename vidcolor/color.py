"""Color-space helpers on batched tensors.

Conventions used across vidcolor:

* gray / luminance input ``x``: ``[N, 1, H, W]`` float in ``[0, 1]`` (CIE L* / 100).
* Lab: ``[N, 3, H, W]``, L in ``[0, 100]``, a and b roughly in ``[-110, 110]`` (CIE 1976, D65).
* RGB: ``[N, 3, H, W]`` float sRGB in ``[0, 1]``.

Conversions use :mod:`kornia.color` so they run batched on any device.
"""

from __future__ import annotations

import functools

import torch
from kornia.color import lab_to_rgb as _lab_to_rgb
from kornia.color import rgb_to_lab as _rgb_to_lab

AB_SCALE = 110.0
"""Divisor that maps a/b (about ±110 for sRGB) to roughly ``[-1, 1]`` for the network."""


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB ``[N,3,H,W]`` in [0,1] → Lab ``[N,3,H,W]`` (L∈[0,100], ab≈±110)."""
    return _rgb_to_lab(rgb.float().clamp(0, 1))


def lab_to_rgb(lab: torch.Tensor) -> torch.Tensor:
    """Lab ``[N,3,H,W]`` → sRGB ``[N,3,H,W]`` clipped to [0,1]."""
    return _lab_to_rgb(lab.float(), clip=True)


def rgb_to_gray(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB ``[N,3,H,W]`` → CIE lightness ``L*/100`` as ``[N,1,H,W]`` in [0,1].

    This is the network's input: a black-and-white frame is treated as its L* channel. (Plain
    colorization then keeps the input's luma, :func:`keep_luma`, so its result turned gray by luma
    gives the input back; by L* it does so for neutral colors only.)
    """
    return rgb_to_lab(rgb)[:, :1] / 100.0


def gray_to_lab(gray: torch.Tensor, ab: torch.Tensor | None = None) -> torch.Tensor:
    """Stack ``gray`` ``[N,1,H,W]`` in [0,1] with ``ab`` ``[N,2,H,W]`` (default 0) into Lab."""
    if ab is None:
        ab = torch.zeros_like(gray).expand(-1, 2, -1, -1)
    return torch.cat([gray * 100.0, ab], dim=1)


def luma_to_lightness(y: torch.Tensor) -> torch.Tensor:
    """Video luma (gamma-encoded, [0,1], Rec.601/709 weights) → L*/100 in [0,1].

    For a neutral gray pixel, sRGB value v has L* = f(linear(v)); we apply the same curve to the
    luma value, which is exact for neutral grays and a close approximation otherwise.
    """
    y = y.float().clamp(0, 1)
    lin = torch.where(y <= 0.04045, y / 12.92, ((y + 0.055) / 1.055) ** 2.4)
    eps = 216.0 / 24389.0
    kappa = 24389.0 / 27.0
    f = torch.where(lin > eps, lin.clamp_min(1e-12) ** (1.0 / 3.0), (kappa * lin + 16.0) / 116.0)
    return (116.0 * f - 16.0).clamp(0, 100) / 100.0


def lightness_to_luma(l01: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`luma_to_lightness`: L*/100 in [0,1] → gamma-encoded gray value in [0,1]."""
    L = l01.float().clamp(0, 1) * 100.0
    fy = (L + 16.0) / 116.0
    eps = 216.0 / 24389.0
    kappa = 24389.0 / 27.0
    lin = torch.where(fy ** 3 > eps, fy ** 3, L / kappa)
    return torch.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin.clamp_min(0) ** (1 / 2.4) - 0.055).clamp(0, 1)


_LUT: dict = {}  # bits → lookup table (numpy float32), built on first use


def luma_lut(bits: int = 8):
    """Lookup table ``code value → L*/100`` (float32) for :func:`luma_to_lightness` on integer frames."""
    import numpy as np

    if bits not in _LUT:
        n = 2**bits
        _LUT[bits] = luma_to_lightness(torch.arange(n, dtype=torch.float64) / (n - 1)).numpy().astype(np.float32)
    return _LUT[bits]


LUMA_WEIGHTS: dict[str, tuple[float, float, float]] = {
    "bt601": (0.299, 0.587, 0.114),
    "bt709": (0.2126, 0.7152, 0.0722),
    "smpte240m": (0.212, 0.701, 0.087),
    "bt2020": (0.2627, 0.6780, 0.0593),
}
"""Luma weights ``Y′ = wr·R′ + wg·G′ + wb·B′`` (gamma-encoded values) of each YCbCr matrix. Photos and
untagged SD video use BT.601 (JPEG, PIL, OpenCV, FFmpeg's default)."""


def luma_weights(matrix: str | None) -> tuple[float, float, float]:
    """:data:`LUMA_WEIGHTS` of a matrix name (``VideoInfo.matrix``); BT.601 when unknown."""
    return LUMA_WEIGHTS.get(matrix or "bt601", LUMA_WEIGHTS["bt601"])


def keep_luma(rgb: torch.Tensor, luma: torch.Tensor, matrix: str | None = "bt601") -> torch.Tensor:
    """Give colors the gray input's luma back, keeping their color difference signals.

    ``rgb [N,3,H,W]`` sRGB in [0,1], ``luma [N,1,H,W]`` the input's gray values Y′ in [0,1] →
    ``clip(rgb + (Y′ − w·rgb))``, ``w`` the matrix's luma weights (:data:`LUMA_WEIGHTS`). As the
    weights sum to 1, adding one value to R′, G′ and B′ moves Y′ by that value and leaves Cb and Cr
    unchanged: the result has the predicted hue and saturation and exactly the input's luma
    (except where clipping at black or white intervenes), so turned gray again, by any tool that
    takes luma (a video's Y plane, PIL, OpenCV, FFmpeg), it gives back the input. Colorization
    that keeps CIE L* instead (L* = f(Y′), exact only for neutral grays) darkens saturated colors:
    a red whose luma is 76/255 has L* 53, not the 32 of a gray of luma 76.
    """
    w = torch.tensor(luma_weights(matrix), dtype=rgb.dtype, device=rgb.device).view(1, 3, 1, 1)
    y = luma.to(rgb.dtype)
    d = rgb - (rgb * w).sum(1, keepdim=True)          # the colour difference, kept where it fits
    # a colour too vivid for its luma near white or black has its colour difference scaled down until it
    # fits (room < 1), so the luma stays the input's (clipping each channel darkened highlights); one
    # expression for every pixel, no data-dependent branch (a host sync on the GPU)
    room = torch.where(d > 0, (1 - y) / d.clamp_min(1e-12), torch.where(d < 0, y / (-d).clamp_min(1e-12), torch.ones_like(d)))
    return (y + d * room.amin(1, keepdim=True).clamp(0, 1)).clamp(0, 1)


@functools.lru_cache(maxsize=8)
def _keep_luma_matrix(matrix: str | None):
    """``3×4`` matrix taking ``(R′, G′, B′, Y′_in)`` to :func:`keep_luma`'s result (before clipping);
    built once per matrix (finishing asks for it every frame), read-only."""
    import numpy as np

    w = np.asarray(luma_weights(matrix), np.float32)
    m = np.hstack([np.eye(3, dtype=np.float32) - w[None, :], np.ones((3, 1), np.float32)])
    m.flags.writeable = False
    return m


def lab_to_rgb_u8(lab, luma=None, matrix: str | None = "bt601"):
    """Lab ``(H, W, 3)`` float32 numpy (L∈[0,100]) → sRGB ``(H, W, 3)`` uint8, via OpenCV (fast, multi-threaded).

    Same CIE formulas as :func:`lab_to_rgb` (D65, sRGB transfer); results agree within one code value
    except for out-of-gamut colors, which both clip. ``luma``: the gray input's ``(H, W)`` values Y′
    (uint8, uint16 at full scale 65535, or float in [0, 1]); the result then keeps them
    (:func:`keep_luma`, with ``matrix``'s weights).
    """
    import cv2

    return cv2.convertScaleAbs(_lab_to_rgb_float(lab, luma, matrix), alpha=255.0)


def lab_to_rgb_u16(lab, luma=None, matrix: str | None = "bt601"):
    """:func:`lab_to_rgb_u8` with 16 bits: sRGB ``(H, W, 3)`` uint16 at full scale 65535 (for films
    written with more than 8 bits; ``luma`` then usually uint16 too)."""
    import numpy as np

    rgb = _lab_to_rgb_float(lab, luma, matrix)
    np.clip(rgb, 0.0, 1.0, out=rgb)
    rgb *= np.float32(65535.0)
    rgb += np.float32(0.5)
    return rgb.astype(np.uint16)


def _lab_to_rgb_float(lab, luma, matrix):
    """Lab → sRGB float32 ``(H, W, 3)`` (values outside [0, 1] are left to the caller's conversion to clip)."""
    import cv2
    import numpy as np

    rgb = cv2.cvtColor(np.ascontiguousarray(lab, dtype=np.float32), cv2.COLOR_Lab2RGB)
    if luma is not None:
        if luma.dtype in (np.uint8, np.uint16):
            y = luma.astype(np.float32) * np.float32(1.0 / np.iinfo(luma.dtype).max)
        else:
            y = np.asarray(luma, np.float32)
        rgb = cv2.transform(cv2.merge([rgb, y]), _keep_luma_matrix(matrix))
        low, high, _, _ = cv2.minMaxLoc(rgb.reshape(-1, 1))
        if low < 0 or high > 1:   # a few pixels too vivid for their luma: fitted as keep_luma fits them
            _fit_into_range(rgb, y)
        rgb = cv2.max(rgb, 0.0)   # (convertScaleAbs takes |x|)
    return rgb


def _fit_into_range(rgb, y) -> None:
    """In place: where ``rgb`` ``(H, W, 3)`` (luma ``y`` ``(H, W)`` kept) leaves [0, 1], scale its
    colour difference ``rgb − y`` down until it fits (:func:`keep_luma`'s rule), so the luma stays ``y``."""
    import numpy as np

    rows, cols = np.nonzero((rgb.max(axis=2) > 1) | (rgb.min(axis=2) < 0))
    yy = y[rows, cols][:, None]
    d = rgb[rows, cols] - yy
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.where(d > 0, (1 - yy) / d, np.where(d < 0, yy / -d, 1.0))
    rgb[rows, cols] = yy + d * np.clip(room.min(axis=1), 0.0, 1.0)[:, None]
