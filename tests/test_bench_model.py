"""The CPU benchmark runs on a tiny model and reports consistent numbers."""

from __future__ import annotations

import pytest
import torch

from vidcolor import bench_model as bm
from vidcolor.models import TINY, Generator, count_parameters


def hand_flops(model: Generator, h: int, w: int) -> int:
    """2 × MACs of every conv and linear layer, from forward hooks (independent of FlopCounterMode)."""
    total = 0

    def hook(mod, inputs, out):
        nonlocal total
        if isinstance(mod, torch.nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1] * mod.in_channels // mod.groups
            total += 2 * out.numel() * k
        else:
            total += 2 * out.numel() * mod.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.inference_mode():
        model(torch.rand(1, 1, h, w), 1)
    for handle in handles:
        handle.remove()
    return total


def test_bench_model_tiny():
    rows = bm.bench_model(TINY, sizes=((24, 32),), batch=2, iters=1, warmup=0)
    assert [r["precision"] for r in rows] == ["fp32", "bf16"]
    torch.manual_seed(0)
    g = Generator(TINY).eval()
    for r in rows:
        assert r["size"] == (24, 32) and r["batch"] == 2
        assert r["params"] == count_parameters(g)
        assert r["gflops"] * 1e9 == pytest.approx(hand_flops(g, 24, 32), rel=1e-6)
    fp32 = rows[0]
    assert fp32["fps"] > 0 and fp32["note"] == ""
    assert fp32["ms_per_frame"] == pytest.approx(1000.0 / fp32["fps"])
    bf16 = rows[1]
    if bm.cpu_has_bf16():
        assert bf16["fps"] > 0 and bf16["note"] == ""
    else:
        assert bf16["fps"] is None and "bf16" in bf16["note"]
    table = bm.format_table(rows)
    lines = table.splitlines()
    assert len(lines) == 2 + len(rows)
    assert lines[0].split()[:3] == ["size", "precision", "batch"]
    assert lines[2].startswith("24x32") and "fp32" in lines[2]


def test_bench_model_bf16_skips_without_cpu_support(monkeypatch):
    monkeypatch.setattr(bm, "cpu_has_bf16", lambda: False)
    rows = bm.bench_model(TINY, sizes=((16, 16),), precisions=("bf16",), batch=1, iters=1, warmup=0)
    assert len(rows) == 1 and rows[0]["fps"] is None and rows[0]["ms_per_frame"] is None
    assert "no native bf16" in rows[0]["note"]
    assert "skipped" in bm.format_table(rows)


def test_bench_model_rejects_bad_arguments():
    with pytest.raises(ValueError, match="fp32, bf16"):
        bm.bench_model(TINY, sizes=((16, 16),), precisions=("fp8",))
    with pytest.raises(ValueError, match="iters"):
        bm.bench_model(TINY, sizes=((16, 16),), iters=0)


class _TinyBackbone(torch.nn.Module):
    """Stands in for ResNet101 where only the mechanics are tested."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


def test_resnet101_trunk():
    net = bm.resnet101_trunk()
    assert count_parameters(net) == 42_500_160  # torchvision resnet101 without fc
    with torch.inference_mode():
        assert net(torch.rand(1, 3, 64, 64)).shape == (1, 2048, 2, 2)


def test_compare_resnet101_mechanics():
    torch.manual_seed(0)
    res = bm.compare_resnet101(Generator(TINY), "tiny", size=(24, 32), resnet_size=(32, 32), batch=2, rounds=3, iters=1, warmup=0,
                               precision="fp32", resnet=_TinyBackbone())
    ours, ref = res["ours"], res["resnet101"]
    assert ours["size"] == (24, 32) and ref["size"] == (32, 32) and res["batch"] == 2 and res["precision"] == "fp32"
    assert ours["params"] == count_parameters(Generator(TINY)) and ref["params"] == 4 * 3 * 9 + 4
    assert ref["gflops"] * 1e9 == 2 * 4 * 16 * 16 * 27
    assert len(ours["round_ms"]) == 3 and ours["ms_per_frame"] == sorted(ours["round_ms"])[1]
    assert res["ratio"] == pytest.approx(ours["fps"] / ref["fps"])
    text = bm.format_comparison(res)
    assert "ratio (ours / ResNet101)" in text and "24x32" in text and "32x32" in text
    with pytest.raises(ValueError, match="precision"):
        bm.compare_resnet101(Generator(TINY), "tiny", precision="fp8", resnet=_TinyBackbone())


def test_generator_for_bench(tiny_weights):
    model, label = bm.generator_for_bench(preset="tiny")
    assert model.config == TINY and "untrained" in label and "scratch encoder" in label
    model, label = bm.generator_for_bench(tiny_weights)
    assert str(tiny_weights) in label
    model, label = bm.generator_for_bench()
    assert "bundled" in label
    with pytest.raises(ValueError, match="either"):
        bm.generator_for_bench(tiny_weights, "tiny")


def test_cli_bench_model(monkeypatch):
    import json

    from click.testing import CliRunner

    from vidcolor.cli import cli

    monkeypatch.setattr(bm, "resnet101_trunk", _TinyBackbone)
    real = bm.bench_model
    monkeypatch.setattr(bm, "bench_model", lambda config, batch, device: real(config, sizes=((16, 16),), batch=batch, iters=1,
                                                                              warmup=0, device=device))
    r = CliRunner().invoke(cli, ["bench", "--model", "--preset", "tiny", "--batch", "1", "--rounds", "1", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["comparison"]["ours"]["params"] == count_parameters(Generator(TINY)) and out["comparison"]["ratio"] > 0
    want = "cuda" if torch.cuda.is_available() else "cpu"   # --device auto, as `process` resolves it
    assert out["comparison"]["device"].startswith(want) and out["generator"][0]["device"].startswith(want)
    r = CliRunner().invoke(cli, ["bench", "--model", "--preset", "tiny", "--weights", "x.safetensors"])
    assert r.exit_code == 2 and "exclude" in r.output


@pytest.mark.parametrize("args, message", [
    (["{clip}", "--model"], "--model times the generator alone on random frames and does not read INPUT ('{clip}')"),
    (["--model", "--style", "oil", "--frames", "10"], "--style, --frames are about the benchmark on INPUT, not --model"),
    (["{clip}", "--rounds", "3"], "--rounds is about --model (the generator alone); add --model, or leave it out"),
])
def test_cli_bench_refuses_what_it_would_ignore(tmp_path, args, message):
    """`bench INPUT --model` timed the generator on random frames and never read INPUT; options of
    one benchmark given to the other were ignored too. Now one Error line, before any work."""
    from click.testing import CliRunner

    from tests.clips import make_clip
    from vidcolor.cli import cli

    clip = make_clip(tmp_path / "film.mp4", n_frames=3)
    r = CliRunner().invoke(cli, ["bench"] + [a.format(clip=clip) for a in args])
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"Error: {message.format(clip=clip)}") and r.output.count("\n") == 1
    assert r.output.endswith("bench --help')\n")


def test_bench_model_runs_on_the_given_device(any_device):
    rows = bm.bench_model(TINY, sizes=((16, 16),), precisions=("fp32",), batch=1, iters=1, warmup=0, device=any_device)
    assert rows[0]["device"] == str(any_device) and rows[0]["fps"] > 0
    assert f" {any_device} " in bm.format_table(rows).splitlines()[2]
    res = bm.compare_resnet101(Generator(TINY), "tiny", size=(16, 16), resnet_size=(16, 16), batch=1, rounds=1, iters=1,
                               warmup=0, precision="fp32", resnet=_TinyBackbone(), device=any_device)
    assert res["device"] == str(any_device) and res["ratio"] > 0
    assert f"one run on {any_device}:" in bm.format_comparison(res)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA: --device cuda is honored there")
def test_cli_bench_model_on_cuda_without_a_gpu_is_one_error_line(monkeypatch):
    """`bench --model --device cuda` on a CPU-only machine timed on the CPU without saying so; it is
    refused as `process --device cuda` is, before any model is built."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from vidcolor.cli import cli

    r = subprocess.run([sys.executable, "-m", "vidcolor", "bench", "--model", "--device", "cuda", "--preset", "tiny"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and r.stdout == "", (r.returncode, r.stdout, r.stderr)
    assert r.stderr.splitlines() == ["Error: device 'cuda' was requested but no CUDA GPU is available (use --device cpu or auto)"]

    def built(*a, **k):
        raise AssertionError("a model was built")

    monkeypatch.setattr(bm, "generator_for_bench", built)
    r = CliRunner().invoke(cli, ["bench", "--model", "--device", "cuda"])
    assert r.exit_code == 1 and r.output.startswith("Error: device 'cuda'") and r.output.count("\n") == 1, r.output
