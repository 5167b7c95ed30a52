"""CPU benchmark of the generator: parameters, GFLOPs per frame and throughput per size/precision.

``python -m vidcolor.bench_model`` prints the table for :data:`~vidcolor.models.config.DEFAULT`.

What is measured, per ``(size, precision)``:

* ``gflops``: multiply–accumulates of every convolution and linear layer ×2, per frame, counted by
  :class:`torch.utils.flop_counter.FlopCounterMode` on one frame (element-wise ops, pooling and
  interpolation are not counted; they are a small fraction of the work).
* ``fps`` / ``ms_per_frame``: wall-clock throughput of ``batch`` frames per forward, after ``warmup``
  untimed forwards, averaged over ``iters`` timed forwards. The model runs on CPU in eval mode under
  :func:`torch.inference_mode`, with channels-last memory format, style 1 (a stylized style, so the
  whole network including the L residual is exercised). ``bf16`` uses CPU autocast; on a CPU
  without native bf16 (AVX512-BF16 or AMX) the row is reported with a note instead of timings,
  since emulated bf16 is slower than fp32 and would mislead.
"""

from __future__ import annotations

import time

import torch

from vidcolor.models.config import DEFAULT, GeneratorConfig
from vidcolor.models.generator import Generator, count_parameters

PRECISIONS = ("fp32", "bf16")


def cpu_has_bf16() -> bool:
    """True when this CPU runs bf16 natively (oneDNN's own check: AVX512-BF16 or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def count_flops(model: torch.nn.Module, size: tuple[int, int], style: int = 1) -> int:
    """FLOPs (2 × MACs of conv/linear layers) of one forward of one ``[1,1,H,W]`` frame."""
    from torch.utils.flop_counter import FlopCounterMode

    gray = torch.rand(1, 1, *size)
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        model(gray, style)
    return int(counter.get_total_flops())


def _time_forward(model: Generator, gray: torch.Tensor, style: int, precision: str, iters: int, warmup: int) -> float:
    """Seconds per forward of ``gray`` (mean over ``iters`` after ``warmup``)."""
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")
    with torch.inference_mode(), autocast:
        for _ in range(warmup):
            model(gray, style)
        start = time.perf_counter()
        for _ in range(iters):
            model(gray, style)
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
) -> list[dict]:
    """Benchmark a randomly initialised generator of ``config`` on CPU.

    Returns one dict per ``(size, precision)`` with keys ``size`` ``(H, W)``, ``precision``,
    ``batch``, ``threads``, ``params``, ``gflops`` (per frame), ``fps``, ``ms_per_frame`` (None
    when skipped) and ``note`` ("" unless skipped).
    """
    bad = [p for p in precisions if p not in PRECISIONS]
    if bad:
        raise ValueError(f"unknown precision(s) {bad}; valid: {', '.join(PRECISIONS)}")
    if batch < 1 or iters < 1 or warmup < 0:
        raise ValueError(f"need batch ≥ 1, iters ≥ 1, warmup ≥ 0 (got {batch}, {iters}, {warmup})")
    torch.manual_seed(seed)
    model = Generator(config).eval()
    params = count_parameters(model)
    model = model.to(memory_format=torch.channels_last)
    bf16 = cpu_has_bf16()
    rows = []
    for size in sizes:
        h, w = int(size[0]), int(size[1])
        gflops = count_flops(model, (h, w), style) / 1e9
        gray = torch.rand(batch, 1, h, w).contiguous(memory_format=torch.channels_last)
        for precision in precisions:
            row = {"size": (h, w), "precision": precision, "batch": batch, "threads": torch.get_num_threads(),
                   "params": params, "gflops": gflops, "fps": None, "ms_per_frame": None, "note": ""}
            if precision == "bf16" and not bf16:
                row["note"] = "skipped: this CPU has no native bf16 (AVX512-BF16/AMX)"
            else:
                seconds = _time_forward(model, gray, style, precision, iters, warmup)
                row["fps"] = batch / seconds
                row["ms_per_frame"] = 1000.0 * seconds / batch
            rows.append(row)
    return rows


def format_table(rows: list[dict]) -> str:
    """A plain-text table of :func:`bench_model` rows."""
    header = ("size", "precision", "batch", "threads", "params", "GFLOPs/frame", "fps", "ms/frame", "note")
    lines = []
    for r in rows:
        timed = r["fps"] is not None
        lines.append((
            f"{r['size'][0]}x{r['size'][1]}", r["precision"], str(r["batch"]), str(r["threads"]),
            f"{r['params'] / 1e6:.2f}M", f"{r['gflops']:.2f}",
            f"{r['fps']:.2f}" if timed else "-", f"{r['ms_per_frame']:.1f}" if timed else "-", r["note"],
        ))
    widths = [max([len(h)] + [len(line[i]) for line in lines]) for i, h in enumerate(header)]

    def fmt(cells) -> str:
        return "  ".join(c.ljust(wd) for c, wd in zip(cells, widths)).rstrip()

    return "\n".join([fmt(header), fmt(tuple("-" * wd for wd in widths))] + [fmt(line) for line in lines])


if __name__ == "__main__":
    print(format_table(bench_model()))
