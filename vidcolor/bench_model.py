"""Benchmark of the generator on a device (CPU by default, or a CUDA GPU): parameters, GFLOPs per
frame and throughput per size/precision.

``python -m vidcolor.bench_model`` prints the table for :data:`~vidcolor.models.config.DEFAULT`.

What is measured, per ``(size, precision)``:

* ``gflops``: multiply–accumulates of every convolution and linear layer ×2, per frame, counted by
  :class:`torch.utils.flop_counter.FlopCounterMode` on one frame (element-wise ops, pooling and
  interpolation are not counted; they are a small fraction of the work).
* ``fps`` / ``ms_per_frame``: wall-clock throughput of ``batch`` frames per forward, after ``warmup``
  untimed forwards, averaged over ``iters`` timed forwards. The model runs on ``device`` in eval mode
  under :func:`torch.inference_mode`, with channels-last memory format, style 1 (a stylized style,
  so the whole network including the L residual is exercised); on CUDA the clock is read after
  :func:`torch.cuda.synchronize`. ``bf16`` uses the device's autocast; on a CPU without native
  bf16 (AVX512-BF16 or AMX) or a GPU without bf16 the row is reported with a note instead of
  timings, since emulated bf16 is slower than fp32 and would mislead.

:func:`compare_resnet101` times a generator (the bundled weights, a weights file or an untrained
preset, :func:`generator_for_bench`) at the default working size next to a ResNet101 encoder —
DeOldify's video backbone — at 336×336, in one run, same device, batch and precision (``vidcolor
bench --model [--device D]`` prints both; ``D`` is resolved by :func:`vidcolor.device.resolve_device`,
so ``cuda`` on a machine without one is an error, not a silent CPU run).
"""

from __future__ import annotations

import time

import torch

from vidcolor.device import cuda_supports_bf16
from vidcolor.models.config import DEFAULT, GeneratorConfig
from vidcolor.models.generator import Generator, count_parameters

PRECISIONS = ("fp32", "bf16")


def cpu_has_bf16() -> bool:
    """True when this CPU runs bf16 natively (oneDNN's own check: AVX512-BF16 or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def bf16_supported(device: torch.device) -> bool:
    """True when ``device`` runs bf16 natively: :func:`cpu_has_bf16` on CPU, the GPU's own check on CUDA."""
    if device.type == "cuda":
        return cuda_supports_bf16(device)
    return cpu_has_bf16()


def _no_bf16_note(device: torch.device) -> str:
    if device.type == "cuda":
        return "skipped: this GPU has no bf16"
    return "skipped: this CPU has no native bf16 (AVX512-BF16/AMX)"


def _sync(device: torch.device) -> None:
    """Wait for ``device``'s queued work (CUDA runs asynchronously: the clock would stop early)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def count_flops(model: torch.nn.Module, size: tuple[int, int], style: int = 1) -> int:
    """FLOPs (2 × MACs of conv/linear layers) of one forward of one ``[1,1,H,W]`` frame (on the model's device)."""
    from torch.utils.flop_counter import FlopCounterMode

    gray = torch.rand(1, 1, *size, device=next(model.parameters()).device)
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(gray, style)
    return int(counter.get_total_flops())


def _time_forward(model: Generator, gray: torch.Tensor, style: int, precision: str, iters: int, warmup: int) -> float:
    """Seconds per forward of ``gray`` on its device (mean over ``iters`` after ``warmup``)."""
    autocast = torch.autocast(gray.device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    with torch.inference_mode(), autocast:
        for _ in range(warmup):
            model(gray, style)
        _sync(gray.device)
        start = time.perf_counter()
        for _ in range(iters):
            model(gray, style)
        _sync(gray.device)
        return (time.perf_counter() - start) / iters


def bench_model(
    config: GeneratorConfig = DEFAULT,
    sizes: tuple[tuple[int, int], ...] = ((256, 256), (480, 640)),
    precisions: tuple[str, ...] = PRECISIONS,
    batch: int = 4,
    iters: int = 5,
    warmup: int = 1,
    style: int = 1,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> list[dict]:
    """Benchmark a randomly initialised generator of ``config`` on ``device`` (a resolved device:
    :func:`vidcolor.device.resolve_device` turns ``--device`` into one).

    Returns one dict per ``(size, precision)`` with keys ``size`` ``(H, W)``, ``precision``,
    ``batch``, ``device``, ``threads``, ``params``, ``gflops`` (per frame), ``fps``,
    ``ms_per_frame`` (None when skipped) and ``note`` ("" unless skipped).
    """
    bad = [p for p in precisions if p not in PRECISIONS]
    if bad:
        raise ValueError(f"unknown precision(s) {bad}; valid: {', '.join(PRECISIONS)}")
    if batch < 1 or iters < 1 or warmup < 0:
        raise ValueError(f"need batch ≥ 1, iters ≥ 1, warmup ≥ 0 (got {batch}, {iters}, {warmup})")
    device = torch.device(device)
    torch.manual_seed(seed)
    model = Generator(config).eval()
    params = count_parameters(model)
    model = model.to(device, memory_format=torch.channels_last)
    bf16 = bf16_supported(device)
    rows = []
    for size in sizes:
        h, w = int(size[0]), int(size[1])
        gflops = count_flops(model, (h, w), style) / 1e9
        gray = torch.rand(batch, 1, h, w).to(device).contiguous(memory_format=torch.channels_last)
        for precision in precisions:
            row = {"size": (h, w), "precision": precision, "batch": batch, "device": str(device), "threads": torch.get_num_threads(),
                   "params": params, "gflops": gflops, "fps": None, "ms_per_frame": None, "note": ""}
            if precision == "bf16" and not bf16:
                row["note"] = _no_bf16_note(device)
            else:
                seconds = _time_forward(model, gray, style, precision, iters, warmup)
                row["fps"] = batch / seconds
                row["ms_per_frame"] = 1000.0 * seconds / batch
            rows.append(row)
    return rows


def format_table(rows: list[dict]) -> str:
    """A plain-text table of :func:`bench_model` rows."""
    header = ("size", "precision", "batch", "device", "threads", "params", "GFLOPs/frame", "fps", "ms/frame", "note")
    lines = []
    for r in rows:
        timed = r["fps"] is not None
        lines.append((
            f"{r['size'][0]}x{r['size'][1]}", r["precision"], str(r["batch"]), r.get("device", "cpu"), str(r["threads"]),
            f"{r['params'] / 1e6:.2f}M", f"{r['gflops']:.2f}",
            f"{r['fps']:.2f}" if timed else "-", f"{r['ms_per_frame']:.1f}" if timed else "-", r["note"],
        ))
    widths = [max([len(h)] + [len(line[i]) for line in lines]) for i, h in enumerate(header)]

    def fmt(cells) -> str:
        return "  ".join(c.ljust(wd) for c, wd in zip(cells, widths)).rstrip()

    return "\n".join([fmt(header), fmt(tuple("-" * wd for wd in widths))] + [fmt(line) for line in lines])


# --- side by side with DeOldify's video backbone --------------------------------------------------

WORKING_SIZE = (256, 341)
"""``(H, W)`` the generator runs at for a 640×480 frame with the default ``--render-size 256``."""
RESNET_SIZE = (336, 336)
"""DeOldify's video model: a ResNet101 encoder at render factor 21 → 21·16 = 336 px square."""


def resnet101_trunk() -> torch.nn.Module:
    """torchvision ResNet101 without its pooling and classifier (random init: for timing only, no download)."""
    from torchvision.models import resnet101

    net = resnet101(weights=None)
    return torch.nn.Sequential(*list(net.children())[:-2]).eval()


def _flops(model: torch.nn.Module, *args) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(*args)
    return int(counter.get_total_flops())


def generator_for_bench(weights=None, preset: str | None = None) -> tuple[Generator, str]:
    """``(generator, label)``: a preset's untrained architecture (random init), the weights file, or the bundled model."""
    from vidcolor.models.config import preset as get_preset
    from vidcolor.models.serialization import load_generator

    if preset is not None and weights is not None:
        raise ValueError("give either weights or a preset, not both")
    if preset is not None:
        torch.manual_seed(0)
        model, what = Generator(get_preset(preset)), f"preset '{preset}' (untrained)"
    else:
        from vidcolor.pipeline.engine import bundled_weights

        path = weights if weights is not None else bundled_weights()
        model, what = load_generator(path), ("bundled weights" if weights is None else f"weights {path}")
    c = model.config
    enc = "EfficientNet-Lite0 encoder" if c.encoder != "scratch" else f"scratch encoder {list(c.widths)}"
    return model.eval(), f"vidcolor generator, {what}: {enc}{', hints' if c.hints else ''}"


def compare_resnet101(model: torch.nn.Module, label: str, *, size: tuple[int, int] = WORKING_SIZE,
                      resnet_size: tuple[int, int] = RESNET_SIZE, batch: int = 4, rounds: int = 5, iters: int = 2,
                      warmup: int = 1, precision: str | None = None, style: int = 0, seed: int = 0, resnet=None,
                      device: torch.device | str = "cpu") -> dict:
    """Throughput of generator ``model`` at ``size`` next to a ResNet101 trunk at ``resnet_size``,
    in one run on ``device`` (both moved there), same ``batch`` and ``precision`` (default bf16
    autocast where the device has native bf16, :func:`bf16_supported`, else fp32), both
    channels-last under :func:`torch.inference_mode`; on CUDA each round's clock is read after
    :func:`torch.cuda.synchronize`.

    The two are timed in alternation — ``rounds`` × (``iters`` forwards of each), after ``warmup``
    forwards of each — and each one's per-forward time is the median over rounds, so a burst of
    load from other processes hits both alike instead of whichever ran during it.

    The ResNet101 is the encoder alone (DeOldify's decoder on top of it is not counted), while the
    generator is timed whole (encoder, decoder, refinement head): the ratio favours the ResNet.

    Returns ``{"precision", "batch", "device", "threads", "rounds", "ours": row, "resnet101": row, "ratio"}``
    with rows ``{"label", "size", "params", "gflops", "fps", "ms_per_frame", "round_ms"}`` and
    ``ratio`` = ours fps / ResNet101 fps.
    """
    device = torch.device(device)
    if precision is None:
        precision = "bf16" if bf16_supported(device) else "fp32"
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision '{precision}'; valid: {', '.join(PRECISIONS)}")
    if batch < 1 or rounds < 1 or iters < 1 or warmup < 0:
        raise ValueError(f"need batch, rounds, iters ≥ 1 and warmup ≥ 0 (got {batch}, {rounds}, {iters}, {warmup})")
    torch.manual_seed(seed)
    resnet = resnet101_trunk() if resnet is None else resnet
    model = model.eval()
    nets = {"ours": (model.to(device, memory_format=torch.channels_last), (batch, 1, *size), label),
            "resnet101": (resnet.to(device, memory_format=torch.channels_last), (batch, 3, *resnet_size),
                          "ResNet101 encoder (DeOldify video backbone), random init")}
    inputs = {k: torch.rand(shape).to(device).contiguous(memory_format=torch.channels_last) for k, (_, shape, _) in nets.items()}
    call = {"ours": lambda x: nets["ours"][0](x, style), "resnet101": lambda x: nets["resnet101"][0](x)}
    rows = {}
    for k, (net, shape, lab) in nets.items():
        flops = _flops(net, inputs[k][:1], style) if k == "ours" else _flops(net, inputs[k][:1])
        rows[k] = {"label": lab, "size": tuple(shape[-2:]), "params": count_parameters(net), "gflops": flops / 1e9, "round_ms": []}
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
    with torch.inference_mode(), autocast:
        for k in nets:
            for _ in range(warmup):
                call[k](inputs[k])
        for _ in range(rounds):
            for k in nets:
                _sync(device)
                start = time.perf_counter()
                for _ in range(iters):
                    call[k](inputs[k])
                _sync(device)
                rows[k]["round_ms"].append(1000.0 * (time.perf_counter() - start) / iters / batch)
    for r in rows.values():
        ms = sorted(r["round_ms"])
        mid = len(ms) // 2
        r["ms_per_frame"] = ms[mid] if len(ms) % 2 else (ms[mid - 1] + ms[mid]) / 2
        r["fps"] = 1000.0 / r["ms_per_frame"]
    return {"precision": precision, "batch": batch, "device": str(device), "threads": torch.get_num_threads(), "rounds": rounds, "iters": iters,
            "ours": rows["ours"], "resnet101": rows["resnet101"], "ratio": rows["ours"]["fps"] / rows["resnet101"]["fps"]}


def format_comparison(res: dict) -> str:
    """Plain-text side-by-side table of :func:`compare_resnet101`."""
    lines = [f"Side by side, one run on {res.get('device', 'cpu')}: batch {res['batch']}, {res['precision']}"
             f"{' autocast' if res['precision'] == 'bf16' else ''}, channels-last, {res['threads']} thread(s), "
             f"median of {res['rounds']} alternating rounds × {res['iters']} forwards"]
    for key in ("ours", "resnet101"):
        r = res[key]
        lines.append(f"  {r['size'][0]}x{r['size'][1]:<5} {r['params'] / 1e6:7.2f}M params {r['gflops']:7.2f} GFLOPs/frame "
                     f"{r['fps']:8.2f} fps {r['ms_per_frame']:8.1f} ms/frame  {r['label']}")
    lines.append(f"  ratio (ours / ResNet101): {res['ratio']:.2f}x")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_table(bench_model()))
