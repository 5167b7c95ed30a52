"""Styles learned from a painting: *style packs* in the user's style folder.

A style pack holds a new style vector ``v`` ``[D]`` (D = the base generator's ``style_dim``; it replaces
the learned embedding lookup, driving FiLM in the decoder) and a small
:class:`~vidcolor.styles.adapter.StyleAdapter` applied to the generator's output at the working
resolution. The base generator stays frozen, so a pack is tied to the exact weights it was made for:

``Lab = adapter(gray, G(gray, style_vector=v))``

**Learning** (:func:`learn_style`, Johnson et al. 2016 with the base network as the transformer):
random crops of content photos (ten small photos shipped in ``vidcolor/styles/content/``, or the user's
own frames) are turned gray and rendered; ``v`` and the adapter minimise, with VGG16 features φ_l
(:class:`~vidcolor.losses.perceptual.VGGFeatures`) and Gram matrices G (Gatys et al. 2016):

* style ``Σ_{l ∈ relu1_2, relu2_2, relu3_3, relu4_3} mean((G(φ_l(ŷ)) − G(φ_l(s)))²) / mean(G(φ_l(s))²)`` (s = painting)
* content ``Σ_{l ∈ relu3_3, relu4_3} mean((φ_l(ŷ) − φ_l(y))²) / mean(φ_l(y)²)`` (y = the colour photo)
* palette ``‖μ(ŷ) − μ(s)‖² + ‖Σ(ŷ) − Σ(s)‖²_F`` on ab/110 (mean and covariance of the chroma)
* total variation ``mean|∂x ŷ| + mean|∂y ŷ|``

After training, the adapter's palette table is fitted by iterative distribution transfer (Pitié,
Kokaram & Dahyot 2005; :func:`_palette_lut`) from the chroma the adapter produces on the content
photos to the painting's, so the output's colours follow the painting's distribution, not just its
mean and covariance. Packs without a table (``AdapterConfig.lut = 0``) instead start the adapter's
affine chroma map as the linear Monge–Kantorovich transfer (Pitié & Kokaram 2007) from the base
output's ab statistics to the painting's: ``A = Σo^-½ (Σo^½ Σs Σo^½)^½ Σo^-½``, ``t = μs − A μo``
(singular values of A capped at 4).

**File** ``styles_dir()/NAME.safetensors`` (:func:`vidcolor.paths.styles_dir`), tensors ``style_vector``
and ``adapter.*``; header metadata (strings): ``format`` = ``"vidcolor-style-pack"``,
``format_version``, ``name``, ``base_fingerprint`` (SHA-256 of the base generator's tensors,
:func:`vidcolor.batch.segments.model_fingerprint`), ``base_weights`` (file name), ``style_dim``,
``adapter`` (JSON :class:`~vidcolor.styles.adapter.AdapterConfig`), ``source_image``, ``minutes``,
``seconds``, ``steps``, ``created`` (ISO 8601, UTC), ``losses`` (JSON). Written atomically: an
interrupted ``styles add`` (Ctrl-C, SIGTERM) leaves no file behind.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from vidcolor.errors import VidcolorError
from vidcolor.paths import styles_dir
from vidcolor.styles.adapter import AdapterConfig, StyleAdapter
from vidcolor.styles.registry import STYLES

FORMAT = "vidcolor-style-pack"
FORMAT_VERSION = "1"
CONTENT_DIR = Path(__file__).resolve().parent / "content"
STYLE_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
CONTENT_LAYERS = ("relu3_3", "relu4_3")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


@dataclass(frozen=True)
class LearnSettings:
    """Optimisation settings of :func:`learn_style` (the defaults are what ``styles add`` uses)."""

    crop: int = 128              # content crops, px (a multiple of the generator's stride)
    batch: int = 2
    style_short_side: int = 256  # the painting is seen at this short side (content photos are 256 too)
    lr_vector: float = 0.02
    lr_adapter: float = 2e-3
    w_style: float = 1.0
    w_content: float = 1.0
    w_palette: float = 10.0
    w_tv: float = 0.5
    seed: int = 0


@dataclass
class StylePack:
    """A loaded pack: ``vector`` ``[D]``, ``adapter``, header ``meta`` and the file it came from."""

    name: str
    vector: torch.Tensor
    adapter: StyleAdapter
    meta: dict
    path: Path | None = None

    def to(self, device: torch.device | str) -> "StylePack":
        self.vector = self.vector.to(device)
        self.adapter = self.adapter.to(device)
        return self


@dataclass(frozen=True)
class StyleEntry:
    """One line of :func:`list_styles`: ``kind`` is ``"built-in"`` or ``"added"``."""

    name: str
    kind: str
    description: str
    path: Path | None = None


# -- names and files --------------------------------------------------------------------------------

def pack_path(name: str) -> Path:
    return styles_dir() / f"{name}.safetensors"


def _builtin_clash(name: str, base_styles: tuple[str, ...] = ()) -> str | None:
    """The built-in style ``name`` is, ignoring case ('OIL', 'Oil': 'oil'), or None."""
    return next((b for b in (*STYLES, *base_styles) if b.lower() == (name or "").lower()), None)


def check_new_name(name: str, base_styles: tuple[str, ...] = ()) -> None:
    """VidcolorError unless ``name`` can name a new style (letters, digits, ``_``, ``-``; no built-in)."""
    clash = _builtin_clash(name, base_styles)
    if clash is not None:   # 'OIL' beside 'oil' would make two styles that differ only in case
        raise VidcolorError(f"'{name}' is the built-in style '{clash}'; choose another name for the new style")
    if not _NAME.match(name or ""):
        raise VidcolorError(f"invalid style name {name!r}: use 1-40 letters, digits, '_' or '-', starting with a letter or digit")


def _pack_names() -> list[str]:
    folder = styles_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.safetensors") if not p.name.startswith(".") and _NAME.match(p.stem))


def added_style_names() -> list[str]:
    """Names of the style packs in :func:`~vidcolor.paths.styles_dir` (sorted; none if it does not
    exist). A pack named like a built-in style in another case ('Oil.safetensors', copied in by hand:
    ``styles add`` refuses the name) is not a style: :func:`list_styles` shows it as ignored."""
    return [n for n in _pack_names() if _builtin_clash(n) is None]


def is_added_style(name: str) -> bool:
    """True if ``name`` is not built in (in any case) and a pack of that name is in the style folder."""
    return _builtin_clash(name) is None and bool(_NAME.match(name or "")) and pack_path(name).is_file()


def check_style_name(name: str) -> None:
    """VidcolorError unless ``name`` is a built-in style or an added one (before any model is loaded)."""
    if name in STYLES or is_added_style(name):
        return
    added = added_style_names()
    import difflib

    close = difflib.get_close_matches((name or "").strip().lower(), [*STYLES, *added], n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise VidcolorError(f"unknown style {name!r}{hint}; built-in: {', '.join(STYLES)}"
                        + (f"; added: {', '.join(added)}" if added else "; add one with 'vidcolor styles add NAME --image PAINTING'"))


def list_styles() -> list[StyleEntry]:
    """Built-in styles, then the added ones (an unreadable pack is listed with the reason)."""
    out = [StyleEntry(n, "built-in", t.description) for n, t in STYLES.items()]
    for name in added_style_names():
        path = pack_path(name)
        try:
            meta = read_pack_metadata(path)
            desc = f"learned from {meta.get('source_image', '?')} ({float(meta.get('minutes', 0)):g} min, {meta.get('created', '?')[:10]})"
        except VidcolorError as exc:
            desc = f"unreadable: {exc}"
        out.append(StyleEntry(name, "added", desc, path))
    for name in _pack_names():
        if _builtin_clash(name) is not None:
            out.append(StyleEntry(name, "ignored", f"named like the built-in style '{_builtin_clash(name)}': rename the file "
                                  f"or remove it (vidcolor styles remove {name})", pack_path(name)))
    return out


def remove_style(name: str) -> Path:
    """Delete an added style; returns the removed file's path."""
    if _builtin_clash(name) is not None and not (_NAME.match(name or "") and pack_path(name).is_file()):
        raise VidcolorError(f"'{name}' is a built-in style and cannot be removed")   # a pack file of that name can
    path = pack_path(name) if _NAME.match(name or "") else None
    if path is None or not path.is_file():
        added = added_style_names()
        raise VidcolorError(f"no added style named {name!r}" + (f"; added styles: {', '.join(added)}" if added else f" (none in {styles_dir()})"))
    path.unlink()
    return path


def read_pack_metadata(path: str | os.PathLike) -> dict:
    """Validate ``path`` as a style pack (never unpickling) and return its header metadata."""
    from vidcolor.models.serialization import read_safetensors_metadata

    return read_safetensors_metadata(path, what="style pack", fmt=FORMAT, version=FORMAT_VERSION, kind="a vidcolor style pack")


def read_pack(path: str | os.PathLike) -> StylePack:
    """Load a pack file (CPU, fp32) without checking which model it belongs to."""
    path = Path(path)
    meta = read_pack_metadata(path)
    cfg = AdapterConfig.from_json(meta.get("adapter", "{}"))
    from safetensors.torch import load_file

    try:
        state = load_file(str(path), device="cpu")
    except Exception as exc:
        raise VidcolorError(f"style pack '{path}' is damaged ({exc.__class__.__name__})") from None
    vector = state.pop("style_vector", None)
    adapter = StyleAdapter(cfg)
    try:
        if vector is None or vector.dim() != 1:
            raise RuntimeError("style_vector")
        adapter.load_state_dict({k[len("adapter."):]: v.float() for k, v in state.items() if k.startswith("adapter.")}, strict=True)
    except RuntimeError:
        raise VidcolorError(f"style pack '{path}' is damaged (its tensors do not match its adapter config)") from None
    if not all(bool(torch.isfinite(t).all()) for t in (vector, *adapter.state_dict().values())):
        raise VidcolorError(f"style pack '{path}' is damaged (it holds NaN or infinite numbers); add the style again")
    return StylePack(meta.get("name", path.stem), vector.float(), adapter.eval(), meta, path)


def load_pack(name: str, model, accepted: tuple[str, ...] = ()) -> StylePack:
    """The added style ``name`` for the generator ``model`` (frozen, on CPU); VidcolorError if it is
    unknown, damaged, or was made for other weights. ``accepted``: further base fingerprints whose
    packs render the same on ``model`` (the weights' ``info.pack_fingerprints``: weights that differ
    from those only in built-in style rows, ``scripts/tune_style_strength.py``)."""
    if name in STYLES:
        raise VidcolorError(f"style '{name}' is not in these weights; available: {', '.join(model.styles)}")
    check_style_name(name)
    pack = read_pack(pack_path(name))
    from vidcolor.batch.segments import model_fingerprint

    fp = model_fingerprint(model, base_only=True)
    if pack.meta.get("base_fingerprint") not in (fp, *accepted) or pack.vector.numel() != model.config.style_dim:
        made = pack.meta.get("base_weights") or "unknown weights"
        raise VidcolorError(f"style '{name}' was made for another model ({made}, fingerprint {pack.meta.get('base_fingerprint', '?')[:12]}; "
                            f"these weights are {fp[:12]}); re-create it with vidcolor styles add {name} --image "
                            f"{pack.meta.get('source_image') or 'PAINTING'} --overwrite [--weights THESE_WEIGHTS]")
    for p in pack.adapter.parameters():
        p.requires_grad_(False)
    pack.name = name
    return pack


def save_pack(path: Path, name: str, vector: torch.Tensor, adapter: StyleAdapter, meta: dict) -> Path:
    """Write a pack atomically (temporary sibling + rename; nothing is left if this is interrupted)."""
    from safetensors.torch import save_file

    from vidcolor.io.atomic import atomic_output

    tensors = {"style_vector": vector.detach().float().cpu().contiguous()}
    tensors.update({f"adapter.{k}": v.detach().float().cpu().contiguous() for k, v in adapter.state_dict().items()})
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "name": name, "adapter": adapter.config.to_json()}
    header.update({k: str(v) for k, v in meta.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        save_file(tensors, str(tmp), metadata=header)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # safetensors creates files owner-only
    return path


# -- learning ---------------------------------------------------------------------------------------

def _rgb_float(path: Path) -> np.ndarray:
    """An image file as float32 RGB ``(H, W, 3)`` in [0, 1]; VidcolorError if it is not a picture."""
    from vidcolor.io.image import read_image

    img = read_image(path)
    img = img.astype(np.float32) / (65535.0 if img.dtype == np.uint16 else 255.0)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if min(img.shape[:2]) < 32:
        raise VidcolorError(f"image '{path}' is too small ({img.shape[1]}×{img.shape[0]}); give a picture of at least 32 px")
    return img


def _to_tensor(rgb: np.ndarray, short: int, min_side: int = 0, max_long: int | None = None) -> torch.Tensor:
    """``(H,W,3)`` → ``[1,3,h,w]`` with short side ``short`` (long side ≤ ``max_long``, short ≥ ``min_side``)."""
    import cv2

    h, w = rgb.shape[:2]
    s = short / min(h, w)
    if max_long:
        s = min(s, max_long / max(h, w))
    s = max(s, min_side / min(h, w))
    size = (max(1, round(w * s)), max(1, round(h * s)))
    out = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)
    return torch.from_numpy(np.clip(out, 0, 1)).permute(2, 0, 1)[None].contiguous()


def _content_photos(folder: Path | None, crop: int) -> list[torch.Tensor]:
    from vidcolor.io.image import IMAGE_EXTS

    src = Path(folder) if folder else CONTENT_DIR
    if not src.is_dir():
        raise VidcolorError(f"--photos: '{src}' is not a folder")
    files = sorted(p for p in src.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTS and not p.name.startswith("."))
    if not files:
        raise VidcolorError(f"--photos: no images in '{src}' ({', '.join(sorted(IMAGE_EXTS))})")
    return [_to_tensor(_rgb_float(p), 256, min_side=crop) for p in files]


def _chroma_moments(rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per image mean ``[N,2]`` and covariance ``[N,2,2]`` of ab/110 of RGB ``[N,3,H,W]``."""
    from vidcolor.color import AB_SCALE, rgb_to_lab

    ab = rgb_to_lab(rgb)[:, 1:].flatten(2) / AB_SCALE
    mu = ab.mean(dim=2)
    d = ab - mu[:, :, None]
    return mu, d @ d.transpose(1, 2) / d.shape[2]


def _sqrtm(m: torch.Tensor) -> torch.Tensor:
    w, v = torch.linalg.eigh(m)
    return v @ torch.diag(w.clamp_min(0).sqrt()) @ v.T


def _palette_transfer(mu_o: torch.Tensor, cov_o: torch.Tensor, mu_s: torch.Tensor, cov_s: torch.Tensor, max_gain: float = 4.0) -> torch.Tensor:
    """``[2,3]`` affine ``[A | t]`` taking chroma with mean/cov (μo, Σo) to (μs, Σs) (see the module docstring)."""
    eye = torch.eye(2, dtype=torch.float64)
    so, ss = cov_o.double() + 1e-4 * eye, cov_s.double() + 1e-6 * eye
    ro = _sqrtm(so)
    ro_inv = torch.linalg.inv(ro)
    a = ro_inv @ _sqrtm(ro @ ss @ ro) @ ro_inv
    u, s, vt = torch.linalg.svd(a)
    a = u @ torch.diag(s.clamp(max=max_gain)) @ vt
    t = mu_s.double() - a @ mu_o.double()
    return torch.cat([a, t[:, None]], dim=1).float()


def _quantile_map(src: torch.Tensor, dst: torch.Tensor, x: torch.Tensor, n: int = 257) -> torch.Tensor:
    """The 1-D monotone map taking the distribution of ``src`` to that of ``dst`` (matching ``n``
    quantiles, linear between them, shifted by the end quantiles' offset beyond them), applied to ``x``."""
    q = torch.linspace(0, 1, n, dtype=src.dtype)
    qs, qd = torch.quantile(src, q), torch.quantile(dst, q)
    qs = qs + torch.arange(n, dtype=src.dtype) * 1e-9   # strictly increasing knots
    i = torch.searchsorted(qs, x.contiguous()).clamp(1, n - 1)
    x0, x1, y0, y1 = qs[i - 1], qs[i], qd[i - 1], qd[i]
    t = ((x - x0) / (x1 - x0)).clamp(0, 1)
    y = y0 + t * (y1 - y0)
    y = torch.where(x < qs[0], x + (qd[0] - qs[0]), y)
    return torch.where(x > qs[-1], x + (qd[-1] - qs[-1]), y)


def _palette_lut(src: torch.Tensor, dst: torch.Tensor, size: int, iterations: int = 24, seed: int = 0) -> torch.Tensor:
    """``[2, G, G]`` lookup table over ab/110 taking the chroma distribution ``src [2, M]`` (the base
    output's) to ``dst [2, K]`` (the painting's): iterative distribution transfer (Pitié, Kokaram &
    Dahyot 2005) — each iteration rotates the ab plane by a random angle and matches the 1-D
    marginals along both rotated axes by quantile mapping; the grid nodes ride along through the
    same monotone maps, so the table is the composed transfer. A light smoothing of the table's
    displacement (Gaussian, 1 node) removes kinks between the matched quantiles."""
    from vidcolor.styles.adapter import identity_lut

    gen = torch.Generator().manual_seed(seed)
    x, y = src.double(), dst.double()
    if x.shape[1] > 200_000:
        x = x[:, torch.randperm(x.shape[1], generator=gen)[:200_000]]
    nodes = identity_lut(size).double().reshape(2, -1)
    for _ in range(iterations):
        th = float(torch.rand(1, generator=gen)) * np.pi / 2
        rot = torch.tensor([[np.cos(th), np.sin(th)], [-np.sin(th), np.cos(th)]], dtype=torch.float64)
        px, py, pn = rot @ x, rot @ y, rot @ nodes
        for k in range(2):
            dx = _quantile_map(px[k], py[k], px[k]) - px[k]
            dn = _quantile_map(px[k], py[k], pn[k]) - pn[k]
            x = x + rot[k][:, None] * dx
            nodes = nodes + rot[k][:, None] * dn
    from vidcolor.styles.paper import blur

    disp = (nodes.reshape(2, size, size) - identity_lut(size).double()).permute(1, 2, 0).numpy().astype(np.float32)
    disp = torch.from_numpy(blur(disp, 1.0)).permute(2, 0, 1)
    return (identity_lut(size) + disp).clamp(-1, 1)


class _Bar:
    """tqdm over steps (``steps`` given) or over seconds of the time budget (shows the time left)."""

    def __init__(self, enabled: bool, steps: int | None, seconds: float):
        self.bar, self.steps = None, steps
        if enabled:
            from tqdm import tqdm

            fmt = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} s [{elapsed}<{remaining}{postfix}]"
            self.bar = (tqdm(total=steps, desc="learning style", unit="step", dynamic_ncols=True) if steps
                        else tqdm(total=int(round(seconds)), desc="learning style", bar_format=fmt, dynamic_ncols=True))

    def update(self, step: int, elapsed: float, loss: float) -> None:
        if self.bar is None:
            return
        n = step if self.steps else min(int(elapsed), self.bar.total)
        self.bar.update(n - self.bar.n)
        self.bar.set_postfix_str(f"loss {loss:.3f}, step {step}", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _check_styles_folder(folder: Path) -> None:
    """VidcolorError, before minutes of learning, unless the style pack can be saved in ``folder``
    (created if missing): it or its nearest existing parent must be a writable folder."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise VidcolorError(f"cannot save styles in '{folder}': '{probe}' is not a writable folder "
                            "(set VIDCOLOR_HOME to a folder of your own)")


def learn_style(name: str, image: str | os.PathLike, *, minutes: float = 10.0, steps: int | None = None,
                weights: str | os.PathLike | None = None, photos: str | os.PathLike | None = None, device: str = "auto",
                overwrite: bool = False, progress: bool = False, settings: LearnSettings | None = None,
                adapter_config: AdapterConfig | None = None) -> Path:
    """Learn the style of the painting ``image`` and save it as ``styles_dir()/NAME.safetensors``.

    Trains for ``minutes`` of wall time (or exactly ``steps`` steps when given) on crops of the
    shipped content photos (or the images in the folder ``photos``), the base generator
    (``weights``; default the bundled one) frozen. ``device``: ``auto`` (CUDA when available) |
    ``cpu`` | ``cuda``. Returns the pack's path. Everything is validated before training starts;
    Ctrl-C or SIGTERM while learning leaves no file behind.
    """
    from vidcolor.color import AB_SCALE, lab_to_rgb, rgb_to_gray, rgb_to_lab
    from vidcolor.device import cpu_supports_bf16, cuda_supports_bf16, resolve_device
    from vidcolor.losses.perceptual import VGGFeatures, gram
    from vidcolor.models.serialization import load_generator
    from vidcolor.pipeline.engine import bundled_weights
    from vidcolor.signals import terminate_as_interrupt

    st = settings or LearnSettings()
    if steps is None and not minutes > 0:
        raise VidcolorError(f"--minutes must be > 0, got {minutes}")
    if steps is not None and steps < 1:
        raise VidcolorError(f"steps must be ≥ 1, got {steps}")
    check_new_name(name)
    dest = pack_path(name)
    if dest.exists() and not overwrite:
        raise VidcolorError(f"style '{name}' already exists ('{dest}'); use --overwrite, or 'vidcolor styles remove {name}' first")
    _check_styles_folder(dest.parent)
    image = Path(image)
    painting = _rgb_float(image)
    wpath = Path(weights) if weights else bundled_weights()
    model = load_generator(wpath)
    check_new_name(name, tuple(model.styles))
    if st.crop % model.config.multiple:
        raise VidcolorError(f"crop {st.crop} is not a multiple of the generator's stride {model.config.multiple}")
    photos_t = _content_photos(Path(photos) if photos else None, st.crop)
    vgg = VGGFeatures(layers=STYLE_LAYERS)  # VidcolorError with install instructions if there are no weights

    from vidcolor.batch.segments import model_fingerprint

    fingerprint = model_fingerprint(model, base_only=True)
    dev = resolve_device(device)
    model = model.to(dev).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    vgg = vgg.to(dev)
    gen = torch.Generator().manual_seed(st.seed)
    bf16 = cuda_supports_bf16(dev) if dev.type == "cuda" else cpu_supports_bf16()

    def amp():  # bf16 autocast for the generator and VGG (losses in fp32)
        return torch.autocast(dev.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()

    torch.manual_seed(st.seed)

    with torch.no_grad():
        s_rgb = _to_tensor(painting, st.style_short_side, max_long=2 * st.style_short_side).to(dev)
        with amp():
            s_feat = {k: v.float() for k, v in vgg(s_rgb).items()}
        g_target = {k: gram(s_feat[k]) for k in STYLE_LAYERS}
        g_norm = {k: g_target[k].pow(2).mean().clamp_min(1e-12) for k in STYLE_LAYERS}
        mu_s, cov_s = _chroma_moments(s_rgb)

    vector = model.style_embedding.weight.detach().mean(dim=0).clone().requires_grad_(True)
    adapter = StyleAdapter(adapter_config).to(dev).train()
    if not adapter.config.lut:  # linear colour transfer (with a table, the palette is fitted after training)
        with torch.no_grad(), amp():
            ab = []
            for img in photos_t:
                h, w = img.shape[-2:]
                y, x = (h - st.crop) // 2, (w - st.crop) // 2
                c = img[..., y:y + st.crop, x:x + st.crop].to(dev)
                ab.append(model(rgb_to_gray(c), 0, style_vector=vector).float()[:, 1:].flatten(2)[0] / AB_SCALE)
            ab = torch.cat(ab, dim=1)
            mu_o = ab.mean(dim=1)
            cov_o = (ab - mu_o[:, None]) @ (ab - mu_o[:, None]).T / ab.shape[1]
            adapter.color.copy_(_palette_transfer(mu_o.cpu(), cov_o.cpu(), mu_s[0].cpu(), cov_s[0].cpu()).to(dev))
    opt = torch.optim.Adam([{"params": [vector], "lr": st.lr_vector}, {"params": adapter.parameters(), "lr": st.lr_adapter}])

    def sample() -> tuple[torch.Tensor, torch.Tensor]:
        crops = []
        for _ in range(st.batch):
            img = photos_t[int(torch.randint(len(photos_t), (1,), generator=gen))]
            h, w = img.shape[-2:]
            y = int(torch.randint(h - st.crop + 1, (1,), generator=gen))
            x = int(torch.randint(w - st.crop + 1, (1,), generator=gen))
            c = img[..., y:y + st.crop, x:x + st.crop]
            if torch.rand(1, generator=gen).item() < 0.5:
                c = c.flip(-1)
            crops.append(c)
        rgb = torch.cat(crops).to(dev)
        return rgb_to_gray(rgb), rgb

    budget = None if steps is not None else minutes * 60.0
    bar = _Bar(progress, steps, budget or 0.0)
    t0, step, last = time.monotonic(), 0, {}
    try:
        with terminate_as_interrupt():  # SIGTERM → KeyboardInterrupt (Terminated), as Ctrl-C
            while (step < steps) if steps is not None else (time.monotonic() - t0 < budget):
                gray, rgb = sample()
                with amp():
                    lab = adapter(gray, model(gray, 0, style_vector=vector))
                out = lab_to_rgb(lab.float())
                with amp():
                    f_out = {k: v.float() for k, v in vgg(out).items()}
                    with torch.no_grad():
                        f_in = {k: v.float() for k, v in vgg(rgb).items()}
                l_style = sum(F.mse_loss(gram(f_out[k]), g_target[k].expand(out.shape[0], -1, -1)) / g_norm[k] for k in STYLE_LAYERS)
                l_content = sum(F.mse_loss(f_out[k], f_in[k]) / f_in[k].pow(2).mean().clamp_min(1e-12) for k in CONTENT_LAYERS)
                mu, cov = _chroma_moments(out)
                l_palette = (mu - mu_s).pow(2).sum(1).mean() + (cov - cov_s).pow(2).sum((1, 2)).mean()
                l_tv = (out[..., 1:, :] - out[..., :-1, :]).abs().mean() + (out[..., :, 1:] - out[..., :, :-1]).abs().mean()
                loss = st.w_style * l_style + st.w_content * l_content + st.w_palette * l_palette + st.w_tv * l_tv
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                step += 1
                last = {"total": float(loss.detach()), "style": float(l_style.detach()), "content": float(l_content.detach()), "palette": float(l_palette.detach()), "tv": float(l_tv.detach())}
                bar.update(step, time.monotonic() - t0, last["total"])
            if adapter.config.lut:  # the painting's palette, non-linearly, over what the training made
                adapter.eval()
                with torch.no_grad(), amp():
                    m = model.config.multiple
                    grays = [rgb_to_gray(img[..., : img.shape[-2] // m * m, : img.shape[-1] // m * m].to(dev)) for img in photos_t[:64]]
                    ab = torch.cat([adapter(g, model(g, 0, style_vector=vector)).float()[0, 1:].flatten(1) / AB_SCALE for g in grays], dim=1)
                s_ab = rgb_to_lab(s_rgb.float())[0, 1:].flatten(1) / AB_SCALE
                adapter.lut.copy_(_palette_lut(ab.cpu(), s_ab.cpu(), adapter.config.lut, seed=st.seed).to(dev))
            seconds = time.monotonic() - t0
            meta = {"base_fingerprint": fingerprint, "base_weights": wpath.name, "style_dim": model.config.style_dim,
                    "source_image": image.name, "minutes": f"{(minutes if steps is None else seconds / 60):.4g}",
                    "seconds": f"{seconds:.1f}", "steps": step, "photos": str(photos) if photos else "bundled",
                    "created": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
                    "losses": json.dumps({k: round(v, 5) for k, v in last.items()}, sort_keys=True)}
            return save_pack(dest, name, vector, adapter.eval(), meta)
    finally:
        bar.close()


__all__ = ["AdapterConfig", "LearnSettings", "StyleAdapter", "StyleEntry", "StylePack", "check_new_name", "check_style_name",
           "learn_style", "list_styles", "load_pack", "pack_path", "read_pack", "remove_style", "save_pack"]
