"""``vidcolor.train(...)``: the staged training loop (pretrain → adversarial → temporal).

Single process or under ``torchrun`` (DDP; rank 0 alone writes files). Resumable from the newest
checkpoint with exactly the same data order (see :class:`~vidcolor.training.datasets.DeterministicSampler`).
Ctrl-C writes a checkpoint and returns cleanly.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from pathlib import Path

import torch
import yaml

from vidcolor.color import lab_to_rgb, rgb_to_gray
from vidcolor.errors import VidcolorError
from vidcolor.evaluation.warping import warping_error
from vidcolor.models.config import GeneratorConfig
from vidcolor.models.serialization import save_generator
from vidcolor.training import checkpoint as ckpt
from vidcolor.training.config import STAGE_NAMES, TrainConfig
from vidcolor.training.datasets import DeterministicSampler, PairDataset, SyntheticClipDataset
from vidcolor.training.distributed import DistContext, cleanup, init_distributed, resolve_amp
from vidcolor.training.images import build_cache, center_crop, list_images, load_cached, split_train_val, synthesize_images
from vidcolor.training.records import JsonlLog, lock_run_dir, plot_losses, prepare_run_dir, save_grid, to_u8
from vidcolor.training.trainer import GANTrainer, uses_classes
from vidcolor.training.videos import KeyedConcat, VideoClipDataset, build_video_cache


class _Interrupt:
    """Turns SIGINT/SIGTERM into a flag checked between steps (so a checkpoint can be written)."""

    def __init__(self):
        self.hit = False
        self.signum = None
        self._old = {}

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._old[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not in the main thread
                pass
        return self

    def _handle(self, signum, _frame):
        if self.hit:
            raise KeyboardInterrupt
        self.hit = True
        self.signum = signum

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _cache_dir(cfg: TrainConfig, out: Path) -> Path:
    return Path(cfg.data.cache_dir) if cfg.data.cache_dir else out / "cache"


def _check_resumable(cfg: TrainConfig, last: Path, out: Path) -> list[str]:
    """VidcolorError, before any work or file written, if the config's network or styles differ from
    the checkpoint's (they failed after the teacher cache was built, as a multi-line PyTorch dump,
    with the run's config.yaml already replaced). Returns the other settings that differ from the
    run's recorded config.yaml (a resumed run then does not continue exactly: a note names them)."""
    from vidcolor.models.serialization import weights_info

    files = sorted(last.glob("generator*.safetensors"))
    if not files:
        raise VidcolorError(f"--resume: checkpoint '{last}' has no generator weights; it is damaged")
    info = weights_info(files[0])
    model, styles = cfg.to_dict()["model"], list(cfg.data.styles)
    if "config" in info and info["config"] != model:
        changed = sorted(k for k in set(model) | set(info["config"]) if model.get(k) != info["config"].get(k))
        raise VidcolorError(f"--resume: the config's network differs from the checkpoint's ({', '.join(f'model.{k}' for k in changed)}); "
                            "resume with the run's own config.yaml, or start a new run (--init takes the weights)")
    if "styles" in info and list(info["styles"]) != styles:
        raise VidcolorError(f"--resume: the config's styles ({', '.join(styles)}) differ from the checkpoint's "
                            f"({', '.join(info['styles'])}); resume with the run's own config.yaml, or start a new run")
    try:
        before = yaml.safe_load((out / "config.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        return []

    def flat(d, prefix=""):
        return {k2: v2 for k, v in d.items() for k2, v2 in (flat(v, f"{prefix}{k}.").items() if isinstance(v, dict) else [(f"{prefix}{k}", v)])}
    a, b = flat(before), flat(cfg.to_dict())
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def _data(cfg: TrainConfig, out: Path, ctx: DistContext, log):
    cache = _cache_dir(cfg, out)
    root = Path(cfg.data.images) if cfg.data.images else None
    if cfg.data.generate > 0:
        gen = cache / "synthetic"
        ctx.on_main(lambda: synthesize_images(gen, cfg.data.generate, size=max(cfg.data.teach_size, 64), seed=cfg.seed))
        root = gen
    paths = list_images(root, exclude=(out, cache))
    if not paths:
        raise VidcolorError(f"no images found in '{root}' (looked for .jpg .png .bmp .tif .webp, recursively)")
    train_paths, val_paths = split_train_val(paths, cfg.data.val_fraction, root)
    if ctx.is_main:
        (out / "val_images.txt").write_text("".join(f"{p}\n" for p in val_paths))
    styles = tuple(cfg.data.styles)
    workers = max(1, cfg.data.num_workers, min(os.cpu_count() or 1, 4))  # the cache is built once: use the cores
    t0 = time.time()
    built = ctx.on_main(lambda: (build_cache(train_paths, styles, cfg.data.teach_size, cache, workers),
                                 build_cache(val_paths, styles, cfg.data.teach_size, cache, workers)))
    if ctx.is_main:
        (entries, skipped), (val, vskipped) = built
    else:
        entries, skipped = build_cache(train_paths, styles, cfg.data.teach_size, cache, 1)
        val, vskipped = build_cache(val_paths, styles, cfg.data.teach_size, cache, 1)
    if not entries:
        raise VidcolorError(f"none of the {len(train_paths)} image(s) in '{root}' could be read")
    if not val:
        val = entries[: max(1, min(4, len(entries)))]
    unread = sorted({str(p) for p in (*train_paths, *val_paths)} - {str(e.source) for e in (*entries, *val)})
    log({"event": "data", "images": len(entries), "val_images": len(val), "skipped_unreadable": skipped + vskipped, "cache": str(cache), "cache_seconds": round(time.time() - t0, 1),
         **({"skipped_files": unread[:20] + ([f"... and {len(unread) - 20} more"] if len(unread) > 20 else [])} if unread else {})})
    return entries, val


def _video_clips(cfg: TrainConfig, out: Path, ctx: DistContext, log) -> list:
    """Cached real-video clips for the temporal stage (``data.videos``); rank 0 builds the cache."""
    if not cfg.data.videos:
        return []
    t0 = time.time()

    def build():
        return build_video_cache(cfg.data.videos, tuple(cfg.data.styles), cfg.data.teach_size, cfg.data.clip_len, _cache_dir(cfg, out),
                                 clips_per_video=cfg.data.clips_per_video, exclude=(out, _cache_dir(cfg, out)))

    if ctx.is_main:
        clips, skipped = build()
    ctx.barrier()
    if not ctx.is_main:  # reads the cache rank 0 wrote
        clips, skipped = build()
    log({"event": "video_data", "clips": len(clips), "videos": len({c.source for c in clips}), "skipped_unusable": skipped,
         "cache_seconds": round(time.time() - t0, 1)})
    return clips


def _ab_weights(cfg: TrainConfig, entries, log):
    """Chroma-rebalancing weights from the training images' ab histogram (up to 400 images at 64 px)."""
    if cfg.losses.rebalance <= 0:
        return None
    import cv2

    from vidcolor.control.hints_io import rgb_to_ab
    from vidcolor.losses.rebalance import ab_histogram, rebalance_weights

    counts = 0
    step = max(1, len(entries) // 400)
    for entry in entries[::step]:
        rgb = load_cached(entry, "none")
        counts = counts + ab_histogram(rgb_to_ab(cv2.resize(rgb, (64, 64), interpolation=cv2.INTER_AREA)))
    w = rebalance_weights(counts, lam=1.0 - cfg.losses.rebalance)
    log({"event": "rebalance", "images": len(entries[::step]), "weight_min": round(float(w.min()), 3), "weight_max": round(float(w.max()), 3)})
    return w


def class_bins(cfg: TrainConfig, entries, log):
    """``(bins [Q,2], weights [Q] or None)`` of the chroma classification head, or None when no stage
    trains it: the cells of a 10-unit ab grid holding ≥ ``losses.class_min_fraction`` of the training
    pixels (at most 400 images, at a quarter of the teach size: the head's resolution), and Zhang et al.'s
    rebalancing weights from their prior when ``losses.class_rebalance > 0``. Deterministic in the
    data, so a resumed run rebuilds the same classes."""
    if not uses_classes(cfg):
        return None
    from vidcolor.models.chroma_classes import class_prior, rebalance_weights as class_weights

    step = max(1, -(-len(entries) // 400))
    try:
        bins, prior = class_prior((load_cached(e, "none") for e in entries[::step]), min_fraction=cfg.losses.class_min_fraction)
    except VidcolorError as exc:
        raise VidcolorError(f"{exc}; set stages.*.cls to 0") from None
    weights = class_weights(prior, 1.0 - cfg.losses.class_rebalance) if cfg.losses.class_rebalance > 0 else None
    log({"event": "chroma_classes", "classes": len(bins), "images": len(entries[::step]),
         **({"weight_min": round(float(weights.min()), 3), "weight_max": round(float(weights.max()), 3)} if weights is not None else {})})
    return bins, weights


def _restore_state(trainer: GANTrainer, state: dict, mid_stage: bool) -> None:
    """Resume mid-stage: optimizers, schedulers, scaler, EMA count. At a stage boundary the stage
    starts fresh optimizers, but the EMA update count and the loss scale carry over as in an
    uninterrupted run (else the EMA warm-up restarts and the weights differ)."""
    if mid_stage:
        trainer.load_optimizer_state(state)
        return
    trainer.ema_updates = int(state.get("ema_updates", 0))
    if state.get("scaler"):
        trainer.scaler.load_state_dict(state["scaler"])


def _loader(dataset, st, cfg: TrainConfig, ctx: DistContext, stage_idx: int, start_step: int):
    sampler = DeterministicSampler(len(dataset), cfg.seed * 97 + stage_idx, start_step * st.batch_size, (st.steps - start_step) * st.batch_size, ctx.rank, ctx.world)
    return torch.utils.data.DataLoader(dataset, batch_size=st.batch_size, sampler=sampler, num_workers=cfg.data.num_workers,
                                       persistent_workers=False, drop_last=False, pin_memory=ctx.device.type == "cuda")


@torch.no_grad()
def _samples(trainer: GANTrainer, val, cfg: TrainConfig, path: Path) -> None:
    """Grid per held-back image: gray | original | plain output | (style output | style teacher)…"""
    rows = []
    for entry in val[:3]:
        color_u8 = center_crop(load_cached(entry, "none"), cfg.data.crop)
        color = torch.from_numpy(color_u8).permute(2, 0, 1)[None].float().div(255).to(trainer.device)
        gray = rgb_to_gray(color)
        row = [to_u8(gray[0]), color_u8]
        for s_idx, s in enumerate(cfg.data.styles):
            row.append(to_u8(lab_to_rgb(trainer.g_ema(gray, s_idx).float())[0]))
            if s != "none":
                row.append(center_crop(load_cached(entry, s), cfg.data.crop))
        rows.append(row)
    save_grid(path, rows)


@torch.no_grad()
def _clip_warping_error(trainer: GANTrainer, val, cfg: TrainConfig, n_clips: int) -> float:
    """Mean warping error of the EMA generator on synthetic clips (exact flows, masks) made from the
    validation images: held back from training, not a held-out test."""
    ds = SyntheticClipDataset(val, ("none",), cfg.data.crop, 3, plain_fraction=1.0, occluders=True)
    errs = []
    for i in range(n_clips):
        item = ds[(i % len(val), 777 + i)]
        color = item["color"].to(trainer.device)
        out = lab_to_rgb(trainer.g_ema(rgb_to_gray(color), 0).float())
        errs.append(warping_error(out[1:], out[:-1], item["flow_back"].to(trainer.device), item["mask_back"].to(trainer.device)))
    return float(sum(errs) / len(errs))


def _load_init(cfg: TrainConfig, path: Path):
    """The ``--init`` generator, checked against the config (file, format, architecture and style
    list) before the run folder or any data is made: VidcolorError otherwise."""
    from vidcolor.models.serialization import load_generator
    from vidcolor.training.trainer import generator_config

    src = load_generator(path)
    heads = ("ab_classes", "ab_temperature", "ab_class_width")
    base = lambda c: dataclasses.replace(c, **{k: getattr(GeneratorConfig(), k) for k in heads})  # noqa: E731
    mine = generator_config(cfg)
    if base(src.config) != base(mine):
        raise VidcolorError(f"--init weights '{path}' have a different architecture or style list than the config "
                            f"({src.config.widths}, {list(src.config.styles)} vs {mine.widths}, {list(mine.styles)})")
    return src


def _init_generator(trainer: GANTrainer, src, path: Path) -> None:
    state = src.state_dict()
    mine = trainer.g_raw.ab_classifier
    if mine is None or src.ab_classifier is None or not torch.equal(src.ab_classifier.bins.to(mine.bins), mine.bins):
        # a head is added, or its classes are not this data's: it starts fresh (the loss uses this data's bins)
        state = {k: v for k, v in state.items() if not k.startswith("ab_classifier.")}
    with torch.no_grad():
        for net in (trainer.g_raw, trainer.g_ema):
            missing, unexpected = net.load_state_dict(state, strict=False)
            if unexpected or any(not k.startswith("ab_classifier.") for k in missing):
                raise VidcolorError(f"--init weights '{path}' do not match the config's generator")


def train(cfg: TrainConfig, out: str | Path, resume: bool = False, until: str | None = None, argv: list[str] | None = None, echo: bool = True,
          init: str | Path | None = None) -> Path:
    """Run (or resume) the configured stages; returns the path of the exported EMA weights.

    ``until``: stop after this stage (a checkpoint is written), e.g. to test resuming.
    ``init``: start the generator (and its EMA) from these weights — fine-tuning a trained model;
    the architecture and style list must match the config's.
    """
    out = Path(out)
    if until is not None and until not in STAGE_NAMES:
        raise VidcolorError(f"unknown stage '{until}'; valid: {', '.join(STAGE_NAMES)}")
    if resume and ckpt.latest_checkpoint(out) is None:  # before any data work or files written
        raise VidcolorError(f"--resume: no checkpoint in '{out / 'checkpoints'}'")
    for what, folder in (("data.images", cfg.data.images if cfg.data.generate <= 0 else None), ("data.videos", cfg.data.videos)):
        if folder and not Path(folder).is_dir():   # before the run folder is made (it was left behind)
            raise VidcolorError(f"{what}: {'not a folder' if Path(folder).exists() else 'data folder not found'}: '{folder}'")
    changed = _check_resumable(cfg, ckpt.latest_checkpoint(out), out) if resume else []
    src = _load_init(cfg, Path(init)) if init is not None and not resume else None
    ctx = init_distributed(cfg.device)
    lock = None
    try:
        if cfg.threads > 0:
            torch.set_num_threads(cfg.threads)
        lock = lock_run_dir(out) if ctx.is_main else None
        ctx.on_main(lambda: prepare_run_dir(out, cfg.to_dict(), argv, resume))
        jlog = JsonlLog(out / "log.jsonl", echo=echo) if ctx.is_main else None
        log = (lambda r: jlog.write(r)) if jlog else (lambda r: None)
        amp = resolve_amp(cfg.amp, ctx.device)
        entries, val = _data(cfg, out, ctx, log)
        video_clips = _video_clips(cfg, out, ctx, log)
        trainer = GANTrainer(cfg, ctx, amp, ab_weights=_ab_weights(cfg, entries, log), class_bins=class_bins(cfg, entries, log))
        progress = {"stage": STAGE_NAMES[0], "step_in_stage": 0, "global_step": 0, "stage_done": False}
        opt_state = None
        if src is not None:
            _init_generator(trainer, src, Path(init))
            log({"event": "init", "weights": str(init)})
        if init is not None and resume:
            log({"event": "note", "note": f"--init '{init}' is not read when resuming: the checkpoint holds the generator "
                                          "this run started from and has trained since"})
        if changed:
            log({"event": "note", "note": f"resumed with settings changed since the checkpoint ({', '.join(changed)}): "
                                          "the run does not continue exactly as an uninterrupted one"})
        if resume:
            last = ckpt.latest_checkpoint(out)
            if last is None:
                raise VidcolorError(f"--resume: no checkpoint in '{out / 'checkpoints'}'")
            opt_state, progress = ckpt.load_checkpoint(last, trainer.networks())
            log({"event": "resume", "checkpoint": last.name, **progress})
        log({"event": "start", "device": str(ctx.device), "amp": str(amp).replace("torch.", ""), "world_size": ctx.world,
             "g_params": sum(p.numel() for p in trainer.g_raw.parameters())})
        info = {"config": cfg.to_dict()["model"], "styles": list(cfg.data.styles)}
        gstep = progress["global_step"]
        interrupted = False

        def save(stage, step_in_stage, done):
            nonlocal progress
            progress = {"stage": stage, "step_in_stage": step_in_stage, "global_step": gstep, "stage_done": done}
            if ctx.is_main:
                ckpt.save_checkpoint(out, trainer.networks(), trainer.optimizer_state(), progress, info)
            ctx.barrier()

        with _Interrupt() as stop:
            for stage_idx, name in enumerate(STAGE_NAMES):
                st = getattr(cfg.stages, name)
                done_idx = STAGE_NAMES.index(progress["stage"])
                if stage_idx < done_idx or (stage_idx == done_idx and progress["stage_done"]) or st.steps == 0:
                    if until == name:   # already done, or nothing to do: --until still stops here
                        break
                    continue
                start = progress["step_in_stage"] if (stage_idx == done_idx and not progress["stage_done"]) else 0
                trainer.start_stage(name)
                if opt_state is not None:
                    _restore_state(trainer, opt_state, mid_stage=start > 0)
                opt_state = None
                clip = name == "temporal"
                if clip and ctx.is_main and start == 0:
                    before = _clip_warping_error(trainer, val, cfg, cfg.eval_clips)
                    log({"event": "eval", "stage": name, "when": "before", "val_synthetic_warping_error": before})
                ds = SyntheticClipDataset(entries, tuple(cfg.data.styles), cfg.data.crop, cfg.data.clip_len, cfg.data.plain_fraction, cfg.data.occluders) if clip \
                    else PairDataset(entries, tuple(cfg.data.styles), cfg.data.crop, cfg.data.plain_fraction, cfg.data.scale_jitter)
                if clip and video_clips:
                    ds = KeyedConcat([ds, VideoClipDataset(video_clips, tuple(cfg.data.styles), cfg.data.crop, cfg.data.plain_fraction)])
                t_last, n_last = time.time(), 0
                step = start
                for batch in _loader(ds, st, cfg, ctx, stage_idx, start):
                    losses = trainer.train_step(batch, step)
                    step += 1
                    gstep += 1
                    n_last += batch["color"].shape[0]
                    if step % cfg.log_every == 0 or step == st.steps:
                        dt = time.time() - t_last
                        log({"event": "train", "stage": name, "step": gstep, "stage_step": step, "lr_g": trainer.opt_g.param_groups[0]["lr"],
                             "samples_per_s": round(n_last * ctx.world / max(dt, 1e-9), 2), **{k: round(v, 5) for k, v in losses.items()}})
                        t_last, n_last = time.time(), 0
                    if ctx.is_main and cfg.sample_every and step % cfg.sample_every == 0:
                        _samples(trainer, val, cfg, out / "samples" / f"step_{gstep:07d}.png")
                    if stop.hit:
                        interrupted = True
                        break
                    if cfg.checkpoint_every and step % cfg.checkpoint_every == 0 and step < st.steps:
                        save(name, step, False)
                save(name, step, step >= st.steps)
                if interrupted:
                    log({"event": "interrupted", "stage": name, "stage_step": step, "step": gstep})
                    break
                if ctx.is_main:
                    _samples(trainer, val, cfg, out / "samples" / f"{name}_end.png")
                    plot_losses(out / "log.jsonl", out / "loss_curves.png")
                if clip and ctx.is_main:
                    after = _clip_warping_error(trainer, val, cfg, cfg.eval_clips)
                    log({"event": "eval", "stage": name, "when": "after", "val_synthetic_warping_error": after})
                if until == name:
                    break
        final = out / "generator_ema.safetensors"
        if ctx.is_main:
            save_generator(trainer.g_ema, final, info={**info, "global_step": gstep, "complete": not interrupted and until is None})
            plot_losses(out / "log.jsonl", out / "loss_curves.png")
            log({"event": "done" if not interrupted else "stopped", "step": gstep, "weights": str(final)})
        ctx.barrier()
        if interrupted:   # the caller (a shell, a scheduler) must not take a stopped run for a finished one
            from vidcolor.signals import Terminated

            exc = Terminated() if stop.signum == signal.SIGTERM else KeyboardInterrupt()
            exc.vidcolor_notes = [f"checkpoint saved after step {gstep}; continue with the same command and --resume "
                                  f"('{final}' holds the weights so far)"]
            raise exc
        return final
    finally:
        if lock is not None:
            lock.__exit__(None, None, None)
        cleanup(ctx)
