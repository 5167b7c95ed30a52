"""Adversarial losses over lists of patch-logit maps (one per discriminator scale).

For logits ``D(·)`` and a mean over patches and scales:

* ``bce`` (default, Goodfellow et al. 2014, non-saturating):
  ``L_D = BCE(D(real), 1) + BCE(D(fake), 0)``, ``L_G = BCE(D(fake), 1)``
* ``lsgan`` (Mao et al. 2017): ``L_D = ½[(D(real)−1)² + D(fake)²]``, ``L_G = ½(D(fake)−1)²``
* ``hinge`` (Lim & Ye 2017; Miyato et al. 2018):
  ``L_D = relu(1−D(real)) + relu(1+D(fake))``, ``L_G = −D(fake)``
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

MODES = ("bce", "lsgan", "hinge")


class AdversarialLoss(nn.Module):
    def __init__(self, mode: str = "bce"):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"unknown adversarial loss '{mode}'; valid: {', '.join(MODES)}")
        self.mode = mode

    @staticmethod
    def _as_list(x):
        return x if isinstance(x, (list, tuple)) else [x]

    def _term(self, logits: torch.Tensor, real: bool, for_d: bool) -> torch.Tensor:
        logits = logits.float()
        if self.mode == "bce":
            target = torch.ones_like(logits) if real else torch.zeros_like(logits)
            return F.binary_cross_entropy_with_logits(logits, target)
        if self.mode == "lsgan":
            return 0.5 * ((logits - 1).pow(2) if real else logits.pow(2)).mean()
        if for_d:
            return F.relu(1 - logits).mean() if real else F.relu(1 + logits).mean()
        return -logits.mean()

    def generator(self, fake_logits) -> torch.Tensor:
        """``L_G`` for the generator: fakes should be judged real."""
        terms = [self._term(l, True, False) for l in self._as_list(fake_logits)]
        return torch.stack(terms).mean()

    def discriminator(self, real_logits, fake_logits) -> tuple[torch.Tensor, torch.Tensor]:
        """``(L_D_real, L_D_fake)``; the discriminator minimises their sum."""
        real = torch.stack([self._term(l, True, True) for l in self._as_list(real_logits)]).mean()
        fake = torch.stack([self._term(l, False, True) for l in self._as_list(fake_logits)]).mean()
        return real, fake
