from __future__ import annotations

import numpy as np
import torch

from vidcolor.losses.rebalance import NBINS, ChromaRebalance, ab_histogram, rebalance_weights
from vidcolor.losses.reconstruction import LabL1Loss


def test_rare_colors_weigh_more_and_the_mean_weight_is_one():
    rng = np.random.default_rng(0)
    common = rng.normal(0, 4, (9000, 2))                      # near-gray pixels: most of the data
    rare = rng.normal([60, 40], 4, (1000, 2))                 # saturated red/orange: rare
    counts = ab_histogram(np.concatenate([common, rare]))
    assert counts.shape == (NBINS, NBINS) and counts.sum() == 10000
    w = rebalance_weights(counts, lam=0.5)
    p = counts / counts.sum()
    assert 0.6 < float((p * w).sum()) < 1.4                    # E_p̃[w] = 1 for the *smoothed* p̃; raw p is close
    table = ChromaRebalance(w)
    lab = torch.zeros(2, 3, 1, 1)
    lab[1, 1:, 0, 0] = torch.tensor([60.0, 40.0])
    got = table(lab).flatten()
    assert got[1] > 2 * got[0]
    uniform = rebalance_weights(counts, lam=1.0)              # λ = 1: no rebalancing
    seen = counts > 0
    assert np.allclose(uniform[seen], uniform[seen][0], rtol=1e-3)


def test_weighted_l1_reduces_to_plain_l1_with_unit_weights():
    a, b = torch.randn(2, 3, 8, 8) * 20, torch.randn(2, 3, 8, 8) * 20
    loss = LabL1Loss()
    assert torch.allclose(loss(a, b), loss(a, b, torch.ones(2, 1, 8, 8)))
    assert loss(a, b, torch.full((2, 1, 8, 8), 2.0)) > loss(a, b)
