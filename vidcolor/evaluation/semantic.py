"""Semantic interpretability: does an ImageNet classifier see the same thing in the colorized image
as in the original? (Zhang, Isola & Efros 2016, "Colorful Image Colorization", §3.1: classification
accuracy of VGG on colorized vs gray vs original images.)

We use the agreement form, which needs no labels: for each image the classifier's top-1 class on the
original is the reference, and a result *agrees*

* ``top1``: when its own top-1 class is the same, ``argmax(p_out) = argmax(p_orig)``;
* ``top5``: when the original's top-1 class is among its top 5, ``argmax(p_orig) ∈ top5(p_out)``.

The gray input (L* with zero chroma) is the baseline: colours that help recognition raise the
agreement above gray, wrong colours (green skies, grey-green fruit) drop it below.

The classifier is EfficientNet-Lite2 (ImageNet, from its own package, see
:mod:`vidcolor.pretrained`), deliberately *not* the generator's Lite0 encoder, so training cannot
game it. Input: TF-EfficientNet evaluation crop — a centred square of side
``min(H, W) · S / (S + 32)`` resized to ``S × S`` (``S`` = 260, the model's native size), RGB scaled
``(255·x − 127) / 128``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from vidcolor.errors import VidcolorError

#: The classifier of the semantic check and its native input size.
CLASSIFIER = "efficientnet_lite2"
INPUT_SIZE = 260
CROP_PADDING = 32

ENABLE_HINT = 'semantic check skipped: the ImageNet classifier is not installed (pip install "vidcolor[train]" to enable it)'


def center_crop_resize(rgb: torch.Tensor, size: int = INPUT_SIZE, crop_padding: int = CROP_PADDING) -> torch.Tensor:
    """``[N,3,H,W]`` in [0,1] → ``[N,3,size,size]``: the centred square of side
    ``round(min(H,W)·size/(size+crop_padding))``, resized (bilinear, antialiased) to ``size``."""
    h, w = rgb.shape[-2:]
    c = max(1, round(min(h, w) * size / (size + crop_padding)))
    top, left = (h - c) // 2, (w - c) // 2
    x = rgb[..., top:top + c, left:left + c].float()
    return F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False).clamp(0, 1)


def available() -> bool:
    """True when the classifier's weights can be had: its package is installed, or they were
    converted before (the cache is verified when loaded)."""
    from vidcolor.pretrained import cached_path, locate

    try:
        locate(CLASSIFIER)
    except VidcolorError:
        return cached_path(CLASSIFIER).is_file()
    return True


class SemanticChecker:
    """ImageNet classifier used for top-1/top-5 agreement. ``device`` is a torch device string."""

    def __init__(self, name: str = CLASSIFIER, size: int = INPUT_SIZE, device: str | torch.device = "cpu"):
        from vidcolor.pretrained import efficientnet_lite

        self.name, self.size, self.device = name, size, torch.device(device)
        self.net = efficientnet_lite(name).to(self.device)

    @torch.inference_mode()
    def probabilities(self, rgb: torch.Tensor) -> torch.Tensor:
        """Class probabilities ``[N,1000]`` (float32, CPU) of RGB ``[N,3,H,W]`` in [0, 1]."""
        from vidcolor.models.efficientnet_lite import normalize

        x = normalize(center_crop_resize(rgb.to(self.device), self.size))
        return self.net(x).float().softmax(dim=1).cpu()


def agreement(p_orig: torch.Tensor, p_out: torch.Tensor) -> dict:
    """Per image of ``[N,1000]`` scores: ``top1``/``top5`` agreement (0 or 1 floats, so means are
    rates), plus the original's class ``label`` and the result's own top-1 ``pred``."""
    ref = p_orig.argmax(dim=1)
    top5 = p_out.topk(5, dim=1).indices
    return {"top1": (p_out.argmax(dim=1) == ref).float().tolist(), "top5": (top5 == ref[:, None]).any(dim=1).float().tolist(),
            "label": ref.tolist(), "pred": p_out.argmax(dim=1).tolist()}
