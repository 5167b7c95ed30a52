"""The generator objective ``L = λ_adv·L_adv + λ_rec·L_rec + λ_per·L_per + λ_temp·L_temp + λ_tadv·L_tadv + λ_tex·L_tex + λ_cls·L_cls``."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class LossWeights:
    adv: float = 0.0
    rec: float = 1.0
    per: float = 0.0
    temp: float = 0.0
    tadv: float = 0.0
    style: float = 1.0   # the exemplar term arrives already weighted (style + content)
    tex: float = 0.0
    cls: float = 0.0


def total_loss(terms: dict[str, torch.Tensor], w: LossWeights) -> torch.Tensor:
    """Weighted sum of the named terms present (``g_adv``, ``g_rec``, ``g_per``, ``g_temp``, ``g_tadv``, ``g_style``, ``g_tex``, ``g_cls``)."""
    weight = {"g_adv": w.adv, "g_rec": w.rec, "g_per": w.per, "g_temp": w.temp, "g_tadv": w.tadv, "g_style": w.style, "g_tex": w.tex, "g_cls": w.cls}
    parts = [weight[k] * v for k, v in terms.items() if k in weight and weight[k] != 0]
    if not parts:
        raise ValueError("all generator loss weights are zero")
    return torch.stack(parts).sum()
