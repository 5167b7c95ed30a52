from __future__ import annotations

import pytest
import torch

from vidcolor.training.images import build_cache, list_images, synthesize_images

STYLES = ("none", "watercolor")


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny tensors: one intra-op thread is fastest, and does not fight other jobs for the cores."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="session")
def image_entries(tmp_path_factory):
    """Six synthetic images in a teacher cache (teach size 48, styles none + watercolor)."""
    root = tmp_path_factory.mktemp("images")
    synthesize_images(root / "img", 6, size=64, seed=1)
    entries, skipped = build_cache(list_images(root / "img"), STYLES, 48, root / "cache")
    assert skipped == 0 and len(entries) == 6
    return entries
