"""Chroma classification loss: soft-encoded cross-entropy, row selection, class rebalancing."""

import torch

from vidcolor.losses.classification import ChromaClassLoss
from vidcolor.models.chroma_classes import ab_grid, soft_encode


def _lab(ab: torch.Tensor) -> torch.Tensor:
    return torch.cat([torch.full_like(ab[:, :1], 50.0), ab], dim=1)


def test_loss_is_smallest_for_logits_matching_the_soft_target():
    bins = ab_grid(20.0)
    ab = torch.stack([torch.full((4, 4), 33.0), torch.full((4, 4), -47.0)])[None].repeat(2, 1, 1, 1)
    loss = ChromaClassLoss(bins)
    target = soft_encode(ab, bins)
    right = loss(torch.log(target + 1e-6), _lab(ab))
    wrong = loss(torch.log(target.flip(1) + 1e-6), _lab(ab))
    flat = loss(torch.zeros(2, bins.shape[0], 4, 4), _lab(ab))
    assert float(right) < float(flat) < float(wrong)
    # the target is pooled to the logits' resolution
    big = _lab(torch.nn.functional.interpolate(ab, scale_factor=4.0))
    assert torch.allclose(loss(torch.log(target + 1e-6), big), right, atol=1e-5)


def test_rows_and_rebalancing():
    bins = torch.tensor([[0.0, 0.0], [50.0, 0.0]])
    ab = torch.zeros(2, 2, 2, 2)
    ab[1, 0] = 50.0
    logits = torch.zeros(2, 2, 2, 2, requires_grad=True)
    plain = ChromaClassLoss(bins)
    assert plain(logits, _lab(ab), torch.tensor([False, False])).item() == 0.0
    plain(logits, _lab(ab), torch.tensor([False, False])).backward()  # a graph even with no row: every parameter stays in
    assert torch.equal(logits.grad, torch.zeros_like(logits))
    only1 = plain(logits, _lab(ab), torch.tensor([False, True]))
    assert only1.item() == plain(logits[1:], _lab(ab[1:])).item()
    z = torch.tensor([4.0, -4.0]).view(1, 2, 1, 1).expand(2, 2, 2, 2).contiguous()  # sure of the gray class
    weighted = ChromaClassLoss(bins, torch.tensor([0.5, 5.0]))
    # the rare (colored) pixels, badly predicted here, weigh more: the weighted loss is larger
    assert float(weighted(z, _lab(ab))) > float(plain(z, _lab(ab)))
