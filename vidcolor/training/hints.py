"""Simulated color hints for training (Zhang et al. 2017, §3.2, extended to keyframe propagation).

Per sample, one of:

* **none** (probability ``p_none``): automatic colorization must not degrade;
* **sparse**: ``k ~ Geometric(1/8)`` (≤ ``max_points``) points, each a square patch of side 1–5 px
  holding the *mean* true chroma of that patch (what a user clicks), some of them drawn as short
  strokes (4–30 px long, the true chroma along the stroke, like a scribble inside one object);
* **dense** (``p_dense``): the true chroma moved by a smooth random displacement (up to ``max_shift``
  px, the error of optical flow), with a confidence below 1 that varies smoothly and holes
  (occlusions) where it is 0 — what a colored reference keyframe looks like after flow propagation.

Input ``target_lab [N,3,H,W]`` (Lab), output hint map ``[N,3,H,W]`` (:mod:`vidcolor.models.hints`).
Deterministic for a given ``seed``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from vidcolor.models.hints import make_hints


def _sparse(ab: torch.Tensor, g: torch.Generator, max_points: int) -> tuple[torch.Tensor, torch.Tensor]:
    _, h, w = ab.shape
    hab = torch.zeros_like(ab)
    conf = torch.zeros(1, h, w)
    u = float(torch.rand(1, generator=g))
    k = min(max_points, 1 + int(math.log(max(1e-9, 1 - u)) / math.log(1 - 1 / 8)))
    for _ in range(k):
        s = int(torch.randint(1, 6, (1,), generator=g))
        y, x = int(torch.randint(0, h - s + 1, (1,), generator=g)), int(torch.randint(0, w - s + 1, (1,), generator=g))
        if float(torch.rand(1, generator=g)) < 0.25:  # a short stroke
            length = int(torch.randint(4, 31, (1,), generator=g))
            ang = float(torch.rand(1, generator=g)) * 2 * math.pi
            for t in range(0, length, max(1, s)):
                yy = min(max(int(y + t * math.sin(ang)), 0), h - s)
                xx = min(max(int(x + t * math.cos(ang)), 0), w - s)
                hab[:, yy:yy + s, xx:xx + s] = ab[:, yy:yy + s, xx:xx + s]
                conf[:, yy:yy + s, xx:xx + s] = 1
        else:
            hab[:, y:y + s, x:x + s] = ab[:, y:y + s, x:x + s].mean(dim=(1, 2), keepdim=True)
            conf[:, y:y + s, x:x + s] = 1
    return hab, conf


def _smooth_field(g: torch.Generator, channels: int, h: int, w: int, cells: int) -> torch.Tensor:
    coarse = torch.rand(1, channels, cells, cells, generator=g) * 2 - 1
    return F.interpolate(coarse, size=(h, w), mode="bicubic", align_corners=True)[0]


def _dense(ab: torch.Tensor, g: torch.Generator, max_shift: float) -> tuple[torch.Tensor, torch.Tensor]:
    _, h, w = ab.shape
    shift = float(torch.rand(1, generator=g)) * max_shift
    disp = _smooth_field(g, 2, h, w, 4) * shift
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    gx = (xs + disp[0]) / max(w - 1, 1) * 2 - 1
    gy = (ys + disp[1]) / max(h - 1, 1) * 2 - 1
    warped = F.grid_sample(ab[None], torch.stack([gx, gy], -1)[None], mode="bilinear", padding_mode="border", align_corners=True)[0]
    base = 0.35 + 0.65 * float(torch.rand(1, generator=g))
    conf = (base + 0.25 * _smooth_field(g, 1, h, w, 3)).clamp(0.05, 1)
    for _ in range(int(torch.randint(0, 4, (1,), generator=g))):  # occlusion holes
        ry, rx = (torch.rand(2, generator=g) * torch.tensor([h / 3, w / 3]) + 4).tolist()
        cy, cx = (torch.rand(2, generator=g) * torch.tensor([h, w])).tolist()
        conf[0][((ys - cy) / ry) ** 2 + ((xs - cx) / rx) ** 2 <= 1] = 0
    return warped, conf


@torch.no_grad()
def simulate_hints(target_lab: torch.Tensor, seed: int, p_none: float = 0.35, p_dense: float = 0.15,
                   max_points: int = 40, max_shift: float = 6.0) -> torch.Tensor:
    """Hint maps ``[N,3,H,W]`` drawn from ``target_lab`` ``[N,3,H,W]`` (see the module docstring)."""
    g = torch.Generator().manual_seed(int(seed) % (2**63))
    ab = target_lab[:, 1:3].detach().float().cpu()
    n, _, h, w = ab.shape
    habs = torch.zeros(n, 2, h, w)
    confs = torch.zeros(n, 1, h, w)
    for i in range(n):
        r = float(torch.rand(1, generator=g))
        if r < p_none:
            continue
        if r < p_none + p_dense:
            habs[i], confs[i] = _dense(ab[i], g, max_shift)
        else:
            habs[i], confs[i] = _sparse(ab[i], g, max_points)
    return make_hints(habs, confs).to(target_lab.device)
