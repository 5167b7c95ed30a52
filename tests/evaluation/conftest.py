"""Run these unit tests on one intra-op thread.

Their tensors are tiny (16–48 px, TINY models): a second OpenMP thread buys nothing, and on a busy
2-core machine its spin-waits make the suite several times slower. Restored after each module.
"""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def single_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
