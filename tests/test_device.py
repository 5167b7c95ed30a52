"""vidcolor.device: device choice and native-bf16 checks."""

import pytest
import torch

from vidcolor.device import cuda_supports_bf16, resolve_device
from vidcolor.errors import VidcolorError


def test_auto_is_cpu_without_a_gpu_and_bad_names_are_refused():
    if not torch.cuda.is_available():
        assert resolve_device("auto").type == "cpu"
        with pytest.raises(VidcolorError, match="no CUDA GPU"):
            resolve_device("cuda")
    with pytest.raises(VidcolorError, match="unknown device 'tpu'"):
        resolve_device("tpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_bf16_is_asked_of_the_device_named_not_the_current_one():
    current = torch.cuda.current_device()
    for i in range(torch.cuda.device_count()):
        native = torch.cuda.get_device_capability(i) >= (8, 0)
        assert cuda_supports_bf16(torch.device(f"cuda:{i}")) == native
    assert torch.cuda.current_device() == current   # asked under the device, then put back
