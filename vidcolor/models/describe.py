"""Human-readable summary of a ``.safetensors`` file vidcolor made: generator weights or a style pack
(``vidcolor info FILE.safetensors``). Reads the header and tensors without unpickling anything."""

from __future__ import annotations

import json
import os
from pathlib import Path

from vidcolor.errors import VidcolorError


def _size(path: Path) -> str:
    n = path.stat().st_size
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def describe_generator(path: str | os.PathLike) -> str:
    """Architecture, styles, hint inputs, chroma classes, calibration, training and fingerprint."""
    from vidcolor.batch.segments import model_fingerprint, render_fingerprint
    from vidcolor.models.generator import count_parameters
    from vidcolor.models.serialization import load_generator, read_metadata

    path = Path(path)
    read_metadata(path)  # refuses pickles and other formats with a clear message
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        dtypes = sorted({str(f.get_slice(k).get_dtype()).lower() for k in f.keys()})
        try:
            info = json.loads((f.metadata() or {}).get("info", "{}") or "{}")
        except json.JSONDecodeError:
            info = {}
        if not isinstance(info, dict):
            info = {}
    model = load_generator(path)
    c = model.config
    lines = [f"vidcolor generator weights: {path.name} ({_size(path)}, {'/'.join(dtypes)})",
             f"  parameters: {count_parameters(model) / 1e6:.2f} M"]
    if c.encoder == "scratch":
        lines.append(f"  encoder: trained from scratch, levels {'/'.join(map(str, c.widths))}")
    else:
        lines.append(f"  encoder: {c.encoder} (ImageNet-initialised), decoder {'/'.join(map(str, c.decoder_widths))}, bottleneck {c.bottleneck_width}")
    lines.append(f"  styles: {', '.join(c.styles)}")
    lines.append(f"  color hints: {'yes (--hints, --hints-image, --reference)' if c.hints else 'no'}")
    if c.ab_classes:
        lines.append(f"  chroma classes: {c.ab_classes}, annealed-mean temperature {c.ab_temperature:g} (plain automatic colorization)")
    if any(k in info for k in ("chroma_gain", "chroma_bias", "chroma_gain_hints", "chroma_bias_hints")):
        bias = info.get("chroma_bias", (0.0, 0.0))
        cal = f"  calibration of plain colorization: gain {float(info.get('chroma_gain', 1.0)):g}, bias a*/b* {float(bias[0]):+.2f}/{float(bias[1]):+.2f}"
        if "chroma_gain_hints" in info or "chroma_bias_hints" in info:
            cal += f"; with hints gain {float(info.get('chroma_gain_hints', info.get('chroma_gain', 1.0))):g}"
            if "chroma_bias_hints" in info:
                bh = info["chroma_bias_hints"]
                cal += f", bias a*/b* {float(bh[0]):+.2f}/{float(bh[1]):+.2f}"
        lines.append(cal)
    train = [f"{k.replace('_', ' ')} {info[k]}" for k in ("global_step",) if k in info]
    if info.get("complete") is False:
        train.append("incomplete (a checkpoint of a run that did not finish)")
    if train:
        lines.append("  training: " + ", ".join(train))
    fp = render_fingerprint(model, info)
    also = [str(f)[:16] for f in info.get("pack_fingerprints", ())]
    lines.append(f"  fingerprint: {fp[:16]} (resumed renders); style packs need {model_fingerprint(model, base_only=True)[:16]}"
                 + (f" (or, made for earlier weights, {', '.join(also)})" if also else ""))
    if "style_strength" in info:
        k = info["style_strength"].get("k", {})
        lines.append("  style strength (embedding extrapolation): " + ", ".join(f"{s} {float(v):g}" for s, v in k.items()))
    return "\n".join(lines)


def describe_pack(path: str | os.PathLike) -> str:
    """Name, source painting, training time and the base weights a style pack was made for."""
    from vidcolor.styles.packs import read_pack

    path = Path(path)
    pack = read_pack(path)
    m = pack.meta
    lines = [f"vidcolor style pack: {pack.name} ({path.name}, {_size(path)})",
             f"  learned from: {m.get('source_image', '?')} in {m.get('minutes', '?')} min ({m.get('steps', '?')} steps), {m.get('created', '?')}",
             f"  for weights: {m.get('base_weights', '?')} (fingerprint {str(m.get('base_fingerprint', '?'))[:16]})"]
    return "\n".join(lines)


def describe_safetensors(path: str | os.PathLike) -> str:
    """:func:`describe_generator` or :func:`describe_pack`, by the file's ``format`` metadata."""
    from vidcolor.models.serialization import FORMAT, read_safetensors_metadata
    from vidcolor.styles.packs import FORMAT as PACK_FORMAT

    meta = read_safetensors_metadata(path, what="file", fmt=None, version="", kind="")
    if meta.get("format") == FORMAT:
        return describe_generator(path)
    if meta.get("format") == PACK_FORMAT:
        return describe_pack(path)
    raise VidcolorError(f"'{path}' is a safetensors file but neither vidcolor generator weights nor a style pack "
                        f"(metadata format={meta.get('format')!r})")
