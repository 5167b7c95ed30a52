"""Inference-time folding of BatchNorm into the convolution before it.

A BatchNorm in eval mode is an affine map per channel, ``y = γ·(x − μ)/√(σ² + ε) + β``; after a
convolution ``x = W∗h + b`` it is the same convolution with ``W′ = W·s`` and ``b′ = (b − μ)·s + β``,
``s = γ/√(σ² + ε)`` per output channel. :func:`fold_batchnorm` returns a copy of a model with every
such pair folded (the BatchNorm replaced by ``nn.Identity``): one convolution instead of a
convolution and a normalisation pass over the feature map. Outputs agree with the original's to
float rounding (about 1e-5 in fp32; ``tests/models/test_fuse.py``).

Only the copy changes: the original keeps its tensors, so its fingerprint (style packs, resumed
renders, :func:`vidcolor.batch.segments.model_fingerprint`) and its training behaviour are untouched.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from vidcolor.models.efficientnet_lite import EfficientNetLite, MBConv


def _fold(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> None:
    """Fold ``bn`` (eval statistics) into ``conv`` in place; ``conv`` gains a bias if it had none."""
    with torch.no_grad():
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        conv.weight.mul_(scale.view(-1, 1, 1, 1))
        bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        new_bias = (bias - bn.running_mean) * scale + bn.bias
        conv.bias = nn.Parameter(new_bias, requires_grad=False)


def _pairs(model: nn.Module):
    """``(owner, conv attribute, bn attribute)`` of each conv → BatchNorm pair whose BatchNorm sees
    only that conv's output: MBConv's three, and the stem of every EfficientNet-Lite trunk."""
    for m in model.modules():
        if isinstance(m, MBConv):
            if m.expand != 1:
                yield m, "_expand_conv", "_bn0"
            yield m, "_depthwise_conv", "_bn1"
            yield m, "_project_conv", "_bn2"
        elif isinstance(m, EfficientNetLite):
            yield m, "_conv_stem", "_bn0"
            if m.classifier:
                yield m, "_conv_head", "_bn1"


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """A copy of ``model`` (eval mode, no gradients) with each conv → BatchNorm pair folded into one
    conv; the original is not modified. A model without such pairs comes back as an unchanged copy."""
    fused = copy.deepcopy(model).eval()
    for owner, conv_name, bn_name in _pairs(fused):
        conv, bn = getattr(owner, conv_name), getattr(owner, bn_name)
        if not isinstance(conv, nn.Conv2d) or not isinstance(bn, nn.BatchNorm2d):
            continue
        _fold(conv, bn)
        setattr(owner, bn_name, nn.Identity())
    for p in fused.parameters():
        p.requires_grad_(False)
    return fused
