"""Inference engine: a loaded generator that turns full-resolution gray frames into color frames.

``Colorizer.colorize(gray)`` takes luminance ``[N,1,H,W]`` in [0,1] (L*/100) at full resolution, runs
the network at the working resolution (short side ``render_size``, rounded to the network's
stride), and returns full-resolution RGB. For plain colorization the predicted ab is upsampled with
the fast guided filter on the full-resolution luminance and the result keeps the input's luma Y′
(``preserve="luma"``, :func:`vidcolor.color.keep_luma`) or its L* (``"lightness"``); stylized L is
upsampled bicubically and its ab guided by that L.
"""

from __future__ import annotations

import contextlib
import numbers
import os
from pathlib import Path

import torch

from vidcolor.color import AB_SCALE, keep_luma, lab_to_rgb, lightness_to_luma
from vidcolor.control.spread import is_sparse, spread_correction
from vidcolor.errors import VidcolorError
from vidcolor.models.fuse import fold_batchnorm
from vidcolor.models.generator import Generator
from vidcolor.models.serialization import load_generator, weights_info
from vidcolor.pipeline.upsample import guided_coefficients, guided_upsample, resize, upsample_rows
from vidcolor.device import cpu_supports_bf16, cuda_supports_bf16, resolve_device

BUNDLED_WEIGHTS = "starter.safetensors"
DEFAULT_RENDER_SIZE = 256


def bundled_weights() -> Path:
    """Path of the weights shipped inside the package."""
    return Path(__file__).resolve().parent.parent / "weights" / BUNDLED_WEIGHTS


MAX_SATURATION = 4.0
BAND_PIXELS = 1 << 21
"""Full-size pixels :meth:`Colorizer.colorize` finishes at once; larger frames go band by band."""


PRESERVE = ("luma", "lightness")
"""What plain colorization keeps of the gray input (:class:`Colorizer`'s ``preserve``)."""


def check_saturation(value: float) -> float:
    """``value`` as a float in [0, :data:`MAX_SATURATION`], else VidcolorError."""
    try:
        s = float(value)
    except (TypeError, ValueError):
        raise VidcolorError(f"--saturation must be a number, got {value!r}") from None
    if not 0.0 <= s <= MAX_SATURATION:  # also refuses NaN
        raise VidcolorError(f"--saturation must be between 0 (gray) and {MAX_SATURATION:g}, got {value}")
    return s


def working_size(h: int, w: int, render_size: int, multiple: int) -> tuple[int, int]:
    """(h', w') with short side ≈ ``render_size`` (never upscaling), both multiples of ``multiple``."""
    s = min(1.0, render_size / min(h, w))
    hh = max(multiple, int(round(h * s / multiple)) * multiple)
    ww = max(multiple, int(round(w * s / multiple)) * multiple)
    return hh, ww


HINTED_GAIN_HALF_COUNT: float | None = 3.0
"""With ``K`` sparse hints the hinted (accurate) gain also applies beyond their reach, with share
``ρ = (K−1)/(K−1+k₀)``, ``k₀`` this value: one point changes nothing beyond its object (ρ = 0), ten
points set the accurate gain on 75 % of the rest (0: the whole frame from 2 hints on; None: by reach
only, round 10's rule). Round 12 chose 3 on the calibration half (10 random points × 3 seeds, 1 and
3 points where a user would put them; ``docs/results/r12_tune_hinted_gain.txt``): mean gain over the
three +2.26 dB vs +1.93 by reach only; k₀ = 1 was 0.05 dB higher but made 6 more photo-draws worse
than automatic."""


class Colorizer:
    """A generator ready for inference on one device, with its precision and working size.

    Args:
        weights: a ``.safetensors`` file, or None for the bundled starter weights.
        device: ``auto`` | ``cpu`` | ``cuda`` | ``cuda:N``.
        precision: ``auto`` (bf16 on bf16-capable CPUs and GPUs, fp16 on older GPUs), ``fp32``,
            ``bf16`` or ``fp16``.
        render_size: short side the network runs at (0 = full resolution).
        saturation: scale of the output's chroma (1 = the model's calibrated colors, 0 = gray,
            > 1 more vivid; at most :data:`MAX_SATURATION`). Colors a user set (hints) or a reference
            carries are kept as given: the scale applies to the network's colors only.
        preserve: what plain colorization keeps of the gray input: ``luma`` (default) — its luma Y′,
            so the result turned gray again by any tool that takes luma (a video's Y plane, PIL,
            OpenCV, FFmpeg) gives back the input exactly (:func:`vidcolor.color.keep_luma`; DeOldify
            keeps Y′ too) — or ``lightness``: its CIE L* (``L* = f(Y′)``, exact for neutral grays only,
            so saturated colors come out darker than a color original of that luma).

    ``chroma_bias`` (ab, from the metadata, default 0) is subtracted from the predicted ab of plain
    colorization before the gain: ``ab' = gain · (ab − bias)`` — an affine calibration, chosen on
    validation photos like the gain, that removes a model's systematic color cast.
    ``chroma_gain`` (from the weights' metadata, default 1) scales the predicted ab of plain
    colorization: a calibration chosen at export time on photos kept out of training (see
    ``scripts/calibrate_chroma.py``; the bundled model's, round 10: the originals' colorfulness on
    half of its held-out photos, the other half kept for testing). Frames with dense color hints (a
    reference) use ``chroma_gain_hints`` instead (metadata, default ``chroma_gain``): the gain with
    the best validation PSNR, since there the user sets the colors and the rest should be accurate
    rather than vivid; with sparse hints (points, scribbles) that gain applies as far as the hints
    reach (:func:`~vidcolor.control.spread.spread_correction`'s reach), the automatic one beyond —
    and ``chroma_bias_hints`` (default ``chroma_bias``): with a chroma-class head
    (:mod:`vidcolor.models.chroma_classes`) automatic rows take their chroma from the head and rows
    with hints from the regression, two predictors with their own casts.
    """

    def __init__(self, weights: str | os.PathLike | None = None, device: str = "auto", precision: str = "auto",
                 render_size: int = DEFAULT_RENDER_SIZE, model: Generator | None = None, channels_last: bool = True,
                 compile: bool = False, saturation: float = 1.0, preserve: str = "luma"):
        self.device = resolve_device(device)
        self.saturation = check_saturation(saturation)
        if preserve not in PRESERVE:
            raise VidcolorError(f"preserve must be one of {', '.join(PRESERVE)}, not {preserve!r}")
        self.preserve = preserve
        self.chroma_gain = 1.0
        self.chroma_gain_hints: float | None = None
        self.chroma_bias = (0.0, 0.0)
        self.chroma_bias_hints: tuple[float, float] | None = None
        self.pack_fingerprints: tuple[str, ...] = ()  # base fingerprints of earlier weights whose style packs fit these
        if model is None:
            path = Path(weights) if weights else bundled_weights()
            if weights is None and not path.is_file():
                raise VidcolorError("no bundled weights in this installation; pass --weights FILE.safetensors")
            model = load_generator(path)
            meta = weights_info(path)
            self.chroma_gain = float(meta.get("chroma_gain", 1.0))
            if "chroma_gain_hints" in meta:
                self.chroma_gain_hints = float(meta["chroma_gain_hints"])
            bias = meta.get("chroma_bias", (0.0, 0.0))
            self.chroma_bias = (float(bias[0]), float(bias[1]))
            self.pack_fingerprints = tuple(str(f) for f in meta.get("pack_fingerprints", ()))
            if "chroma_bias_hints" in meta:
                self.chroma_bias_hints = (float(meta["chroma_bias_hints"][0]), float(meta["chroma_bias_hints"][1]))
        self.model = model.to(self.device).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.channels_last = channels_last
        if channels_last:
            self.model.to(memory_format=torch.channels_last)
        self.dtype = self._precision(precision)
        if isinstance(render_size, bool) or not isinstance(render_size, numbers.Integral) or render_size < 0:
            raise VidcolorError(f"--render-size must be a whole number ≥ 0, got {render_size!r}")
        self.render_size = render_size
        # what runs: a copy with BatchNorm folded into the convs (same outputs to float rounding, one
        # pass fewer per layer); self.model keeps the loaded tensors (fingerprints, style packs, config)
        self.inference_model = fold_batchnorm(self.model)
        self._forward = self.inference_model
        self.packs: dict = {}  # style index → StylePack (vidcolor.styles.packs), see style_index()
        if compile:
            import logging

            # inductor imports cpp_extension, which warns on a machine without CUDA that it found none: not news on a CPU
            logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)
            self._forward = torch.compile(self._forward, dynamic=False)

    def _precision(self, precision: str) -> torch.dtype | None:
        if precision == "fp32":
            return None
        if precision == "bf16":
            return torch.bfloat16
        if precision == "fp16":
            if self.device.type != "cuda":
                raise VidcolorError("fp16 inference needs a CUDA device")
            return torch.float16
        if precision != "auto":
            raise VidcolorError(f"unknown precision '{precision}'; valid: auto, fp32, bf16, fp16")
        if self.device.type == "cuda":
            return torch.bfloat16 if cuda_supports_bf16(self.device) else torch.float16
        return torch.bfloat16 if cpu_supports_bf16() else None

    @property
    def styles(self) -> tuple[str, ...]:
        return self.model.styles

    @property
    def calibration(self) -> dict:
        """The chroma calibration in use, by the weights' metadata keys (``chroma_gain``, …)."""
        return {"chroma_gain": self.chroma_gain, "chroma_gain_hints": self.chroma_gain_hints,
                "chroma_bias": self.chroma_bias, "chroma_bias_hints": self.chroma_bias_hints}

    def style_index(self, style: str) -> int:
        """Index of a built-in style of these weights, or ≥ ``len(self.styles)`` for an added style
        (a style pack from ``vidcolor styles add``, loaded once and kept in ``self.packs``)."""
        if style in self.model.styles:
            return self.model.styles.index(style)
        for i, pack in self.packs.items():
            if pack.name == style:
                return i
        from vidcolor.styles.packs import load_pack

        i = len(self.model.styles) + len(self.packs)
        self.packs[i] = load_pack(style, self.model, self.pack_fingerprints).to(self.device)
        return i

    def working_size(self, h: int, w: int) -> tuple[int, int]:
        if self.render_size == 0:
            return h, w
        return working_size(h, w, self.render_size, self.model.config.multiple)

    def _autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    @property
    def accepts_hints(self) -> bool:
        return bool(self.model.config.hints)

    @torch.inference_mode()
    def predict_low(self, gray_low: torch.Tensor, style: int, hints: torch.Tensor | None = None) -> torch.Tensor:
        """Network output Lab ``[N,3,h,w]`` (fp32) for gray ``[N,1,h,w]`` at working size.

        ``hints``: optional ``[N,3,h,w]`` hint map at working size (:mod:`vidcolor.models.hints`);
        None means automatic. Sparse hints (user points, scribbles) do not enter the network: their
        correction ``hint − ab`` spreads along the objects they touch
        (:func:`~vidcolor.control.spread.spread_correction`), in every style — the network's hint
        channels answered them with a faint tint in a style (10 points moved the hinted pixels
        64.1 → 47.0 ab units from the asked color in watercolor, vs 62.9 → 7.1 plain; now 7.2:
        ``scripts/hints_in_styles.py``). Dense hints (references carried by flow, large painted areas)
        drive the network; in a style their remaining correction is spread too (the network follows
        them only part of the way there). For plain colorization the hinted chroma is also composited
        onto the output with its confidence (``ab ← ab + c·(hint − ab)``) and the calibration is not
        applied there: a user's color, or a reference's carried by flow, is kept where it is
        trusted; a style keeps its own rendering of it."""
        x = gray_low.to(self.device)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        if hints is not None:
            if not self.accepts_hints:
                raise VidcolorError("these weights have no color-hint inputs; use weights trained with hints (the bundled model has them)")
            hints = hints.to(self.device, torch.float32)
            if self.channels_last:
                hints = hints.contiguous(memory_format=torch.channels_last)
        has = (hints[:, 2] > 0).flatten(1).any(1) if hints is not None else None  # [N]: rows with any hint
        sparse = is_sparse(hints) if hints is not None else None
        net_hints = hints
        if sparse is not None and bool(sparse.any()):
            # sparse user points reach the network as no hints: on 30 training photos its hint channels
            # answered 10 points with a global tint (−0.1 dB vs automatic), while spreading their
            # correction along objects (below) gains +1.8 dB on validation photos (scripts/tune_spread.py); dense hints
            # (references carried by flow) go in
            net_hints = hints * (~sparse).view(-1, 1, 1, 1)
            if not bool((~sparse).any()):
                net_hints = None
        pack = self.packs.get(style)
        with self._autocast():
            if pack is not None:  # an added style: its vector drives FiLM, then its adapter
                out = self._forward(x, 0, net_hints, style_vector=pack.vector)
            else:
                # rows with any hint (user points or a reference) keep the regression's chroma, which the
                # hint calibration and spreading were tuned on: a chroma-class head serves automatic rows only
                kw = {"classes": ~has} if has is not None and self.model.ab_classifier is not None else {}
                out = self._forward(x, style, net_hints, **kw) if net_hints is not None else self._forward(x, style, **kw)
        out = out.float()
        if pack is not None:
            out = pack.adapter(x, out)
        auto_minus_hinted = None   # [N,2,h,w]: automatic − hinted calibration of unhinted pixels (sparse rows)
        hinted_gain = self.chroma_gain if self.chroma_gain_hints is None else self.chroma_gain_hints
        hinted_bias = self.chroma_bias if self.chroma_bias_hints is None else self.chroma_bias_hints
        if style == 0 and (self.chroma_gain != 1.0 or hinted_gain != 1.0 or self.chroma_bias != (0.0, 0.0) or hinted_bias != (0.0, 0.0)):
            bias = torch.tensor(self.chroma_bias, device=out.device).view(1, 2, 1, 1)
            free = 1.0 if hints is None else 1 - hints[:, 2:3].float()  # no calibration where the user (or a reference) decided the color
            gain = self.chroma_gain
            if hints is not None and (hinted_gain != self.chroma_gain or hinted_bias != self.chroma_bias):  # frames with hints: the accurate gain
                rows = has.view(-1, 1, 1, 1)
                gain = torch.where(rows, hinted_gain, self.chroma_gain).to(out.dtype)
                bias = torch.where(rows, torch.tensor(hinted_bias, device=out.device).view(1, 2, 1, 1), bias)
            calibrated = gain * (out[:, 1:] - bias)
            if isinstance(gain, torch.Tensor) and style == 0 and bool(sparse.any()):
                # sparse hints: the accurate gain where they reach, the automatic one elsewhere (below)
                auto_minus_hinted = free * (self.chroma_gain * (out[:, 1:] - torch.tensor(self.chroma_bias, device=out.device).view(1, 2, 1, 1))
                                            - calibrated)
            out[:, 1:] = out[:, 1:] + free * (calibrated - out[:, 1:])
        if self.saturation != 1.0 and hints is None:  # the user's vividness (with hints: at the end, where they do not decide)
            out[:, 1:] = out[:, 1:] * self.saturation
        decided = None   # [N,1,h,w] in [0,1]: how far the hints decide a pixel's color
        spread = None if hints is None else (sparse if style == 0 else has)
        if hints is not None and (style == 0 or bool(spread.any())):
            # where the user (or a reference carried by flow) decided the color, keep that color:
            # ab ← ab + c·(hint − ab); the network fills in where the confidence c is low
            conf = hints[:, 2:3].float()
            hint_ab = hints[:, :2].float() / conf.clamp_min(1e-6) * AB_SCALE
            if bool(spread.any()):
                # user points/scribbles: their correction spreads along the object they touch. In a style
                # every hint does (dense ones after the network saw them): the network follows a painted
                # area in a style only part of the way (17–19 ab units from the painted color, 7.5 in
                # plain colorization), the smooth correction keeps the style's texture
                i = spread.nonzero()[:, 0]
                corr, reach, count = spread_correction(x[i].float(), conf[i], hint_ab[i] - out[i, 1:], features=out[i, 1:],
                                                return_reach=True)   # (indexing by i copies)
                out[i, 1:] += corr
                if auto_minus_hinted is not None:
                    # the frame's hinted gain applies as far as the hints reach: a point on one object
                    # leaves the colors across a strong edge as automatic mode made them (round 10)
                    if HINTED_GAIN_HALF_COUNT is not None:   # and, with many hints, beyond (round 12)
                        others = (count - 1).clamp_min(0).view(-1, 1, 1, 1)
                        rho = others / (others + HINTED_GAIN_HALF_COUNT) if HINTED_GAIN_HALF_COUNT > 0 else (others > 0).float()
                        reach = 1 - (1 - reach) * (1 - rho)
                    out[i, 1:] += (1 - reach) * auto_minus_hinted[i]
                decided = torch.zeros_like(conf)
                decided[i] = reach
            if style == 0:
                out[:, 1:] = out[:, 1:] + conf * (hint_ab - out[:, 1:])
                decided = conf if decided is None else 1 - (1 - decided) * (1 - conf)
        if self.saturation != 1.0 and hints is not None:
            # --saturation scales the network's colors, not the user's: applied before the hints, the
            # spread had a larger automatic chroma to cancel and hinted colors drifted (a sky blue asked
            # for came out 11 ab units off at 4×, 3 at 1×)
            keep = 1.0 if decided is None else 1 - decided
            out[:, 1:] = out[:, 1:] * (1 + (self.saturation - 1) * keep)
        return out

    def suggest_batch_size(self, h: int, w: int, default: int = 4, limit: int = 64) -> int:
        """Frames per batch: ``default`` on CPU; on CUDA as many as half the free memory holds,
        measured with a one-frame probe (network at working size + full-size finishing buffers)."""
        if self.device.type != "cuda":
            return default
        hh, ww = self.working_size(h, w)
        torch.cuda.synchronize(self.device)
        torch.cuda.reset_peak_memory_stats(self.device)
        base = torch.cuda.memory_allocated(self.device)
        self.predict_low(torch.zeros(1, 1, hh, ww, device=self.device), 0)
        torch.cuda.synchronize(self.device)
        per_frame = torch.cuda.max_memory_allocated(self.device) - base + h * w * 4 * 16
        free, _ = torch.cuda.mem_get_info(self.device)
        return int(max(1, min(limit, (free // 2) // max(per_frame, 1))))

    @torch.inference_mode()
    def to_working(self, gray: torch.Tensor) -> torch.Tensor:
        h, w = gray.shape[-2:]
        return resize(gray.float(), self.working_size(h, w))

    @torch.inference_mode()
    def upsample(self, lab_low: torch.Tensor, gray_low: torch.Tensor, gray_full: torch.Tensor, style: int) -> torch.Tensor:
        """Working-size Lab → full-size Lab ``[N,3,H,W]`` (see module docstring)."""
        size = tuple(gray_full.shape[-2:])
        if tuple(lab_low.shape[-2:]) == size:
            return lab_low if style else torch.cat([gray_full * 100.0, lab_low[:, 1:]], 1)
        if style == 0:
            ab = guided_upsample(lab_low[:, 1:], gray_low, gray_full)
            return torch.cat([gray_full * 100.0, ab], 1)
        L_low = lab_low[:, :1] / 100.0
        L = resize(L_low, size, mode="bicubic").clamp(0, 1)
        ab = guided_upsample(lab_low[:, 1:], L_low, L)
        return torch.cat([L * 100.0, ab], 1)

    @torch.inference_mode()
    def colorize(self, gray: torch.Tensor, style: int = 0, hints: torch.Tensor | None = None, matrix: str = "bt601") -> torch.Tensor:
        """Full-resolution gray ``[N,1,H,W]`` in [0,1] → full-resolution RGB ``[N,3,H,W]`` in [0,1].
        ``hints``: optional full-resolution hint map ``[N,3,H,W]``. ``matrix``: whose luma weights
        plain colorization keeps (a video frame's YCbCr matrix; photos: BT.601)."""
        from vidcolor.models.hints import resize_hints

        gray = gray.to(self.device).float()
        low = self.to_working(gray)
        if hints is not None:
            hints = resize_hints(hints.to(self.device).float(), tuple(low.shape[-2:]))
        lab_low = self.predict_low(low, style, hints)
        (h, w), (H, W) = lab_low.shape[-2:], gray.shape[-2:]
        if H * W > BAND_PIXELS and h <= H and w <= W and (h, w) != (H, W):   # upsampled only: no antialiasing
            return self._finish_in_bands(lab_low, low, gray, style, matrix)
        rgb = lab_to_rgb(self.upsample(lab_low, low, gray, style))
        if style == 0 and self.preserve == "luma":
            rgb = keep_luma(rgb, lightness_to_luma(gray), matrix)
        return rgb

    def _finish_in_bands(self, lab_low: torch.Tensor, low: torch.Tensor, gray: torch.Tensor, style: int, matrix: str) -> torch.Tensor:
        """:meth:`upsample`, Lab → RGB and the luma kept, a band of rows at a time (the same result):
        a large scan's full-size temporaries (about 140 bytes a pixel at once: 7 GB for 48
        megapixels) stay within :data:`BAND_PIXELS`, the result is the only full-size colour array."""
        H, W = gray.shape[-2:]
        L_low = low if style == 0 else lab_low[:, :1] / 100.0
        a, b = guided_coefficients(lab_low[:, 1:], L_low)
        out = torch.empty((gray.shape[0], 3, H, W), dtype=torch.float32, device=gray.device)
        rows = max(8, BAND_PIXELS // W)
        for y0 in range(0, H, rows):
            y1 = min(H, y0 + rows)
            g = gray[..., y0:y1, :]
            L = g if style == 0 else upsample_rows(L_low, (H, W), y0, y1, "bicubic").clamp(0, 1)
            ab = upsample_rows(a, (H, W), y0, y1) * L + upsample_rows(b, (H, W), y0, y1)
            rgb = lab_to_rgb(torch.cat([L * 100.0, ab], 1))
            if style == 0 and self.preserve == "luma":
                rgb = keep_luma(rgb, lightness_to_luma(g), matrix)
            out[..., y0:y1, :] = rgb
        return out
