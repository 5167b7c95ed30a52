"""Shared building blocks for the procedural style teachers.

Conventions used by every function here and by the teachers:

* images are ``float32`` numpy arrays, RGB ``(H, W, 3)`` or gray ``(H, W)``, values in ``[0, 1]``;
* Lab is OpenCV's float Lab: ``L`` in ``[0, 100]``, ``a, b`` in about ``[-128, 127]`` (D65, sRGB);
* spatial sizes (sigmas, radii, stroke lengths) are given for a 256-pixel short side and multiplied
  by :func:`size_scale`, so a style looks alike at 128, 256 or 1080 pixels;
* randomness comes only from ``numpy.random.default_rng(seed)``, so a teacher is a pure function of
  ``(image, seed)``.

Contents: input checking, colour conversion, seeded fractal paper texture (procedural, or cut from a
texture file), soft quantization, relief shading of a height map, edge maps, XDoG (Winnemöller et al. 2012), the
structure-tensor flow field (Brox et al. 2006; Kyprianidis et al. 2009) and line integral
convolution along it (Cabral & Leedom 1993).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vidcolor.errors import VidcolorError

_TEXTURE_SUFFIXES = (".png", ".jpg", ".jpeg")


# ----------------------------------------------------------------------------- checks and colour


def check_rgb(rgb: np.ndarray) -> np.ndarray:
    """Validate a teacher input and return it as contiguous ``float32 (H, W, 3)`` clipped to [0, 1]."""
    arr = np.asarray(rgb)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {arr.shape}")
    return np.ascontiguousarray(np.clip(arr, 0.0, 1.0), dtype=np.float32)


def finish(rgb: np.ndarray) -> np.ndarray:
    """Clip a teacher output to [0, 1] and return it as contiguous ``float32``."""
    return np.ascontiguousarray(np.clip(rgb, 0.0, 1.0), dtype=np.float32)


def size_scale(h: int, w: int) -> float:
    """Spatial scale of an ``h x w`` image relative to a 256-pixel short side, at least 0.25."""
    return max(min(h, w) / 256.0, 0.25)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma ``Y = 0.299 R + 0.587 G + 0.114 B`` as ``float32 (H, W)``."""
    return (rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).astype(np.float32)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB [0, 1] to OpenCV float Lab (L in [0, 100])."""
    return cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.float32), cv2.COLOR_RGB2Lab)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """OpenCV float Lab to sRGB, clipped to [0, 1]."""
    rgb = cv2.cvtColor(np.ascontiguousarray(lab, dtype=np.float32), cv2.COLOR_Lab2RGB)
    return np.clip(rgb, 0.0, 1.0)


def smoothstep(lo: float, hi: float, x: np.ndarray) -> np.ndarray:
    """Hermite step: 0 below ``lo``, 1 above ``hi``, ``3t^2 - 2t^3`` in between."""
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def soft_quantize(x: np.ndarray, levels: int, sharpness: float) -> np.ndarray:
    """Soft quantization of ``x`` in [0, 1] (Winnemöller, Olsen & Gooch 2006, eq. 3).

    ``q = q_near + (step / 2) tanh(sharpness * (x - q_near))``, ``q_near`` the nearest level.
    """
    step = 1.0 / levels
    near = (np.floor(x / step) + 0.5) * step
    return (near + 0.5 * step * np.tanh(sharpness * (x - near))).astype(np.float32)


def blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur with reflected borders; ``sigma`` in pixels (no-op below 0.3)."""
    if sigma < 0.3:
        return img
    return cv2.GaussianBlur(img, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_REFLECT)


# ----------------------------------------------------------------------------- paper


def fractal_noise(h: int, w: int, rng: np.random.Generator, base: float, octaves: int = 4,
                  gain: float = 0.5) -> np.ndarray:
    """Value noise summed over octaves (1/f-like), normalised to zero mean and unit std.

    Octave ``o`` is a uniform random grid with cells of ``base / 2**o`` pixels, upsampled bicubically;
    its amplitude is ``gain**o``. Returns ``float32 (H, W)``.
    """
    out = np.zeros((h, w), np.float32)
    amp = 1.0
    for o in range(octaves):
        cell = max(base / (2 ** o), 1.0)
        gh, gw = int(np.ceil(h / cell)) + 2, int(np.ceil(w / cell)) + 2
        grid = rng.random((gh, gw), dtype=np.float32)
        up = cv2.resize(grid, (int(gw * cell), int(gh * cell)), interpolation=cv2.INTER_CUBIC)
        out += amp * up[:h, :w]
        amp *= gain
    return _standardise(out)


def _standardise(x: np.ndarray) -> np.ndarray:
    std = float(x.std())
    return ((x - x.mean()) / (std if std > 1e-6 else 1.0)).astype(np.float32)


def procedural_paper(h: int, w: int, seed: int, scale: float = 1.0) -> np.ndarray:
    """Seeded cold-press paper height map, ``float32 (H, W)`` in [0, 1] with mean about 0.5.

    Height = fine grain (blurred white noise) + tooth (fractal noise, ~6 px cells) + a few fibres
    (white noise smeared along random directions) + faint cloudy formation (~64 px cells).
    """
    rng = np.random.default_rng([seed, 0x9A9E])
    grain = _standardise(blur(rng.standard_normal((h, w), dtype=np.float32), 0.8 * scale))
    tooth = fractal_noise(h, w, rng, base=6.0 * scale, octaves=2)
    cloud = fractal_noise(h, w, rng, base=64.0 * scale, octaves=3)
    fibre = np.zeros((h, w), np.float32)
    length = max(int(9 * scale) | 1, 3)
    for angle in rng.uniform(0, np.pi, size=3):
        kernel = line_kernel(length, float(angle))
        sparse = (rng.random((h, w), dtype=np.float32) > 0.985).astype(np.float32)
        fibre += cv2.filter2D(sparse, -1, kernel, borderType=cv2.BORDER_REFLECT)
    height = 0.45 * grain + 0.4 * tooth + 0.12 * cloud + 0.5 * _standardise(fibre)
    return np.clip(0.5 + 0.16 * height, 0.0, 1.0).astype(np.float32)


def texture_paper(h: int, w: int, seed: int, texture_dir: str | Path) -> np.ndarray:
    """Paper height map cut from a gray texture file in ``texture_dir`` (chosen and placed by seed).

    The texture is tiled when smaller than the image, a random crop is taken and its levels are
    normalised like :func:`procedural_paper` (mean 0.5, std about 0.16).
    """
    folder = Path(texture_dir)
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() in _TEXTURE_SUFFIXES)
    if not files:
        raise VidcolorError(f"no paper textures (*.png, *.jpg) in {folder}")
    rng = np.random.default_rng([seed, 0x7E47])
    path = files[int(rng.integers(len(files)))]
    tex = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if tex is None:
        raise VidcolorError(f"cannot read paper texture {path}")
    reps = (int(np.ceil(h / tex.shape[0])) + 1, int(np.ceil(w / tex.shape[1])) + 1)
    tiled = np.tile(tex, reps)
    y = int(rng.integers(tiled.shape[0] - h + 1))
    x = int(rng.integers(tiled.shape[1] - w + 1))
    crop = tiled[y:y + h, x:x + w].astype(np.float32) / 255.0
    return np.clip(0.5 + 0.16 * _standardise(crop), 0.0, 1.0).astype(np.float32)


def paper(h: int, w: int, seed: int, scale: float = 1.0,
          texture_dir: str | Path | None = None) -> np.ndarray:
    """Paper height map: from ``texture_dir`` when given, else :func:`procedural_paper`."""
    if texture_dir is not None:
        return texture_paper(h, w, seed, texture_dir)
    return procedural_paper(h, w, seed, scale)


def relief(height: np.ndarray, strength: float, light: tuple[float, float] = (-0.6, -0.8)) -> np.ndarray:
    """Lambert-like shading of a height map lit from ``light`` (x, y), 1 on flat ground.

    ``shade = 1 + strength * (dh/dx * lx + dh/dy * ly)`` with central differences, ``float32 (H, W)``.
    """
    gx = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT) / 8.0
    gy = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT) / 8.0
    return (1.0 + strength * (gx * light[0] + gy * light[1])).astype(np.float32)


# ----------------------------------------------------------------------------- edges


def edge_magnitude(gray: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """Sobel gradient magnitude of a Gaussian-smoothed image, ``float32 (H, W)`` (not normalised)."""
    g = blur(gray, sigma)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT) / 8.0
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT) / 8.0
    return np.sqrt(gx * gx + gy * gy)


def xdog(gray: np.ndarray, sigma: float, k: float = 1.6, p: float = 20.0, eps: float = 0.7,
         phi: float = 10.0) -> np.ndarray:
    """eXtended Difference of Gaussians (Winnemöller, Kyprianidis & Olsen 2012, eqs. 5 and 7).

    ``S = (1 + p) G_sigma * I - p G_{k sigma} * I``;
    ``T = 1 if S >= eps else 1 + tanh(phi (S - eps))``. Input gray in [0, 1]; output in [0, 1],
    dark (near 0) on lines and 1 elsewhere.
    """
    s = (1.0 + p) * blur(gray, sigma) - p * blur(gray, k * sigma)
    return np.where(s >= eps, 1.0, 1.0 + np.tanh(phi * (s - eps))).astype(np.float32)


def line_kernel(length: int, angle: float) -> np.ndarray:
    """Normalised anti-aliased line segment kernel of odd ``length`` at ``angle`` radians."""
    length = max(int(length) | 1, 1)
    k = np.zeros((length, length), np.float32)
    c = (length - 1) / 2.0
    dx, dy = np.cos(angle), np.sin(angle)
    for t in np.linspace(-c, c, 4 * length):
        x, y = c + t * dx, c + t * dy
        x0, y0 = int(np.floor(x)), int(np.floor(y))
        fx, fy = x - x0, y - y0
        for yy, xx, wgt in ((y0, x0, (1 - fx) * (1 - fy)), (y0, x0 + 1, fx * (1 - fy)),
                            (y0 + 1, x0, (1 - fx) * fy), (y0 + 1, x0 + 1, fx * fy)):
            if 0 <= yy < length and 0 <= xx < length:
                k[yy, xx] += wgt
    return k / k.sum()


# ----------------------------------------------------------------------------- flow


def structure_flow(gray: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edge-tangent flow from the smoothed structure tensor (Kyprianidis et al. 2009, sec. 3).

    ``J = G_sigma * [[gx^2, gx gy], [gx gy, gy^2]]``; eigenvalues ``l1 >= l2``. Returns
    ``(tx, ty, anisotropy)``: the unit eigenvector of ``l2`` (along edges, across the gradient) and
    ``A = (l1 - l2) / (l1 + l2)`` in [0, 1], each ``float32 (H, W)``.
    """
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT) / 8.0
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT) / 8.0
    e = blur(gx * gx, sigma)
    f = blur(gx * gy, sigma)
    g = blur(gy * gy, sigma)
    root = np.sqrt((e - g) ** 2 + 4.0 * f * f)
    l1 = 0.5 * (e + g + root)
    l2 = 0.5 * (e + g - root)
    tx, ty = l1 - e, -f  # eigenvector of l2 is orthogonal to (f, l1 - e)
    norm = np.sqrt(tx * tx + ty * ty)
    flat = norm < 1e-12
    tx = np.where(flat, 0.0, tx / np.where(flat, 1.0, norm)).astype(np.float32)
    ty = np.where(flat, 1.0, ty / np.where(flat, 1.0, norm)).astype(np.float32)
    aniso = np.where(l1 + l2 > 1e-12, (l1 - l2) / np.maximum(l1 + l2, 1e-12), 0.0)
    return tx, ty, aniso.astype(np.float32)


def pixel_grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinate maps ``(x, y)`` of shape ``(H, W)`` for ``cv2.remap``."""
    return np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))


def sample(img: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear lookup of ``img`` at float coordinates, reflected at the borders."""
    return cv2.remap(img, x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def line_integral(img: np.ndarray, tx: np.ndarray, ty: np.ndarray, length: float,
                  step: float = 1.0) -> np.ndarray:
    """Line integral convolution (Cabral & Leedom 1993) of ``img`` along the flow ``(tx, ty)``.

    Streamlines are traced ``length`` pixels forwards and backwards with Euler steps of ``step``
    pixels, re-reading the (sign-aligned) flow at each point; samples get a triangle weight.
    """
    h, w = img.shape[:2]
    gx, gy = pixel_grid(h, w)
    acc = img.astype(np.float32).copy()
    total = 1.0
    n = max(int(round(length / step)), 1)
    for sign in (1.0, -1.0):
        x, y = gx.copy(), gy.copy()
        dx, dy = sign * tx, sign * ty
        for i in range(1, n + 1):
            x += step * dx
            y += step * dy
            wgt = 1.0 - i / (n + 1.0)
            acc += wgt * sample(img, x, y)
            total += wgt
            nx, ny = sample(tx, x, y), sample(ty, x, y)
            flip = np.where(nx * dx + ny * dy < 0, -1.0, 1.0).astype(np.float32)
            dx, dy = nx * flip, ny * flip
    return (acc / total).astype(np.float32)
