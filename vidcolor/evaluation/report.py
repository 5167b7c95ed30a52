"""Evaluation reports: ``metrics.json``, labelled comparison sheets, plots and an ``index.html``.

A report folder holds::

    index.html          metrics tables and every image below, by relative links
    metrics.json        the results (non-finite numbers such as an infinite PSNR written as null)
    sheets/sheet_NNN.png  original | gray | colorized | each style, one row per photo
    plots/means.png     mean PSNR / SSIM / colorfulness of each style against the gray baseline
    plots/warping_error.png  per-frame warping error of the video (and of its reference)

Plots use matplotlib's object API (``Figure`` → Agg when saved as PNG): no pyplot, no global
backend switch. Sheet captions are drawn with OpenCV's Hershey font (ASCII; other characters
show as '?').
"""

from __future__ import annotations

import html
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import cv2
import numpy as np

from vidcolor.io.image import write_image

_FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class SheetRow:
    """One row of a comparison sheet: a label and ``(caption, image)`` tiles, images ``uint8``
    RGB ``(H, W, 3)``. Tiles with the same caption line up in one column."""

    label: str
    tiles: tuple[tuple[str, np.ndarray], ...]


def _ascii(text: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text)


def _text(img: np.ndarray, text: str, x: int, y: int, scale: float = 0.45) -> None:
    cv2.putText(img, _ascii(text), (x, y), _FONT, scale, (235, 235, 235), 1, cv2.LINE_AA)


def make_sheet(rows: Sequence[SheetRow], tile_height: int | None = None, pad: int = 4, background: int = 40) -> np.ndarray:
    """Compose rows of tiles into one labelled ``uint8`` RGB image.

    Columns are the tile captions in order of first appearance, named in a header strip; each row
    has its label in a strip above it. Every tile is resized to ``tile_height`` (default: the
    first tile's height) keeping its aspect ratio; a missing tile leaves its cell empty.
    """
    rows = [r for r in rows if r.tiles]
    if not rows:
        raise ValueError("make_sheet needs at least one row with tiles")
    th = tile_height or rows[0].tiles[0][1].shape[0]
    columns: list[str] = []
    for r in rows:
        columns += [c for c, _ in r.tiles if c not in columns]

    def fit(img: np.ndarray) -> np.ndarray:
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"sheet tiles must be uint8 RGB (H, W, 3), got {img.dtype} {img.shape}")
        h, w = img.shape[:2]
        return img if h == th else cv2.resize(img, (max(1, round(w * th / h)), th), interpolation=cv2.INTER_AREA if h > th else cv2.INTER_LINEAR)

    cells = [{c: fit(im) for c, im in r.tiles} for r in rows]
    widths = [max([cell[c].shape[1] for cell in cells if c in cell] + [cv2.getTextSize(_ascii(c), _FONT, 0.45, 1)[0][0] + 4]) for c in columns]
    head, label_h = 22, 18
    width = pad + sum(w + pad for w in widths)
    height = head + len(rows) * (label_h + th + pad) + pad
    sheet = np.full((height, width, 3), background, np.uint8)
    xs = np.cumsum([pad] + [w + pad for w in widths[:-1]])
    for x, c in zip(xs, columns):
        _text(sheet, c, int(x) + 2, 16)
    y = head
    for r, cell in zip(rows, cells):
        _text(sheet, r.label, pad + 2, y + 13, 0.4)
        y += label_h
        for x, c in zip(xs, columns):
            if c in cell:
                t = cell[c]
                sheet[y:y + th, int(x):int(x) + t.shape[1]] = t
        y += th + pad
    return sheet


def write_sheets(rows: Sequence[SheetRow], folder: str | os.PathLike, rows_per_sheet: int = 8, prefix: str = "sheet",
                 tile_height: int | None = None) -> list[Path]:
    """Write ``rows`` as ``<folder>/<prefix>_000.png``, … (``rows_per_sheet`` rows each)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, start in enumerate(range(0, len(rows), rows_per_sheet)):
        paths.append(write_image(folder / f"{prefix}_{k:03d}.png", make_sheet(rows[start:start + rows_per_sheet], tile_height)))
    for stale in folder.glob(f"{prefix}_[0-9][0-9][0-9].png"):   # an earlier report's extra sheets: not this one's
        if stale not in paths:
            stale.unlink(missing_ok=True)
    return paths


# --- JSON and text ----------------------------------------------------------------------------------

def _clean(x):
    if isinstance(x, Mapping):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.generic,)):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, os.PathLike):
        return str(x)
    return x


def to_json(results: Mapping) -> str:
    """Strict JSON of a results dict (non-finite numbers → ``null``)."""
    return json.dumps(_clean(results), indent=2, allow_nan=False)


def _sections(results: Mapping) -> dict:
    """``{"images": …, "video": …}`` from either that shape or one evaluation dict with ``kind``."""
    if "kind" in results:
        return {results["kind"]: results}
    unknown = set(results) - {"images", "video"}
    if unknown:
        raise ValueError(f"unknown result sections {sorted(unknown)}; expected 'images' and/or 'video'")
    return dict(results)


def _f(v, fmt: str = ".4f") -> str:
    """A number for tables: ``-`` for missing, ``inf``/``nan`` spelled out, else ``format(v, fmt)``."""
    if v is None:
        return "-"
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return format(v, fmt)


#: (key, column name, number format) of the photo tables.
_IMAGE_COLS = (("psnr", "PSNR dB", ".2f"), ("ssim", "SSIM", ".4f"), ("colorfulness", "colorfulness", ".2f"),
               ("teacher_mad", "teacher MAD", ".4f"), ("teacher_psnr", "teacher PSNR", ".2f"),
               ("top1_agree", "top-1 agree", ".1%"), ("top5_agree", "top-5 agree", ".1%"))
_TEMPORAL_FMT = ".3e"


def _image_table(res: Mapping) -> list[tuple[str, list[str]]]:
    mean = res["mean"]
    rows = [("original", [_f(mean["original"].get(k), fmt) for k, _, fmt in _IMAGE_COLS]), ("gray baseline", [_f(mean["gray"].get(k), fmt) for k, _, fmt in _IMAGE_COLS])]
    for s in res["styles"]:
        rows.append(("colorized" if s == "none" else s, [_f(mean[s].get(k), fmt) for k, _, fmt in _IMAGE_COLS]))
    if "hints" in mean:
        rows.append(("with hints", [_f(mean["hints"].get(k), fmt) for k, _, fmt in _IMAGE_COLS]))
    return rows


def _video_table(res: Mapping) -> list[tuple[str, str, str]]:
    ref = res.get("reference") is not None
    t = _TEMPORAL_FMT
    rows = [("warping error (Lai 2018)", _f(res["warping_error"]["mean"], t), _f(res["reference_warping_error"]["mean"], t) if ref else "-"),
            ("CDC (NTIRE 2023)", _f(res["cdc"], t), _f(res["reference_cdc"], t) if ref else "-")]
    if ref:
        rows += [("PSNR vs reference (dB)", _f(res["vs_reference"]["psnr"], ".2f"), "-"),
                 ("SSIM vs reference", _f(res["vs_reference"]["ssim"], ".4f"), "-")]
    return rows


def format_summary(results: Mapping) -> str:
    """A readable plain-text table of the means (what ``vidcolor eval`` prints)."""
    out = []
    sec = _sections(results)
    if "images" in sec:
        r = sec["images"]
        src = f"results in {r['out_dir']}" if r.get("out_dir") else f"weights: {r.get('weights')}, render size {r.get('render_size')}"
        turned = "" if r.get("gray_model", "lightness") == "lightness" else ", turned gray by luma"
        kept = f", keeping the input's {r['preserve']}" if r.get("preserve") and r["preserve"] != "luma" else ""
        over = f"means of the {r['count'] - len(r['gray_originals'])} in color" if r.get("gray_originals") else "means"
        out.append(f"Photos: {r['count']} original(s) in {r['ref_dir']} ({src}{turned}{kept}); {over}:")
        out.append(f"  {'':<14}" + "".join(f"{name:>14}" for _, name, _ in _IMAGE_COLS))
        for label, vals in _image_table(r):
            out.append(f"  {label:<14}" + "".join(f"{v:>14}" for v in vals))
        if r.get("semantic"):
            out.append(f"  top-1/top-5 agree: {r['semantic']['classifier']} ImageNet class of the original found in the image (Zhang et al. 2016)")
        out += [f"  note: {n}" for n in r.get("notes", [])]
    if "video" in sec:
        r = sec["video"]
        out.append(f"Video: {r['video']} ({r['frames']} frames, {r['width']}x{r['height']}, flow on the {r['flow_on']}'s luminance)")
        out.append(f"  {'':<26}{'video':>12}{'reference':>12}")
        for label, a, b in _video_table(r):
            out.append(f"  {label:<26}{a:>12}{b:>12}")
        out += [f"  note: {n}" for n in r.get("notes", [])]
    return "\n".join(out)


# --- plots ------------------------------------------------------------------------------------------

def plot_means(res: Mapping, path: str | os.PathLike) -> Path:
    """Bar charts of the mean PSNR, SSIM and colorfulness of each style next to the gray baseline
    (and, for colorfulness, the originals)."""
    from matplotlib.figure import Figure

    mean = res["mean"]
    labels = ["gray"] + ["colorized" if s == "none" else s for s in res["styles"]]
    keys = ["gray"] + list(res["styles"])
    fig = Figure(figsize=(4 + 1.2 * len(labels), 3.4), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, (metric, title) in zip(axes, (("psnr", "PSNR (dB) ↑"), ("ssim", "SSIM ↑"), ("colorfulness", "colorfulness (M3)"))):
        names, vals = list(labels), [mean[k].get(metric) for k in keys]
        if metric == "colorfulness":
            names, vals = ["original"] + names, [mean["original"]["colorfulness"]] + vals
        vals = [v if v is not None and math.isfinite(v) else float("nan") for v in vals]
        colors = ["#888888" if n in ("gray", "original") else "#3a7bd5" for n in names]
        ax.bar(range(len(vals)), vals, color=colors)
        ax.set_xticks(range(len(vals)), names, rotation=35, ha="right", fontsize=8)
        ax.set_title(title, fontsize=10)
    fig.savefig(path, dpi=110)
    return Path(path)


def plot_warping(res: Mapping, path: str | os.PathLike) -> Path:
    """Per-frame warping error over time (pair t−1 → t at x = t), video and reference."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3.2), layout="constrained")
    ax = fig.subplots()
    we = res["warping_error"]["per_frame"]
    ax.plot(range(1, len(we) + 1), we, label="video", color="#3a7bd5")
    if res.get("reference") is not None:
        ref = res["reference_warping_error"]["per_frame"]
        ax.plot(range(1, len(ref) + 1), ref, label="reference", color="#888888")
    ax.set_xlabel("frame t (pair t-1 → t)")
    ax.set_ylabel("warping error (MSE)")
    ax.set_title(f"warping error, mean {_f(res['warping_error']['mean'], _TEMPORAL_FMT)}", fontsize=10)
    ax.legend()
    fig.savefig(path, dpi=110)
    return Path(path)


# --- HTML ------------------------------------------------------------------------------------------

def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    e = html.escape
    th = "".join(f"<th>{e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _img(rel: str, alt: str) -> str:
    return f'<p><a href="{html.escape(rel)}"><img src="{html.escape(rel)}" alt="{html.escape(alt)}"></a></p>'


_CSS = ("body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
        "img{max-width:100%}")


def write_report(results: Mapping, report_dir: str | os.PathLike, sheets: Sequence[SheetRow] | None = None, rows_per_sheet: int = 8) -> Path:
    """Write a report folder (see the module docstring) and return the path of its ``index.html``.

    ``results``: an evaluation dict (``kind`` ``images`` or ``video``) or ``{"images": …,
    "video": …}``. ``sheets``: comparison rows; default the ``sheet_rows`` that
    :func:`~vidcolor.evaluation.evaluate.evaluate_images` attached to its results (``()`` for none).
    """
    sec = _sections(results)
    out = Path(report_dir)
    (out / "plots").mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(to_json(sec) + "\n", encoding="utf-8")
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>vidcolor evaluation</title><style>{_CSS}</style></head><body>",
             "<h1>vidcolor evaluation</h1>", '<p>All numbers: <a href="metrics.json">metrics.json</a>. Definitions: docs/metrics.md.</p>']
    if "images" in sec:
        r = sec["images"]
        if sheets is None:
            sheets = getattr(r, "sheet_rows", ())
        parts.append(f"<h2>Photos ({r['count']})</h2><p>Originals: {e(str(r['ref_dir']))}; "
                     + (f"results: {e(str(r['out_dir']))}" if r.get("out_dir") else f"weights: {e(str(r.get('weights')))}, render size {r.get('render_size')}")
                     + f". Means over the {'color ' if r.get('gray_originals') else ''}photos; the gray baseline is the original's L* with zero chroma.</p>")
        parts.append(_table([""] + [n for _, n, _ in _IMAGE_COLS], [[label] + vals for label, vals in _image_table(r)]))
        if r.get("semantic"):
            parts.append(f"<p>top-1/top-5 agree: how often {e(r['semantic']['classifier'])} (ImageNet, {r['semantic']['input_size']}² centre crop) "
                         "finds the original's top-1 class as its top-1 / among its top 5 on the image (semantic interpretability, "
                         "Zhang et al. 2016); gray is the baseline to beat.</p>")
        parts += [f"<p>Note: {e(n)}</p>" for n in r.get("notes", [])]
        parts.append(_img(plot_means(r, out / "plots" / "means.png").relative_to(out).as_posix(), "mean metrics"))
        sem = bool(r.get("semantic"))
        head = ["image", "original colorfulness", "gray PSNR", "gray SSIM"] + (["ImageNet class", "gray top-1"] if sem else [])
        for s in r["styles"]:
            n = "colorized" if s == "none" else s
            head += [f"{n} PSNR", f"{n} SSIM", f"{n} colorfulness"] + ([f"{n} teacher MAD"] if s != "none" else []) + ([f"{n} top-1"] if sem else [])
        rows = []
        for im in r["images"]:
            name = im["name"] + (" (gray: not in the means)" if im.get("gray_original") else "")
            row = [name, _f(im["original"]["colorfulness"], ".2f"), _f(im["gray"]["psnr"], ".2f"), _f(im["gray"]["ssim"])]
            row += [str(im.get("imagenet_class", "-")), _f(im["gray"].get("top1_agree"), ".0f")] if sem else []
            for s in r["styles"]:
                m = im["styles"][s]
                row += [_f(m["psnr"], ".2f"), _f(m["ssim"]), _f(m["colorfulness"], ".2f")] + ([_f(m.get("teacher_mad"))] if s != "none" else [])
                row += [_f(m.get("top1_agree"), ".0f")] if sem else []
            rows.append(row)
        parts.append("<h3>Per photo</h3>" + _table(head, rows))
    if sheets:
        parts.append("<h3>Comparison sheets</h3>")
        for p in write_sheets(list(sheets), out / "sheets", rows_per_sheet):
            parts.append(_img(p.relative_to(out).as_posix(), p.stem))
    if "video" in sec:
        r = sec["video"]
        parts.append(f"<h2>Video</h2><p>{e(str(r['video']))}: {r['frames']} frames, {r['width']}×{r['height']}; flow and occlusion "
                     f"masks on the {e(r['flow_on'])}'s luminance" + (f"; reference {e(str(r['reference']))}" if r.get("reference") else "") + ".</p>")
        parts.append(_table(["", "video", "reference"], _video_table(r)))
        parts += [f"<p>Note: {e(n)}</p>" for n in r.get("notes", [])]
        parts.append(_img(plot_warping(r, out / "plots" / "warping_error.png").relative_to(out).as_posix(), "warping error per frame"))
    parts.append("</body></html>\n")
    index = out / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return index
