"""Old-film degradations of the gray input (``data.degrade: true``), applied on batched tensors.

``degrade_gray(gray [N,1,H,W] in [0,1], seed)`` applies, each with probability ½ per image:
contrast loss (``0.5 + (x − 0.5)·c``, c ∈ [0.6, 1]), Gaussian blur (σ ∈ [0.3, 1.2]),
film grain (additive Gaussian, σ ∈ [0.005, 0.04]) and 0–3 vertical scratches (bright or dark lines).
The colour target is untouched, so the network learns to see through the damage.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _gauss_kernel(sigma: float) -> torch.Tensor:
    r = max(1, int(3 * sigma))
    x = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-x * x / (2 * sigma * sigma))
    return k / k.sum()


def degrade_gray(gray: torch.Tensor, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(int(seed) & 0x7FFFFFFF)
    out = []
    for img in gray.float():
        x = img[None]
        u = torch.rand(8, generator=g).tolist()
        if u[0] < 0.5:
            c = 0.6 + 0.4 * u[1]
            x = 0.5 + (x - 0.5) * c
        if u[2] < 0.5:
            k = _gauss_kernel(0.3 + 0.9 * u[3]).to(x.device)
            x = F.conv2d(F.pad(x, (len(k) // 2,) * 2, mode="replicate"), k.view(1, 1, 1, -1))
            x = F.conv2d(F.pad(x, (0, 0) + (len(k) // 2,) * 2, mode="replicate"), k.view(1, 1, -1, 1))
        if u[4] < 0.5:
            x = x + torch.randn(x.shape, generator=g).to(x.device) * (0.005 + 0.035 * u[5])
        if u[6] < 0.5:
            w = x.shape[-1]
            for _ in range(int(u[7] * 4)):
                col = int(torch.randint(0, w, (1,), generator=g))
                val = 0.9 if torch.rand(1, generator=g).item() < 0.5 else 0.1
                x[..., col] = 0.5 * x[..., col] + 0.5 * val
        out.append(x[0].clamp(0, 1))
    return torch.stack(out).to(gray.dtype)
