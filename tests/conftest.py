"""Shared fixtures: tiny generator weights and tiny PyAV clips (written into tmp folders)."""

from __future__ import annotations

import os

import pytest
import torch


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder this user cannot write into (mode 0500); skips where the user can anyway (root)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as a user who can write to read-only folders (root)")
        yield ro
    finally:
        ro.chmod(0o700)


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory):
    """A tiny generator (all built-in styles) saved as safetensors, with non-trivial style FiLM."""
    from vidcolor.models import TINY, Generator, save_generator

    torch.manual_seed(0)
    g = Generator(TINY)
    with torch.no_grad():
        for name, p in g.named_parameters():
            if "film" in name or "head" in name:
                p.normal_(0, 0.2)
    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    save_generator(g, path)
    return path


@pytest.fixture
def device():
    return torch.device("cpu")


@pytest.fixture(params=["cpu", "cuda"])
def any_device(request):
    """CPU always; CUDA only where a GPU exists (skipped cleanly otherwise)."""
    if request.param == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    return torch.device(request.param)


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    """Unit tests use tiny tensors: one intra-op thread is as fast and avoids OpenMP spin-waits
    fighting other processes on small CI machines. Restored after each module."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
