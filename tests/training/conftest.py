from __future__ import annotations

import pytest

from vidcolor.training.images import build_cache, list_images, synthesize_images

STYLES = ("none", "watercolor")


@pytest.fixture(scope="session")
def image_entries(tmp_path_factory):
    """Six synthetic images in a teacher cache (teach size 48, styles none + watercolor)."""
    root = tmp_path_factory.mktemp("images")
    synthesize_images(root / "img", 6, size=64, seed=1)
    entries, skipped = build_cache(list_images(root / "img"), STYLES, 48, root / "cache")
    assert skipped == 0 and len(entries) == 6
    return entries
