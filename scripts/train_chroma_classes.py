#!/usr/bin/env python3
"""Train a chroma classification head (Zhang et al. 2016) on a trained generator, the rest frozen.

    python scripts/train_chroma_classes.py --weights vidcolor/weights/starter.safetensors \
        --val-list runs/semantic_r3/val_images.txt --out runs/chroma_classes --minutes 30

The base generator (encoder, decoder, styles, hint paths) is frozen and saved bit-identical, so
styles, hints and reference keyframes render exactly as before; only plain automatic colorization
changes (:mod:`vidcolor.models.chroma_classes`). Two heads are trained side by side on the same
frozen features, so the choice between them rests on validation evidence:

* ``plain``: soft-encoded cross-entropy (5 nearest bins, σ = 5; :mod:`vidcolor.losses.classification`), no rebalancing;
* ``rebal``: the same, weighted per pixel by Zhang et al.'s class rebalancing (λ = ``--lam``).

Bins: centres of a 10-unit ab grid that occur ≥ ``--min-count`` times at the head's resolution
in the training photos (the empirical prior is computed there too). Data: random crops
(``--crop``, scale jitter, flips) of the training photos at short side 320, *minus the validation
list* (``runs/…/val_images.txt``, which ``scripts/calibrate_chroma.py`` then uses to choose the
head, the temperature and the gain). Held-out photos are never read.

Writes ``OUT/plain.safetensors`` and ``OUT/rebal.safetensors`` (the base's metadata kept, the
head's training recorded in ``info.chroma_classes``), ``OUT/log.jsonl`` and, every 200 steps, the
heads' weights as ``OUT/state.safetensors``: ``--resume`` continues from them (same data and
classes), with a fresh optimizer and a learning-rate schedule that restarts over ``--minutes``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from vidcolor.color import rgb_to_gray, rgb_to_lab
from vidcolor.losses.classification import ChromaClassLoss
from vidcolor.models.chroma_classes import class_prior, rebalance_weights
from vidcolor.models.generator import Generator
from vidcolor.models.serialization import load_generator, read_metadata, save_generator
from vidcolor.training.images import list_images, resize_short

STEP = 10.0


def load_photos(root: Path, exclude: set[str], short: int) -> list[np.ndarray]:
    out = []
    for p in list_images(root):
        if str(p) in exclude or p.name in exclude:
            continue
        img = cv2.imread(str(p), cv2.IMREAD_COLOR)
        if img is None or min(img.shape[:2]) < 64:
            continue
        out.append(resize_short(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), short))
    return out


def batch(photos: list[np.ndarray], rng: np.random.Generator, n: int, crop: int) -> torch.Tensor:
    """``[n, 3, crop, crop]`` RGB in [0, 1]: random photo, scale 0.6–1 of the short side, crop, flip."""
    out = []
    for _ in range(n):
        img = photos[int(rng.integers(len(photos)))]
        s = float(rng.uniform(0.6, 1.0))
        if s < 1.0:
            img = cv2.resize(img, (max(crop, round(img.shape[1] * s)), max(crop, round(img.shape[0] * s))), interpolation=cv2.INTER_AREA)
        y, x = int(rng.integers(img.shape[0] - crop + 1)), int(rng.integers(img.shape[1] - crop + 1))
        c = img[y:y + crop, x:x + crop]
        out.append(c[:, ::-1] if rng.random() < 0.5 else c)
    return torch.from_numpy(np.ascontiguousarray(np.stack(out))).permute(0, 3, 1, 2).float() / 255.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", default="vidcolor/weights/starter.safetensors")
    ap.add_argument("--data", default="data/train")
    ap.add_argument("--val-list", required=True, help="validation photos to keep out (one path per line)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=192)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lam", type=float, default=0.5, help="rebalancing λ of the 'rebal' head")
    ap.add_argument("--min-count", type=int, default=50)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--resume", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    val = {line.strip() for line in Path(args.val_list).read_text().splitlines() if line.strip()}
    t0 = time.time()
    photos = load_photos(Path(args.data), val, 320)
    print(f"{len(photos)} training photos (validation's {len(val)} kept out), loaded in {time.time() - t0:.0f} s", flush=True)

    bins, prior = class_prior(photos, STEP, min_count=args.min_count)  # at the head's resolution (stride 4)
    q = int(bins.shape[0])
    weights = rebalance_weights(prior, args.lam)
    losses_of = {"plain": ChromaClassLoss(bins), "rebal": ChromaClassLoss(bins, weights)}
    print(f"{q} ab classes (grid cells with ≥ {args.min_count} px each); rebalancing weights {float(weights.min()):.2f}…{float(weights.max()):.1f}", flush=True)

    base = load_generator(args.weights)
    meta = read_metadata(args.weights)
    config = dataclasses.replace(base.config, ab_classes=q, ab_class_width=args.width)
    heads = {}
    for name in ("plain", "rebal"):
        g = Generator(config)
        missing, unexpected = g.load_state_dict(base.state_dict(), strict=False)
        assert not unexpected and all(k.startswith("ab_classifier.") for k in missing), (missing, unexpected)
        g.ab_classifier.bins.copy_(bins)
        heads[name] = g.ab_classifier
    model = Generator(config)
    model.load_state_dict(base.state_dict(), strict=False)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    feats = {}
    model.ab_classifier.register_forward_hook(lambda m, a, o: feats.update(args=a))
    params = [p for h in heads.values() for p in h.parameters()]
    opt = torch.optim.Adam(params, lr=args.lr)
    step = 0
    state_path = out / "state.safetensors"
    if args.resume and state_path.is_file():
        from safetensors.torch import load_file

        st = load_file(str(state_path))
        for name, h in heads.items():
            h.load_state_dict({k.split(".", 1)[1]: v for k, v in st.items() if k.startswith(name + ".")})
        step = int(json.loads((out / "state.json").read_text())["step"])
        print(f"resumed at step {step}", flush=True)
    rng = np.random.default_rng([args.seed, step])
    log = open(out / "log.jsonl", "a")
    t_start = time.time()
    budget = args.minutes * 60
    ema = {}
    while step < args.steps and time.time() - t_start < budget:
        rgb = batch(photos, rng, args.batch, args.crop)
        gray = rgb_to_gray(rgb)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            model.forward_with_logits(gray, 0, None, logits=True)
        fine, coarse = feats["args"]
        target_lab = rgb_to_lab(rgb)
        losses = {}
        total = 0.0
        for name, h in heads.items():
            h.train()
            with torch.autocast("cpu", dtype=torch.bfloat16):
                z = h(fine.detach(), None if coarse is None else coarse.detach())
            loss = losses_of[name](z, target_lab)
            losses[name] = float(loss.detach())
            total = total + loss
        lr = args.lr * (0.1 + 0.9 * 0.5 * (1 + np.cos(np.pi * min(1.0, (time.time() - t_start) / budget))))
        for gparam in opt.param_groups:
            gparam["lr"] = lr
        opt.zero_grad(set_to_none=True)
        total.backward()
        opt.step()
        step += 1
        for k, v in losses.items():
            ema[k] = v if k not in ema else 0.98 * ema[k] + 0.02 * v
        if step % 25 == 0:
            rec = {"step": step, "t": round(time.time() - t_start, 1), "lr": lr, **{f"ce_{k}": round(v, 4) for k, v in ema.items()}}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(rec, flush=True)
        if step % 200 == 0:
            _save_state(heads, out, step)
    _save_state(heads, out, step)
    info = json.loads(meta.get("info", "{}"))
    for name, h in heads.items():
        model.ab_classifier.load_state_dict(h.state_dict())
        rec = {"head": name, "steps": step, "batch": args.batch, "crop": args.crop, "lr": args.lr, "classes": q, "grid_step": STEP,
               "min_count": args.min_count, "rebalance_lambda": args.lam if name == "rebal" else None, "photos": len(photos),
               "base": Path(args.weights).name, "minutes": round((time.time() - t_start) / 60, 1)}
        save_generator(model, out / f"{name}.safetensors", info={**info, "chroma_classes": rec}, dtype=torch.float16)
        print(f"wrote {out / f'{name}.safetensors'}", flush=True)


def _save_state(heads: dict, out: Path, step: int) -> None:
    from safetensors.torch import save_file

    tensors = {f"{name}.{k}": v.detach().contiguous() for name, h in heads.items() for k, v in h.state_dict().items()}
    save_file(tensors, str(out / "state.safetensors.tmp"))
    Path(out / "state.safetensors.tmp").replace(out / "state.safetensors")
    (out / "state.json").write_text(json.dumps({"step": step}))


if __name__ == "__main__":
    main()
