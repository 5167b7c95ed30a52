"""Generator weights as safetensors: round trips, fp16, metadata, and refusal of anything else."""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from vidcolor.errors import VidcolorError
from vidcolor.models import TINY, Generator, GeneratorConfig, load_generator, read_metadata, save_generator, weights_info
from vidcolor.models.generator import FiLM


@pytest.fixture(scope="module")
def model() -> Generator:
    torch.manual_seed(0)
    g = Generator(TINY)
    with torch.no_grad():  # non-trivial FiLM so that every tensor carries information
        for m in g.modules():
            if isinstance(m, FiLM):
                m.proj.weight.normal_(std=0.2)
    return g.eval()


@pytest.fixture(scope="module")
def gray() -> torch.Tensor:
    return torch.rand(2, 1, 20, 28, generator=torch.Generator().manual_seed(1))


def run(g: Generator, gray: torch.Tensor, styles=(0, 3)) -> torch.Tensor:
    with torch.inference_mode():
        return g(gray, torch.tensor(styles))


def test_round_trip_is_bit_identical(model, gray, tmp_path):
    path = save_generator(model, tmp_path / "g.safetensors", info={"steps": 123, "data": "unit"})
    assert path == tmp_path / "g.safetensors" and path.is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["g.safetensors"]  # no partial file left behind
    loaded = load_generator(path)
    assert loaded.config == model.config
    assert not loaded.training
    ref, new = model.state_dict(), loaded.state_dict()
    assert ref.keys() == new.keys()
    for k in ref:
        assert torch.equal(ref[k], new[k]), k
    assert torch.equal(run(loaded, gray), run(model, gray))


def test_round_trip_non_default_config(tmp_path):
    cfg = GeneratorConfig(widths=(4, 8, 8), bottleneck_blocks=2, style_dim=4, styles=("none", "a", "b"), refine_channels=0, attention_reduction=2)
    torch.manual_seed(2)
    g = Generator(cfg).eval()
    loaded = load_generator(save_generator(g, tmp_path / "c.safetensors"))
    assert loaded.config == cfg and loaded.refine is None
    x = torch.rand(1, 1, 16, 24)
    x = x.expand(2, -1, -1, -1)
    assert torch.equal(run(loaded, x, (0, 2)), run(g, x, (0, 2)))


def test_metadata_holds_config_and_info(model, tmp_path):
    path = save_generator(model, tmp_path / "g.safetensors", info={"steps": 7})
    meta = read_metadata(path)
    assert meta["format"] == "vidcolor-generator"
    assert meta["format_version"] == "1"
    assert GeneratorConfig.from_json(meta["config"]) == TINY
    assert json.loads(meta["config"])["widths"] == list(TINY.widths)
    assert weights_info(path) == {"steps": 7}
    assert weights_info(save_generator(model, tmp_path / "h.safetensors")) == {}


def test_fp16_save_loads_as_fp32(model, gray, tmp_path):
    path = save_generator(model, tmp_path / "half.safetensors", dtype=torch.float16)
    full = save_generator(model, tmp_path / "full.safetensors")
    assert path.stat().st_size < 0.6 * full.stat().st_size
    with safe_open(str(path), framework="pt") as f:
        dtypes = {f.get_tensor(k).dtype for k in f.keys()}
    assert dtypes == {torch.float16}
    loaded = load_generator(path)
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    for k, v in model.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[k], v.half().float(), rtol=0, atol=0)
    out, ref = run(loaded, gray), run(model, gray)
    assert torch.equal(out[0, 0], ref[0, 0])  # style 0 luminance is the input, whatever the weights
    assert (out - ref).abs().max() < 0.5
    assert not torch.equal(out, ref)


@pytest.mark.parametrize("name", ["weights.safetensors", "weights.pt"])
@pytest.mark.parametrize("zipfile", [True, False])
def test_pickle_checkpoint_is_refused(model, tmp_path, name, zipfile):
    path = tmp_path / name
    torch.save(model.state_dict(), path, _use_new_zipfile_serialization=zipfile)
    with pytest.raises(VidcolorError, match="pickle"):
        load_generator(path)
    with pytest.raises(VidcolorError, match="pickle"):
        read_metadata(path)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (str(self.marker),)


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_malicious_pickle_is_never_executed(tmp_path, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps(_Exploit(marker), protocol=protocol))
    with pytest.raises(VidcolorError, match="pickle"):
        load_generator(path)
    assert not marker.exists()


def test_random_bytes_are_refused(tmp_path):
    path = tmp_path / "noise.safetensors"
    data = np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    assert not data.startswith((b"\x80", b"PK"))
    path.write_bytes(data)
    with pytest.raises(VidcolorError, match="not a valid safetensors"):
        load_generator(path)
    photo = tmp_path / "sky.png"   # a photo where weights go is not "damaged weights"
    photo.write_bytes(data)
    with pytest.raises(VidcolorError, match=r"'.*sky.png' is not a .safetensors file; give vidcolor weights"):
        load_generator(photo)


@pytest.mark.parametrize("content", [b"", b"\x01\x02\x03"])
def test_empty_or_truncated_file_is_refused(tmp_path, content):
    path = tmp_path / "empty.safetensors"
    path.write_bytes(content)
    with pytest.raises(VidcolorError, match="empty or truncated"):
        load_generator(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(VidcolorError, match="not found"):
        load_generator(tmp_path / "nope.safetensors")


def test_foreign_safetensors_is_refused(model, tmp_path):
    plain = tmp_path / "plain.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(plain))
    with pytest.raises(VidcolorError, match="not vidcolor generator weights"):
        load_generator(plain)
    other = tmp_path / "other.safetensors"
    save_file({"x": torch.zeros(2)}, str(other), metadata={"format": "pt"})
    with pytest.raises(VidcolorError, match="format='pt'"):
        load_generator(other)


def meta_for(config_json: str, version: str = "1") -> dict:
    return {"format": "vidcolor-generator", "format_version": version, "config": config_json, "info": "{}"}


def test_wrong_format_version_is_refused(model, tmp_path):
    path = tmp_path / "v2.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path), metadata=meta_for(TINY.to_json(), "2"))
    with pytest.raises(VidcolorError, match="version '2'"):
        load_generator(path)


@pytest.mark.parametrize("config_json, message", [
    ("{not json", "invalid generator config"),
    ("[1, 2]", "invalid generator config"),
    (json.dumps({"widths": [8, 16], "colour": 1}), "unknown generator option"),
    (json.dumps({"widths": [8], "styles": ["none"]}), "widths"),
])
def test_bad_config_metadata_is_refused(model, tmp_path, config_json, message):
    path = tmp_path / "bad.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path), metadata=meta_for(config_json))
    with pytest.raises(VidcolorError, match=message):
        load_generator(path)


def test_weights_not_matching_declared_architecture_are_refused(model, tmp_path):
    path = tmp_path / "mismatch.safetensors"
    state = {k: v.contiguous() for k, v in model.state_dict().items() if not k.startswith("refine")}
    state["extra.weight"] = torch.zeros(3)
    save_file(state, str(path), metadata=meta_for(TINY.to_json()))
    with pytest.raises(VidcolorError, match=r"missing 4, unexpected 1"):
        load_generator(path)


def test_weights_with_wrong_tensor_shapes_are_refused(model, tmp_path):
    """Same tensor names, but the metadata declares wider layers than the tensors hold."""
    path = tmp_path / "shapes.safetensors"
    wider = GeneratorConfig(widths=(12, 16), bottleneck_blocks=1, style_dim=8, refine_channels=4)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path), metadata=meta_for(wider.to_json()))
    with pytest.raises(VidcolorError):
        load_generator(path)


def test_legacy_scratch_encoder_names_load(model, tmp_path):
    """Files written before the scratch encoder became ``ScratchEncoder`` (``encoder.{i}.…``, e.g. the
    bundled starter model) still load, to the same outputs."""
    path = save_generator(model, tmp_path / "new.safetensors")
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
        legacy = {k.replace("encoder.levels.", "encoder.", 1): f.get_tensor(k) for k in f.keys()}
    assert any(k.startswith("encoder.0.") for k in legacy)
    save_file(legacy, str(tmp_path / "old.safetensors"), metadata=meta)
    old = load_generator(tmp_path / "old.safetensors")
    gray = torch.rand(1, 1, 20, 24)
    with torch.no_grad():
        assert torch.equal(old(gray, 1), model(gray, 1))
