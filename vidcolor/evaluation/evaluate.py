"""Evaluation runs (library API, no click): photos against their colour originals, and videos for
temporal stability. Both return a JSON-able :class:`EvalResults` dict; :mod:`.report` turns it into
``metrics.json``, comparison sheets, plots and an HTML page.

Photos (:func:`evaluate_images`): every colour original in ``ref_dir`` is turned into its L*
luminance (what the network sees), colorized (or its result is read from ``out_dir``) and
scored against the original with PSNR / SSIM, plus colorfulness. The gray baseline (L* with zero
chroma) gets the same scores, so a model can be compared with doing nothing. For a style other
than ``none`` the output is also compared with the style teacher's rendering of the original.

Videos (:func:`evaluate_video`): a colorized video is streamed frame by frame (never loaded
whole) for its warping error and CDC, and optionally compared with its colour original.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
import torch

from vidcolor.color import LUMA_WEIGHTS, luma_to_lightness, rgb_to_gray, rgb_to_lab
from vidcolor.errors import VidcolorError
from vidcolor.evaluation.metrics import (
    cdc_from_histograms,
    colorfulness,
    flow_and_mask,
    gray_baseline,
    psnr,
    rgb_histograms,
    ssim,
    warping_error_pair,
)
from vidcolor.evaluation.placement import PLACEMENTS, worst_places
from vidcolor.evaluation.report import SheetRow
from vidcolor.io.image import IMAGE_EXTS, has_color, read_image
from vidcolor.io.video import VideoReader

#: Thumbnail height (pixels) kept for the comparison sheets.
SHEET_HEIGHT = 160


class EvalResults(dict):
    """A plain, JSON-able results dict. ``sheet_rows`` carries the comparison-sheet thumbnails
    (:class:`~vidcolor.evaluation.report.SheetRow`), which are not part of the JSON."""

    def __init__(self, *args, sheet_rows: Sequence[SheetRow] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet_rows = list(sheet_rows)


def list_images(folder: str | os.PathLike) -> list[Path]:
    """Image files directly in ``folder`` (sorted; hidden files skipped)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise VidcolorError(f"'{folder}' is not a folder")
    found = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_EXTS)
    if not found:
        raise VidcolorError(f"folder '{folder}' has no images ({', '.join(sorted(IMAGE_EXTS))})")
    return found


def find_result(out_dir: str | os.PathLike, original: Path, style: str) -> Path:
    """The result ``vidcolor process`` writes for ``original`` and ``style`` into a folder:
    ``<stem>.<style>.<ext>`` (the original's extension in lower case, as ``process`` writes it, then
    as given, then any image extension)."""
    out_dir = Path(out_dir)
    ext = original.suffix.lower()
    exts = list(dict.fromkeys([ext, original.suffix, *sorted(IMAGE_EXTS - {ext})]))
    for e in exts:
        p = out_dir / f"{original.stem}.{style}{e}"
        if p.is_file():
            return p
    raise VidcolorError(f"no result for '{original.name}' with style '{style}' in '{out_dir}' "
                        f"(expected {original.stem}.{style}{ext}, as 'vidcolor process --style {style} -o {out_dir}' writes it)")


def _to_tensor(image: np.ndarray) -> torch.Tensor:
    """uint8/uint16 RGB ``(H,W,3)`` or gray ``(H,W)`` → float RGB ``[1,3,H,W]`` in [0, 1]."""
    scale = 65535.0 if image.dtype == np.uint16 else 255.0
    t = torch.from_numpy(image.astype(np.float32) / scale)
    t = t[..., None].expand(*t.shape, 3) if t.dim() == 2 else t
    return t.permute(2, 0, 1)[None].contiguous()


def read_rgb(path: str | os.PathLike) -> torch.Tensor:
    """An image file as float sRGB ``[1,3,H,W]`` in [0, 1] (a gray file gives R = G = B)."""
    return _to_tensor(read_image(path))


def _to_hwc(rgb: torch.Tensor) -> np.ndarray:
    return rgb[0].permute(1, 2, 0).float().clamp(0, 1).cpu().numpy()


def _thumb(rgb: torch.Tensor, height: int) -> np.ndarray:
    img = _to_hwc(rgb)
    h, w = img.shape[:2]
    size = (max(1, round(w * height / h)), height)
    return (cv2.resize(img, size, interpolation=cv2.INTER_AREA if height < h else cv2.INTER_LINEAR) * 255 + 0.5).astype(np.uint8)


def _resize_short(img: np.ndarray, short: int) -> np.ndarray:
    """``(H,W,3)`` float → short side ``short`` (never upscaled; 0 = unchanged), area filter."""
    h, w = img.shape[:2]
    s = 1.0 if short == 0 else min(1.0, short / min(h, w))
    if s == 1.0:
        return img
    return cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)


def comparison_row(label: str, original: torch.Tensor, outputs: dict[str, torch.Tensor], height: int = SHEET_HEIGHT,
                   gray: torch.Tensor | None = None) -> SheetRow:
    """Sheet row ``original | gray | colorized | <style> …`` from RGB ``[1,3,H,W]`` tensors;
    ``outputs`` maps style names to results (``none`` is captioned "colorized"); ``gray``: the gray
    picture shown (default: the original's L*)."""
    tiles = [("original", _thumb(original, height)), ("gray", _thumb(gray_baseline(original) if gray is None else gray, height))]
    tiles += [("colorized" if s == "none" else s, _thumb(rgb, height)) for s, rgb in outputs.items()]
    return SheetRow(label, tuple(tiles))


def teacher_target(original: torch.Tensor, style: str, render_size: int, seed: int) -> np.ndarray:
    """The style teacher's rendering of ``original`` ``[1,3,H,W]`` at the working size: ``(h, w, 3)`` float32 in [0, 1]."""
    from vidcolor.styles import get_style

    o = _resize_short(_to_hwc(original), render_size)
    return get_style(style).render(np.ascontiguousarray(o, np.float32), seed)


def teacher_distance(result: torch.Tensor, target: np.ndarray, render_size: int) -> dict:
    """Distance of a stylized ``result`` ``[1,3,H,W]`` to a :func:`teacher_target`, at the working size:
    ``teacher_mad`` (mean |Δ| RGB in [0, 1]) and ``teacher_psnr``."""
    r = _resize_short(_to_hwc(result), render_size)
    if r.shape != target.shape:
        r = cv2.resize(r, (target.shape[1], target.shape[0]), interpolation=cv2.INTER_AREA)
    tt, rt = torch.from_numpy(target).permute(2, 0, 1), torch.from_numpy(np.ascontiguousarray(r)).permute(2, 0, 1)
    return {"teacher_mad": float((rt.double() - tt.double()).abs().mean()), "teacher_psnr": psnr(rt, tt)}


MIN_EVAL_SIDE = 16
"""Smallest side scored: SSIM's window is 11 px, OpenCV's DIS flow needs 12 and its pyramid more."""


def _scores(result: torch.Tensor, original: torch.Tensor) -> dict:
    return {"psnr": float(psnr(result, original)[0]), "ssim": float(ssim(result, original)[0]), "colorfulness": float(colorfulness(result)[0])}


def _means(entries: list[dict]) -> dict:
    values: dict[str, list[float]] = {}
    for e in entries:
        for k, v in e.items():
            values.setdefault(k, []).append(v)
    return {k: float(np.mean(v)) for k, v in values.items()}


def is_gray_original(original: torch.Tensor) -> bool:
    """True if an sRGB ``[1,3,H,W]`` original in [0, 1] shows no color — a gray or near-gray scan,
    by the rule ``vidcolor info`` uses (:func:`vidcolor.io.image.has_color`: under 2 % of pixels
    with a channel spread of 24/255). Its gray input already matches it (~98 dB PSNR), so there is
    no colorization to score, and :func:`evaluate_images` leaves it out of the means. A photo of
    few colors (snow, overcast, sepia) still has them and is scored."""
    rgb = (original[0].permute(1, 2, 0).clamp(0, 1) * 255.0 + 0.5).to(torch.uint8).numpy()
    return not has_color(rgb)


GRAY_MODELS = ("lightness", "luma")
"""How :func:`evaluate_images` turns an original gray: its CIE L*, or its Rec.601 luma Y′ (8 bits)."""


def _turn_gray(original: torch.Tensor, model: str) -> tuple[torch.Tensor, torch.Tensor]:
    """``(gray L*/100 [1,1,H,W] as vidcolor reads the gray picture, gray baseline RGB [1,3,H,W])``."""
    if model == "lightness":
        return rgb_to_gray(original), gray_baseline(original)
    w = torch.tensor(LUMA_WEIGHTS["bt601"], dtype=original.dtype).view(1, 3, 1, 1)
    y = ((original * w).sum(1, keepdim=True) * 255.0).round().clamp(0, 255) / 255.0
    return luma_to_lightness(y), y.expand(-1, 3, -1, -1).contiguous()


def evaluate_images(ref_dir: str | os.PathLike, out_dir: str | os.PathLike | None = None, *, weights: str | os.PathLike | None = None,
                    styles: Sequence[str] = ("none",), device: str = "cpu", render_size: int = 256, seed: int = 0, colorizer=None,
                    sheet_height: int = SHEET_HEIGHT, semantic: bool | None = None, semantic_checker=None, hint_points: int = 0,
                    hint_placement: str = "random", saturation: float = 1.0, gray_model: str = "lightness",
                    preserve: str = "luma") -> EvalResults:
    """Score colorizations of the colour photos in ``ref_dir``.

    Each original (sRGB, 8 or 16 bit) is turned gray as ``gray_model`` says: ``lightness`` (default) its
    CIE L* (:func:`vidcolor.color.rgb_to_gray`; the gray baseline is that neutral gray), or ``luma``
    its Rec.601 luma Y′ rounded to 8 bits, as PIL's ``convert("L")``, OpenCV and FFmpeg turn a
    picture gray (the baseline is that gray image, R = G = B = Y′). Plain colorization keeps the
    input's luma (``preserve="luma"``, the default of :class:`~vidcolor.pipeline.engine.Colorizer`)
    or its L* (``"lightness"``); the two protocols favour one each on saturated colors, so a
    figure says which it used. With ``out_dir`` the results were made elsewhere: ``gray_model``
    then only sets the gray baseline (and the sheets' gray column) to compare them with — it should
    be how their inputs were turned gray.
    Its results come from ``out_dir`` — ``<stem>.<style>.<ext>``, the names ``vidcolor process
    --style STYLE -o OUT_DIR`` writes — or, when ``out_dir`` is None, from a
    :class:`~vidcolor.pipeline.engine.Colorizer` (``weights`` or the bundled model, ``device``,
    ``render_size``; or the given ``colorizer``).

    Per image and style: PSNR and SSIM against the original, and colorfulness; for a style other
    than ``none`` also ``teacher_mad`` (mean |result − teacher|) and ``teacher_psnr`` against
    ``get_style(style).render(original, seed)``, both at the working size (short side
    ``render_size``, never upscaled; 0 = full size), since that is the scale the network stylizes
    at. Also the gray baseline's PSNR/SSIM/colorfulness and the original's colorfulness.

    Semantic check (:mod:`.semantic`, Zhang et al. 2016): ``top1_agree`` / ``top5_agree`` of the
    EfficientNet-Lite2 ImageNet classifier between the original and the gray baseline and each
    result (per image 0/1, so the means are agreement rates), and the original's class as
    ``imagenet_class``. ``semantic``: True requires the classifier, False skips it, None (default)
    runs it when its package is installed and otherwise adds a note saying how to enable it.
    ``semantic_checker``: a ready :class:`~.semantic.SemanticChecker` (reused across calls).

    ``hint_points`` > 0 (with a model, not an output folder): also plain colorization with that many
    true-color point hints per photo (:mod:`vidcolor.control`; the original's mean color over a 3×3
    patch at points drawn with ``seed`` and the file name), scored as ``hints`` — what a user gains by
    clicking a few colors. ``hint_placement="worst"`` puts them where a user would instead, on the
    largest errors of the automatic output (:func:`.placement.worst_places`).

    ``saturation``: as ``vidcolor process --saturation`` (the Colorizer made here scales its chroma
    by it; 1 = the model's calibrated colors).

    Originals without color (:func:`is_gray_original`: a gray or near-gray scan in the
    folder) are scored and shown like the others, marked ``"gray_original": True``, but left out of
    every mean — a gray original matches its own gray input and its ~98 dB would swamp the means —
    and named in ``gray_originals`` and a note; a folder of gray originals only is refused, before
    any colorizing.

    Returns ``{"kind": "images", ..., "count", "images": [per image], "gray_originals": [names],
    "mean": {"original", "gray", style…} (over the color originals), "semantic": {classifier,
    input_size} or None, "notes": [...]}`` with thumbnails for the comparison sheets in ``.sheet_rows``.
    """
    from vidcolor.styles.packs import check_style_name, is_added_style

    styles = tuple(dict.fromkeys(styles))   # each once, in the order given
    if not styles:
        raise VidcolorError("no styles to evaluate")
    for s in styles:
        check_style_name(s)   # built-in or added (vidcolor styles add; scored without a teacher)
    if render_size < 0:
        raise VidcolorError(f"render size must be ≥ 0, got {render_size}")
    if gray_model not in GRAY_MODELS:
        raise VidcolorError(f"unknown gray conversion '{gray_model}' (choose from {', '.join(GRAY_MODELS)})")
    if hint_placement not in PLACEMENTS:
        raise VidcolorError(f"unknown hint placement '{hint_placement}' (choose from {', '.join(PLACEMENTS)})")
    originals = list_images(ref_dir)
    gray_originals, unusable = [], []
    for path in originals:   # before any work: a damaged or tiny original is left out, named, not fatal
        try:
            original = read_rgb(path)
        except VidcolorError as exc:
            unusable.append(f"{path.name} ({getattr(exc, 'reason', None) or exc})")
            continue
        if min(original.shape[-2:]) < 11:
            unusable.append(f"{path.name} ({original.shape[-1]}×{original.shape[-2]}: SSIM needs at least 11 px a side)")
            continue
        if is_gray_original(original):
            gray_originals.append(path.name)
    if unusable:
        originals = [p for p in originals if not any(u.startswith(p.name + " (") for u in unusable)]
        if not originals:
            raise VidcolorError(f"none of the originals in '{ref_dir}' can be scored: {'; '.join(unusable)}")
    if len(gray_originals) == len(originals):
        raise VidcolorError(f"the originals in '{ref_dir}' are all gray (no color to score colorization against); "
                            "--ref takes a folder of color photos")
    if out_dir is not None:
        if weights is not None or colorizer is not None or saturation != 1.0 or preserve != "luma":
            raise VidcolorError("evaluating results from an output folder uses no weights (nor a saturation or preserve); "
                                "give either the folder or weights")
        if not Path(out_dir).is_dir():
            raise VidcolorError(f"results folder '{out_dir}' does not exist")
        results_for = {p: {s: find_result(out_dir, p, s) for s in styles} for p in originals}  # fail before any work
        source = None
    else:
        source = str(weights) if weights else ("bundled" if colorizer is None else "given model")
        if colorizer is None:
            from vidcolor.pipeline.engine import Colorizer

            colorizer = Colorizer(weights, device=device, render_size=render_size, saturation=saturation, preserve=preserve)
        elif saturation != 1.0 or preserve != "luma":
            raise VidcolorError("saturation and preserve are set on the given colorizer (Colorizer(saturation=…, preserve=…)), not here")
        style_idx = {s: colorizer.style_index(s) for s in styles}
    checker, notes = _semantic_checker(semantic, semantic_checker, device)
    if unusable:
        notes.append(f"left out: {len(unusable)} original(s) that cannot be scored: {'; '.join(unusable)}")

    entries, rows = [], []
    for path in originals:
        original = read_rgb(path)
        gray, base = _turn_gray(original, gray_model)
        entry = {"name": path.name, "width": original.shape[-1], "height": original.shape[-2],
                 "original": {"colorfulness": float(colorfulness(original)[0])}, "gray": _scores(base, original), "styles": {},
                 **({"gray_original": True} if path.name in gray_originals else {})}
        outputs = {}
        for s in styles:
            if out_dir is not None:
                rp = results_for[path][s]
                result = read_rgb(rp)
                if result.shape != original.shape:
                    raise VidcolorError(f"result '{rp}' is {result.shape[-1]}×{result.shape[-2]} but its original '{path}' is "
                                        f"{original.shape[-1]}×{original.shape[-2]}")
            else:
                result = colorizer.colorize(gray, style_idx[s]).float().cpu()
            scores = _scores(result, original)
            if s != "none" and not is_added_style(s):
                scores.update(teacher_distance(result, teacher_target(original, s, render_size, seed), render_size))
            entry["styles"][s] = scores
            outputs[s] = result
        if hint_points > 0:
            if out_dir is not None:
                raise VidcolorError("hint points need a model (weights), not a results folder")
            places = None
            if hint_placement == "worst":
                auto = outputs["none"] if "none" in outputs else colorizer.colorize(gray, 0).float().cpu()
                places = worst_places(_u8(auto), _u8(original), hint_points)
            hints = _true_color_points(original, hint_points, seed, path.name, places)
            entry["hints"] = _scores(colorizer.colorize(gray, 0, hints).float().cpu(), original)
        if checker is not None:
            _add_semantic(checker, entry, original, base, outputs)
        entries.append(entry)
        rows.append(comparison_row(path.name, original, outputs, sheet_height, base))

    colored = [e for e in entries if not e.get("gray_original")]
    mean = {"original": _means([e["original"] for e in colored]), "gray": _means([e["gray"] for e in colored])}
    for s in styles:
        mean[s] = _means([e["styles"][s] for e in colored])
    if hint_points > 0:
        mean["hints"] = _means([e["hints"] for e in colored])
    if gray_originals:
        notes.append(f"left out of the means: {len(gray_originals)} original(s) without color (gray or near-gray), "
                     f"which their gray input already matches: {', '.join(gray_originals)}")
    return EvalResults({
        "kind": "images", "ref_dir": str(ref_dir), "out_dir": None if out_dir is None else str(out_dir),
        "weights": source,
        "render_size": render_size, "seed": seed, "styles": list(styles), "count": len(entries), "images": entries,
        "gray_originals": gray_originals, "mean": mean,
        **({"hint_points": hint_points, "hint_placement": hint_placement} if hint_points > 0 else {}),
        **({"saturation": colorizer.saturation} if colorizer is not None and colorizer.saturation != 1.0 else {}),
        "gray_model": gray_model, **({"preserve": colorizer.preserve} if colorizer is not None else {}),
        "semantic": None if checker is None else {"classifier": checker.name, "input_size": checker.size}, "notes": notes,
    }, sheet_rows=rows)


def _u8(img: torch.Tensor) -> np.ndarray:
    """``[1,3,H,W]`` RGB in [0, 1] → ``(H, W, 3)`` uint8."""
    return (img[0].permute(1, 2, 0).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)


def _true_color_points(original: torch.Tensor, n: int, seed: int, name: str,
                       places: list[tuple[int, int]] | None = None) -> torch.Tensor:
    """A hint map ``[1,3,H,W]`` of ``n`` points of the original's true chroma (3×3 mean), at
    ``places`` ``(x, y)`` or drawn at random with ``seed`` and the file name."""
    import zlib

    from vidcolor.control.hints_io import point_radius, rgb_to_ab
    from vidcolor.models.hints import make_hints

    _, _, h, w = original.shape
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    rgb = _u8(original)
    ab = np.zeros((h, w, 2), np.float32)
    conf = np.zeros((h, w), np.float32)
    r = point_radius(h, w)
    if places is None:
        places = [(int(rng.integers(1, w - 1)), int(rng.integers(1, h - 1))) for _ in range(n)]
    for x, y in places:
        c = rgb[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3).mean(0).round().astype(np.uint8)
        ab[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1] = rgb_to_ab(c)
        conf[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1] = 1
    return make_hints(torch.from_numpy(ab).permute(2, 0, 1)[None], torch.from_numpy(conf)[None, None])


def _semantic_checker(semantic: bool | None, checker, device: str):
    """``(checker or None, notes)`` for :func:`evaluate_images`'s ``semantic`` option."""
    from vidcolor.evaluation import semantic as sem

    if semantic is False:
        return None, []
    if checker is not None:
        return checker, []
    if semantic is None and not sem.available():
        return None, [sem.ENABLE_HINT]
    return sem.SemanticChecker(device="cuda" if device == "cuda" else "cpu"), []


def _add_semantic(checker, entry: dict, original: torch.Tensor, gray: torch.Tensor, outputs: dict[str, torch.Tensor]) -> None:
    """Top-1/top-5 agreement with the original for the gray baseline and every result, in place."""
    from vidcolor.evaluation.semantic import agreement

    names = list(outputs)
    probs = checker.probabilities(torch.cat([original, gray] + [outputs[s] for s in names]).float())
    agree = agreement(probs[:1].expand(len(probs) - 1, -1), probs[1:])
    entry["imagenet_class"] = agree["label"][0]
    for i, target in enumerate([entry["gray"]] + [entry["styles"][s] for s in names]):
        target["top1_agree"], target["top5_agree"] = agree["top1"][i], agree["top5"][i]


def _frame_tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255.0


def _warp_summary(values: list[float]) -> dict:
    return {"mean": float(np.mean(values)) if values else None, "per_frame": values}


RATE_TOLERANCE = 5e-4
"""Relative difference of two average frame rates taken as a mismatch: above FFmpeg's estimation
noise, below 24 vs 24000/1001 fps (1e-3)."""


def _rates_differ(a, b) -> bool:
    return bool(a and b) and abs(float(a) - float(b)) > RATE_TOLERANCE * max(float(a), float(b))


def evaluate_video(video: str | os.PathLike, reference: str | os.PathLike | None = None, *, max_frames: int | None = None,
                   preset: str = "medium") -> EvalResults:
    """Temporal metrics of a colorized ``video``, streamed frame by frame.

    * ``warping_error``: Lai et al. (2018) per frame pair and mean
      (:func:`~vidcolor.evaluation.metrics.video_warping_error`), with DIS flow (``preset``) and
      occlusion masks on the L* of the ``reference`` when given, else on the video's own L*
      (for plain colorization that *is* the input luminance).
    * ``cdc``: NTIRE 2023 Color Distribution Consistency (:func:`~vidcolor.evaluation.metrics.cdc`),
      and ``cdc_per_dilation`` for Δ = 1, 2, 4 alone.
    * With a colour ``reference`` (same size): per-frame and mean PSNR / SSIM against it, and the
      reference's own warping error (same flows) and CDC — what a perfectly steady result scores.

    Frames are paired by decode order; if the two videos differ in length the extra frames are
    ignored and a note says so, and so does a note when their frame rates differ (by more than
    :data:`RATE_TOLERANCE`: 24 vs 23.976 fps counts), since pairing by index is then only right if
    one is the other re-timed. ``max_frames`` limits the frames read.
    """
    video = Path(video)
    n = 0
    shorter = video   # the file whose frames ran out (named if fewer than 2 were compared)
    hists, ref_hists, we, ref_we, psnrs, ssims, notes = [], [], [], [], [], [], []
    prev = None  # (out, ref or None, flow gray)
    with contextlib.ExitStack() as stack:
        rv = stack.enter_context(VideoReader(video, fmt="rgb24"))
        rr = stack.enter_context(VideoReader(reference, fmt="rgb24")) if reference is not None else None
        if rr is not None and (rr.info.width, rr.info.height) != (rv.info.width, rv.info.height):
            raise VidcolorError(f"'{video}' is {rv.info.width}×{rv.info.height} but the reference '{reference}' is "
                                f"{rr.info.width}×{rr.info.height}")
        if rr is not None and _rates_differ(rv.info.frame_rate, rr.info.frame_rate):
            notes.append(f"the video runs at {float(rv.info.frame_rate):.3f} fps and the reference at {float(rr.info.frame_rate):.3f} fps; "
                         "frames are compared by index, not by time: right if one is the other re-timed, wrong where frames "
                         "were dropped or repeated to change the rate")
        if min(rv.info.width, rv.info.height) < MIN_EVAL_SIDE:
            raise VidcolorError(f"'{video}' is {rv.info.width}×{rv.info.height}: too small to score (optical flow and SSIM "
                                f"need at least {MIN_EVAL_SIDE} px on each side)")
        frames = itertools.zip_longest(rv.frames(), rr.frames()) if rr is not None else ((f, None) for f in rv.frames())
        for fo, fr in frames:
            if max_frames is not None and n >= max_frames:
                break
            if fo is None or (rr is not None and fr is None):
                shorter = video if fo is None else reference
                notes.append(f"{'the video' if fo is None else 'the reference'} has fewer frames; compared the first {n}")
                break
            out = _frame_tensor(fo.image)
            hists.append(rgb_histograms(out)[0])
            ref = _frame_tensor(fr.image) if fr is not None else None
            if ref is not None:
                ref_hists.append(rgb_histograms(ref)[0])
                psnrs.append(float(psnr(out, ref)[0]))
                ssims.append(float(ssim(out, ref)[0]))
            g = rgb_to_gray(ref if ref is not None else out)
            if prev is not None:
                flow, mask = flow_and_mask(prev[2], g, preset)
                we.append(warping_error_pair(prev[0], out, flow, mask))
                if ref is not None:
                    ref_we.append(warping_error_pair(prev[1], ref, flow, mask))
            prev = (out, ref, g)
            n += 1
        if rv.corrupt_packets:
            notes.append(f"skipped {rv.corrupt_packets} corrupt packet(s) in the video")
    if n < 2:
        raise VidcolorError(f"'{shorter}' has {n} decodable frame(s); temporal metrics need at least 2")
    res = {"kind": "video", "video": str(video), "reference": None if reference is None else str(reference), "frames": n,
           "width": rv.info.width, "height": rv.info.height, "fps": float(rv.info.frame_rate),
           **({"reference_fps": float(rr.info.frame_rate)} if rr is not None else {}),
           "flow_on": "reference" if reference is not None else "video", "warping_error": _warp_summary(we),
           "cdc": cdc_from_histograms(np.stack(hists)),
           "cdc_per_dilation": {str(d): cdc_from_histograms(np.stack(hists), (d,)) for d in (1, 2, 4) if d < n}}
    if reference is not None:
        res["vs_reference"] = {"psnr": float(np.mean(psnrs)), "ssim": float(np.mean(ssims)), "psnr_per_frame": psnrs, "ssim_per_frame": ssims}
        res["reference_warping_error"] = _warp_summary(ref_we)
        res["reference_cdc"] = cdc_from_histograms(np.stack(ref_hists))
    res["notes"] = notes
    return EvalResults(res)
