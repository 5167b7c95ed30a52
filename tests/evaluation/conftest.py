"""Evaluation tests convert the semantic check's ImageNet weights (when installed) into a temporary
VIDCOLOR_HOME, never into the user's cache."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module", autouse=True)
def _vidcolor_home(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VIDCOLOR_HOME", str(tmp_path_factory.mktemp("vidcolor_home")))
        yield
