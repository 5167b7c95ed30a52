"""The GAN trainer: owns the networks, optimizers, schedulers and the EMA generator.

One call of :meth:`GANTrainer.train_step` is one generator update (preceded by ``d_steps``
discriminator updates when the stage is adversarial) and returns named losses
(``g_rec``, ``g_adv``, ``g_per``, ``g_temp``, ``g_tadv``, ``d_real``, ``d_fake``, ``td_real``,
``td_fake``, ``g_total``) as floats. Discriminators are frozen while G steps and see detached fakes.
"""

from __future__ import annotations

import contextlib
import copy
import math

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

from vidcolor.color import lab_to_rgb, rgb_to_gray, rgb_to_lab
from vidcolor.flow.warp import backward_warp
from vidcolor.losses import AdversarialLoss, GramStyleLoss, LabL1Loss, LossWeights, PerceptualLoss, TemporalLoss, VGGFeatures, total_loss
from vidcolor.losses.perceptual import gram
from vidcolor.losses.classification import ChromaClassLoss
from vidcolor.losses.rebalance import ChromaRebalance
from vidcolor.models.encoders import LiteEncoder
from vidcolor.training.hints import simulate_hints
from vidcolor.models import Generator, GeneratorConfig, MultiScaleDiscriminator, TemporalDiscriminator, preset
from vidcolor.training.config import STAGE_NAMES, StageConfig, TrainConfig
from vidcolor.training.degrade import degrade_gray
from vidcolor.training.distributed import DistContext


def uses_classes(cfg: TrainConfig) -> bool:
    """Whether any stage trains the chroma classification head (``stages.*.cls > 0``)."""
    return any(getattr(cfg.stages, s).cls > 0 and getattr(cfg.stages, s).steps > 0 for s in STAGE_NAMES)


def generator_config(cfg: TrainConfig, ab_classes: int = 0) -> GeneratorConfig:
    """The generator the config describes; ``ab_classes`` = number of chroma classes of its head (0 = none)."""
    base = preset(cfg.model.preset)
    kw = {"styles": tuple(cfg.data.styles)}
    if ab_classes:
        kw.update(ab_classes=int(ab_classes), ab_temperature=cfg.losses.class_temperature)
    if cfg.model.widths:
        kw["widths"] = tuple(cfg.model.widths)
    if cfg.model.bottleneck_blocks is not None:
        kw["bottleneck_blocks"] = cfg.model.bottleneck_blocks
    if cfg.model.encoder is not None:
        kw["encoder"] = cfg.model.encoder
    if cfg.model.hints is not None:
        kw["hints"] = cfg.model.hints
    return GeneratorConfig.from_dict({**base.__dict__, **kw})


def _load_style_image(path: str, size: int) -> torch.Tensor:
    """A style exemplar as RGB ``[1,3,size',size']`` in [0,1] (short side resized to ``size``)."""
    from vidcolor.io.image import read_image, to_float
    from vidcolor.training.images import resize_short

    img = to_float(read_image(path))
    if img.ndim == 2:
        img = img[..., None].repeat(3, axis=2)
    img = resize_short(img, size)
    return torch.from_numpy(img).permute(2, 0, 1)[None].float()


def _set_requires_grad(module: nn.Module, flag: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(flag)


class GANTrainer:
    def __init__(self, cfg: TrainConfig, ctx: DistContext, amp_dtype: torch.dtype | None, ab_weights=None, class_bins=None):
        """``ab_weights``: chroma-rebalancing table (:func:`~vidcolor.losses.rebalance.rebalance_weights`) or None.
        ``class_bins``: ``(bins [Q,2], weights [Q] or None)`` of the chroma classification head
        (:func:`vidcolor.training.loop.class_bins`), or None for a generator without one."""
        self.cfg, self.ctx, self.device, self.amp_dtype = cfg, ctx, ctx.device, amp_dtype
        torch.manual_seed(cfg.seed)
        m = cfg.model
        g = Generator(generator_config(cfg, 0 if class_bins is None else len(class_bins[0])))
        self.cls_loss = None
        if class_bins is not None:
            with torch.no_grad():
                g.ab_classifier.bins.copy_(torch.as_tensor(class_bins[0]))
            self.cls_loss = ChromaClassLoss(*class_bins).to(self.device)
        if isinstance(g.encoder, LiteEncoder) and m.pretrained:
            from vidcolor.pretrained import load_state

            g.encoder.load_pretrained(load_state(g.config.encoder)[0])
        self.g_raw = g.to(self.device)
        self.d_raw = MultiScaleDiscriminator(m.d_scales, m.d_base, m.d_layers, m.spectral_norm).to(self.device)
        self.td_raw = TemporalDiscriminator(m.td_base, m.d_layers, m.spectral_norm).to(self.device)
        if cfg.channels_last:
            for net in (self.g_raw, self.d_raw, self.td_raw):
                net.to(memory_format=torch.channels_last)
        self.g_ema = copy.deepcopy(self.g_raw).eval()
        _set_requires_grad(self.g_ema, False)
        wrap = (lambda n: DDP(n, device_ids=[self.device.index] if self.device.type == "cuda" else None, broadcast_buffers=False)) if ctx.enabled else (lambda n: n)
        self.G, self.D, self.TD = wrap(self.g_raw), wrap(self.d_raw), wrap(self.td_raw)
        self.adv = AdversarialLoss(cfg.losses.adv_mode)
        self.rec = LabL1Loss(charbonnier_eps=cfg.losses.charbonnier).to(self.device)
        self.temporal = TemporalLoss()
        self.rebalance = ChromaRebalance(ab_weights).to(self.device) if ab_weights is not None else None
        self.perceptual = self.gram = None
        self.exemplar = cfg.data.styles.index("exemplar") if "exemplar" in cfg.data.styles else None
        if self.exemplar is not None or any(getattr(cfg.stages, s).per > 0 or getattr(cfg.stages, s).tex > 0
                                            for s in STAGE_NAMES if getattr(cfg.stages, s).steps > 0):
            feats = VGGFeatures(cfg.losses.vgg, cfg.losses.vgg_layers, cfg.losses.vgg_weights).to(self.device)
            self.perceptual = PerceptualLoss(feats)
            if self.exemplar is not None:
                self.gram = GramStyleLoss(feats, _load_style_image(cfg.losses.style_image, cfg.data.crop).to(self.device))
        self.scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
        self.stage: str | None = None
        self.stage_cfg: StageConfig | None = None
        self.opt_g = self.opt_d = self.opt_td = None
        self.sched = []
        self.ema_updates = 0

    # ------------------------------------------------------------------ stages / optimizers
    def start_stage(self, name: str) -> None:
        st: StageConfig = getattr(self.cfg.stages, name)
        self.stage, self.stage_cfg = name, st
        adam = lambda params, lr: torch.optim.Adam(params, lr=lr, betas=tuple(st.betas))  # noqa: E731
        enc = {id(p) for p in self.g_raw.encoder_parameters()}
        if enc:  # the pretrained trunk is fine-tuned at encoder_lr × lr_g
            rest = [p for p in self.G.parameters() if id(p) not in enc]
            self.opt_g = torch.optim.Adam([{"params": rest, "lr": st.lr_g},
                                           {"params": self.g_raw.encoder_parameters(), "lr": st.lr_g * self.cfg.model.encoder_lr}],
                                          betas=tuple(st.betas))
        else:
            self.opt_g = adam(self.G.parameters(), st.lr_g)
        self.opt_d = adam(self.D.parameters(), st.lr_d)
        self.opt_td = adam(self.TD.parameters(), st.lr_d)
        total = max(st.steps, 1)
        decay = (lambda i: 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(i, total) / total))) if st.lr_decay else (lambda i: 1.0)
        self.sched = [torch.optim.lr_scheduler.LambdaLR(o, decay) for o in (self.opt_g, self.opt_d, self.opt_td)]

    def optimizer_state(self) -> dict:
        return {"opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(), "opt_td": self.opt_td.state_dict(),
                "sched": [s.state_dict() for s in self.sched], "scaler": self.scaler.state_dict(), "ema_updates": self.ema_updates}

    def load_optimizer_state(self, state: dict) -> None:
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.opt_td.load_state_dict(state["opt_td"])
        for s, sd in zip(self.sched, state["sched"]):
            s.load_state_dict(sd)
        if state.get("scaler"):
            self.scaler.load_state_dict(state["scaler"])
        self.ema_updates = int(state.get("ema_updates", 0))

    def networks(self) -> dict[str, nn.Module]:
        return {"generator": self.g_raw, "generator_ema": self.g_ema, "discriminator": self.d_raw, "temporal_discriminator": self.td_raw}

    # ------------------------------------------------------------------ helpers
    def _autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def _to(self, t: torch.Tensor) -> torch.Tensor:
        t = t.to(self.device, non_blocking=True)
        if self.cfg.channels_last and t.dim() == 4:
            t = t.contiguous(memory_format=torch.channels_last)
        return t

    def _backward_step(self, loss: torch.Tensor, opt: torch.optim.Optimizer) -> None:
        opt.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(opt)
        self.scaler.update()

    @torch.no_grad()
    def update_ema(self) -> None:
        self.ema_updates += 1
        decay = min(self.cfg.ema_decay, (1 + self.ema_updates) / (10 + self.ema_updates))
        for pe, p in zip(self.g_ema.parameters(), self.g_raw.parameters()):
            pe.lerp_(p.detach(), 1 - decay)
        for be, b in zip(self.g_ema.buffers(), self.g_raw.buffers()):
            be.copy_(b)

    def _gray(self, color: torch.Tensor, seed: int) -> torch.Tensor:
        gray = rgb_to_gray(color)
        if self.cfg.data.degrade:
            gray = degrade_gray(gray, seed=seed + 7919 * self.ctx.rank)
        return gray

    def _d_update(self, net_raw: nn.Module, net: nn.Module, opt, real_args, fake_args, prefix: str) -> dict:
        _set_requires_grad(net_raw, True)
        with self._autocast():
            n = real_args[0].shape[0]
            logits = net(*[torch.cat([r, f.detach()], 0) for r, f in zip(real_args, fake_args)])
            real = [l[:n] for l in logits]
            fake = [l[n:] for l in logits]
        l_real, l_fake = self.adv.discriminator(real, fake)
        self._backward_step(l_real + l_fake, opt)
        _set_requires_grad(net_raw, False)
        return {f"{prefix}_real": l_real.detach(), f"{prefix}_fake": l_fake.detach()}

    def _feature_losses(self, pred_rgb: torch.Tensor, target: torch.Tensor, style: torch.Tensor, st: StageConfig, step: int = 0) -> dict:
        """VGG16 features computed once; both terms are *relative* (divided by the target's energy, so
        they are O(1) whatever the VGG's input scale):

        ``g_per = Σ_l mean((φ_l(ŷ) − φ_l(y))²) / mean(φ_l(y)²)`` over all samples, and
        ``g_tex = Σ_l mean((G(φ_l(ŷ)) − G(φ_l(y)))²) / mean(G(φ_l(y))²)`` over styled samples
        (y = the teacher's rendering; G = Gram matrix, Gatys et al. 2016).

        Both run on one ``losses.feature_crop``² window of the batch (placed by the step number):
        VGG16 costs ~8× the generator per pixel, and texture statistics need no whole image."""
        feats = self.perceptual.features
        c = self.cfg.losses.feature_crop
        h, w = pred_rgb.shape[-2:]
        if c and (h > c or w > c):
            y, x = (step * 37) % (max(h - c, 0) + 1), (step * 53) % (max(w - c, 0) + 1)
            pred_rgb, target = pred_rgb[..., y:y + c, x:x + c], target[..., y:y + c, x:x + c]
        with self._autocast():
            fp = feats(pred_rgb)
            with torch.no_grad():
                ft = feats(target)
        out = {}
        def rel(a, b):
            return torch.nn.functional.mse_loss(a, b) / b.pow(2).mean().clamp_min(1e-8)

        if st.per > 0:
            out["g_per"] = sum(rel(fp[k].float(), ft[k].float()) for k in fp)
        styled = style != 0
        if st.tex > 0 and bool(styled.any()):
            out["g_tex"] = sum(rel(gram(fp[k][styled].float()), gram(ft[k][styled].float())) for k in fp)
        return out

    # ------------------------------------------------------------------ one step
    def train_step(self, batch: dict, step_in_stage: int) -> dict[str, float]:
        st = self.stage_cfg
        self.G.train()
        clip = batch["color"].dim() == 5
        color, target, style = batch["color"], batch["target"], batch["style"]
        n = color.shape[0]
        T = color.shape[1] if clip else 1
        if clip:
            color, target = color.flatten(0, 1), target.flatten(0, 1)
            style = style.repeat_interleave(T)
        color, target, style = self._to(color), self._to(target), style.to(self.device)
        gray = self._gray(color, self.cfg.seed * 1_000_003 + step_in_stage * 7 + STAGE_NAMES.index(self.stage))
        target_lab = rgb_to_lab(target)
        hints = None
        if self.g_raw.config.hints:
            hints = simulate_hints(target_lab, self.cfg.seed * 1_000_033 + step_in_stage * 13 + 7 * STAGE_NAMES.index(self.stage) + 104_729 * self.ctx.rank,
                                   p_none=self.cfg.data.hint_none, p_dense=self.cfg.data.hint_dense)
            if clip:  # one kind of hint per clip: keyframe-like dense hints or none, from each frame's truth
                keep = torch.ones(n, T, 1, 1, 1, device=hints.device)
                keep[:, 1:] = (hints.view(n, T, *hints.shape[1:])[:, :1, 2:].amax(dim=(2, 3, 4), keepdim=True) > 0).float()
                hints = (hints.view(n, T, *hints.shape[1:]) * keep).flatten(0, 1)
            hints = self._to(hints)
        warmup = step_in_stage < st.d_warmup
        adv_on = st.adv > 0
        tadv_on = clip and st.tadv > 0
        logs: dict[str, torch.Tensor] = {}

        logits = None
        with self._autocast():
            if self.cls_loss is not None:  # the regression learns from L1, the head from its own loss
                pred_lab, logits = self.G(gray, style, hints, classes=False, return_logits=True)
            else:
                pred_lab = self.G(gray, style, hints)
        pred_lab = pred_lab.float()
        pred_rgb = lab_to_rgb(pred_lab)
        if self.cfg.channels_last:
            pred_rgb = pred_rgb.contiguous(memory_format=torch.channels_last)

        if clip:
            c = T // 2
            shape5 = lambda t: t.view(n, T, *t.shape[1:])  # noqa: E731
            p5, t5, g5 = shape5(pred_rgb), shape5(target), shape5(gray)
            fb, ff = batch["flow_back"].to(self.device), batch["flow_fwd"].to(self.device)

            def triplet(x5):
                return (backward_warp(x5[:, c - 1], fb[:, c - 1]), x5[:, c], backward_warp(x5[:, c + 1], ff[:, c]), g5[:, c])

        if adv_on:
            for k in range(st.d_steps):
                fake = pred_rgb if k == 0 else lab_to_rgb(self.G(gray, style, hints, classes=False).float()).detach()
                logs.update(self._d_update(self.d_raw, self.D, self.opt_d, (gray, target), (gray, fake), "d"))
        if tadv_on:
            logs.update(self._d_update(self.td_raw, self.TD, self.opt_td, triplet(t5), [x.detach() for x in triplet(p5)], "td"))
        if warmup and (adv_on or tadv_on):
            return {k: float(v) for k, v in logs.items()}

        ex = (style == self.exemplar) if self.exemplar is not None else None
        wmap = self.rebalance(target_lab) if self.rebalance is not None else None
        if ex is not None and bool(ex.any()):
            keep = ~ex
            terms = {"g_rec": self.rec(pred_lab[keep], target_lab[keep], None if wmap is None else wmap[keep]) if bool(keep.any()) else pred_lab.sum() * 0}
            terms["g_style"] = self.cfg.losses.style_weight * self.gram(pred_rgb[ex]) + self.cfg.losses.content_weight * self.perceptual(pred_rgb[ex], target[ex])
        else:
            terms = {"g_rec": self.rec(pred_lab, target_lab, wmap)}
        with self._autocast():
            if adv_on:
                terms["g_adv"] = self.adv.generator(self.d_raw(gray, pred_rgb))
            if tadv_on:
                terms["g_tadv"] = self.adv.generator(self.td_raw(*triplet(p5)))
        if (st.per > 0 or st.tex > 0) and self.perceptual is not None:
            terms.update(self._feature_losses(pred_rgb, target, style, st, step_in_stage))
        if logits is not None:  # plain samples (with or without hints): Zhang et al.'s soft-encoded cross-entropy
            terms["g_cls"] = self.cls_loss(logits, target_lab, style == 0)
        if clip and st.temp > 0:
            mb = batch["mask_back"].to(self.device)
            terms["g_temp"] = torch.stack([
                self.temporal(p5[:, t], p5[:, t - 1], fb[:, t - 1], mb[:, t - 1]) for t in range(1, T)
            ]).mean()
        w = LossWeights(adv=st.adv, rec=st.rec, per=st.per, temp=st.temp, tadv=st.tadv, tex=st.tex, cls=st.cls)
        g_total = total_loss(terms, w)
        if logits is not None and st.cls == 0:  # keep the head in the backward pass (DDP expects every parameter)
            g_total = g_total + 0.0 * terms["g_cls"]
        self._backward_step(g_total, self.opt_g)
        self.update_ema()
        used = (True, adv_on, tadv_on)  # a scheduler steps only with its optimizer (g, d, td)
        for s, u in zip(self.sched, used):
            if u:
                s.step()
        logs.update({k: v.detach() for k, v in terms.items()})
        logs["g_total"] = g_total.detach()
        return {k: float(v) for k, v in logs.items()}
