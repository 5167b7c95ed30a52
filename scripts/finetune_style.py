#!/usr/bin/env python3
"""Re-learn one built-in style of a trained generator after its teacher changed, touching nothing else.

    python scripts/finetune_style.py oil --minutes 20 --out runs/oil_v2/starter.safetensors \
        [--weights vidcolor/weights/starter.safetensors] [--photos data/train]

Only that style's row of the style embedding is trained (it drives FiLM in the decoder); every other
weight — encoder, decoder, the other styles' rows — is frozen and saved bit-identical, so plain
colorization, hints and the other styles render exactly as before. The losses are the shipped
model's pretraining stage's, against the (new) teacher's rendering y of each color crop
(``configs/semantic.yaml``: rec 1, per 0.05, tex 0.05 on one 112² window):

    L = L1_Lab(ŷ, y) + 0.05·Σ_l mean((φ_l(ŷ) − φ_l(y))²)/mean(φ_l(y)²)
                     + 0.05·Σ_l mean((G(φ_l(ŷ)) − G(φ_l(y)))²)/mean(G(φ_l(y))²)

Crops: 192² from the training photos (short side 320, composites excluded), turned gray as the
input; teacher renders made once up front (``--crops``, default 256) and cycled. Held-out photos
are never read. The log (one line per 50 steps) goes to stdout; the output keeps the input's
metadata (architecture, calibration) and records the fine-tune in ``info.style_finetune``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from vidcolor.color import lab_to_rgb, rgb_to_gray, rgb_to_lab
from vidcolor.losses.perceptual import VGGFeatures, gram
from vidcolor.losses.reconstruction import LabL1Loss
from vidcolor.models.serialization import load_generator, read_metadata, save_generator
from vidcolor.pipeline.engine import bundled_weights
from vidcolor.styles.registry import get_style


def crops(folder: Path, n: int, size: int, seed: int) -> np.ndarray:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png") and not p.name.startswith("comp_"))
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        f = files[int(rng.integers(len(files)))]
        img = cv2.imread(str(f))
        if img is None:
            continue
        rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
        s = 320 / min(rgb.shape[:2])
        rgb = cv2.resize(rgb, (max(size, round(rgb.shape[1] * s)), max(size, round(rgb.shape[0] * s))), interpolation=cv2.INTER_AREA)
        y, x = int(rng.integers(rgb.shape[0] - size + 1)), int(rng.integers(rgb.shape[1] - size + 1))
        c = rgb[y:y + size, x:x + size]
        out.append(c[:, ::-1] if rng.random() < 0.5 else c)
    return np.ascontiguousarray(np.stack(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("style")
    ap.add_argument("--weights", type=Path, default=None)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--photos", type=Path, default=Path("data/train"))
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--crops", type=int, default=256)
    ap.add_argument("--size", type=int, default=192)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    wpath = args.weights or bundled_weights()
    meta = read_metadata(wpath)
    info = json.loads(meta.get("info", "{}"))
    model = load_generator(wpath).eval()
    if args.style not in model.styles or args.style == "none":
        raise SystemExit(f"Error: '{args.style}' is not a built-in style of these weights ({', '.join(model.styles[1:])})")
    idx = model.styles.index(args.style)
    teacher = get_style(args.style)
    for p in model.parameters():
        p.requires_grad_(False)
    from safetensors import safe_open

    with safe_open(str(wpath), "pt") as f:   # save in the input's float dtype (fp16 for the bundled model)
        dtype = next(t.dtype for t in (f.get_tensor(k) for k in f.keys()) if t.is_floating_point())
    torch.manual_seed(args.seed)

    t0 = time.time()
    rgb = crops(args.photos, args.crops, args.size, args.seed)
    target = np.stack([teacher.render(c, args.seed + i) for i, c in enumerate(rgb)])
    print(f"{len(rgb)} crops rendered by the {args.style} teacher v{teacher.version} in {time.time() - t0:.0f} s", flush=True)
    rgb_t = torch.from_numpy(rgb).permute(0, 3, 1, 2)
    tgt_t = torch.from_numpy(target).permute(0, 3, 1, 2)

    vgg = VGGFeatures()
    rec = LabL1Loss()
    vec = model.style_embedding.weight[idx].detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([vec], lr=args.lr)
    amp = torch.autocast("cpu", dtype=torch.bfloat16)

    def rel(a, b):
        return torch.nn.functional.mse_loss(a, b) / b.pow(2).mean().clamp_min(1e-8)

    t0, step, order = time.time(), 0, torch.randperm(len(rgb_t))
    while time.time() - t0 < args.minutes * 60:
        i = order[(step * args.batch) % len(order):][: args.batch]
        if len(i) < args.batch:
            order = torch.randperm(len(rgb_t))
            i = order[: args.batch]
        gray, y = rgb_to_gray(rgb_t[i]), tgt_t[i]
        with amp:
            pred = model(gray, 0, style_vector=vec).float()
        l_rec = rec(pred, rgb_to_lab(y))
        c, o = 112, (step * 37) % (args.size - 112 + 1)
        with amp:
            fp = vgg(lab_to_rgb(pred)[..., o:o + c, o:o + c])
            with torch.no_grad():
                ft = vgg(y[..., o:o + c, o:o + c])
        l_per = sum(rel(fp[k].float(), ft[k].float()) for k in fp)
        l_tex = sum(rel(gram(fp[k].float()), gram(ft[k].float())) for k in fp)
        loss = l_rec + 0.05 * l_per + 0.05 * l_tex
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 50 == 0:
            print(f"step {step} {time.time() - t0:.0f}s loss {loss.item():.4f} rec {l_rec.item():.4f} per {l_per.item():.3f} tex {l_tex.item():.3f}", flush=True)

    with torch.no_grad():
        model.style_embedding.weight[idx] = vec.detach().to(model.style_embedding.weight.dtype)
    info.setdefault("style_finetune", []).append({"style": args.style, "teacher_version": teacher.version, "steps": step,
                                                  "minutes": args.minutes, "crops": args.crops, "lr": args.lr,
                                                  "command": "python scripts/finetune_style.py " + args.style})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_generator(model, args.out, info=info, dtype=dtype)
    print(f"wrote {args.out} after {step} steps", flush=True)


if __name__ == "__main__":
    main()
