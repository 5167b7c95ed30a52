"""``vidcolor bench``: where the time goes in the processing pipeline, and its peak memory.

Measures, on one input video and the current machine:

* ``decode``   — frames/s of :class:`~vidcolor.io.VideoReader` alone (luma plane);
* ``model``    — frames/s of the generator alone at the working size (no I/O, no upsampling);
* ``encode``   — frames/s of :class:`~vidcolor.io.VideoWriter` alone at full size (no audio);
* ``pipeline`` — frames/s of :func:`vidcolor.process.process_video`, decode → model → encode overlapped;
* ``peak_rss`` — peak resident memory of a fresh process running the pipeline over N frames
  (``--memory``: for two lengths, to show memory stays flat as the film gets longer).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from vidcolor.io.video import VideoReader, VideoWriter
from vidcolor.io.codecs import CODEC_EXTENSIONS
from vidcolor.pipeline.engine import DEFAULT_RENDER_SIZE, Colorizer


def _peak_rss_mb() -> float:
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_decode(path: Path, frames: int) -> dict:
    t0 = time.perf_counter()
    n = 0
    with VideoReader(path, fmt="gray") as r:
        info = r.info
        for _ in r.frames():
            n += 1
            if n >= frames:
                break
    dt = time.perf_counter() - t0
    return {"stage": "decode", "frames": n, "fps": n / dt, "size": f"{info.width}x{info.height}"}


def bench_model(col: Colorizer, h: int, w: int, style: int, frames: int, batch: int) -> dict:
    hh, ww = col.working_size(h, w)
    x = torch.rand(batch, 1, hh, ww)
    col.predict_low(x, style)  # warm-up
    n = 0
    t0 = time.perf_counter()
    while n < frames:
        col.predict_low(x, style)
        n += batch
    if col.device.type == "cuda":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    return {"stage": "model", "frames": n, "fps": n / dt, "size": f"{ww}x{hh}", "precision": str(col.dtype).replace("torch.", "") if col.dtype else "fp32"}


def bench_encode(info, frames: int, codec: str, crf: int) -> dict:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (info.height, info.width, 3), dtype=np.uint8)
    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / ("bench" + CODEC_EXTENSIONS[codec][0])
        t0 = time.perf_counter()
        with VideoWriter(out, info, codec=codec, crf=crf, audio_source=None) as wr:
            for i in range(frames):
                wr.write(np.roll(base, i * 3, axis=1), i * info.frame_period)
        dt = time.perf_counter() - t0
    return {"stage": "encode", "frames": frames, "fps": frames / dt, "size": f"{info.width}x{info.height}", "codec": codec}


def bench_pipeline(path: Path, frames: int, style: str, col: Colorizer, temporal: bool, codec: str, crf: int, batch: int) -> dict:
    from vidcolor.process import process_video

    with tempfile.TemporaryDirectory() as td:
        out = Path(td) / ("bench" + CODEC_EXTENSIONS[codec][0])
        t0 = time.perf_counter()
        res = process_video(path, out, style, colorizer=col, temporal=temporal, codec=codec, crf=crf, max_frames=frames, batch_size=batch)
        dt = time.perf_counter() - t0
    return {"stage": "pipeline", "frames": res.frames, "fps": res.frames / dt, "style": style, "temporal": temporal}


def _memory_child(args, q) -> None:
    path, frames, style, weights, render_size, temporal = args
    try:
        from vidcolor.process import process_video

        col = Colorizer(weights, device="cpu", render_size=render_size)
        with tempfile.TemporaryDirectory() as td:
            res = process_video(path, Path(td) / "m.mp4", style, colorizer=col, temporal=temporal, max_frames=frames)
        q.put({"frames": res.frames, "peak_rss_mb": _peak_rss_mb()})
    except BaseException as exc:  # reported to the parent
        q.put({"error": f"{type(exc).__name__}: {exc}"})


def bench_memory(path: Path, lengths: tuple[int, ...], style: str, weights, render_size: int, temporal: bool) -> list[dict]:
    """Peak RSS of a fresh process per length (spawned, so nothing is shared)."""
    ctx = mp.get_context("spawn")
    rows = []
    for n in lengths:
        q = ctx.Queue()
        p = ctx.Process(target=_memory_child, args=((str(path), n, style, weights, render_size, temporal), q))
        p.start()
        r = q.get()
        p.join()
        rows.append({"stage": "memory", "requested_frames": n, **r})
    return rows


def run_bench(path: str | os.PathLike, *, style: str = "none", weights: str | None = None, device: str = "auto", render_size: int = DEFAULT_RENDER_SIZE,
              frames: int = 120, temporal: bool = True, codec: str = "h264", crf: int = 18, batch: int = 4, memory: tuple[int, ...] = ()) -> dict:
    path = Path(path)
    col = Colorizer(weights, device=device, render_size=render_size)
    s = col.style_index(style)
    dec = bench_decode(path, frames)
    with VideoReader(path) as r:
        info = r.info
    rows = [dec, bench_model(col, info.height, info.width, s, frames, batch), bench_encode(info, min(frames, dec["frames"]), codec, crf),
            bench_pipeline(path, frames, style, col, temporal, codec, crf, batch)]
    model_fps = rows[1]["fps"]
    result = {"input": str(path), "device": str(col.device), "threads": torch.get_num_threads(), "render_size": render_size, "stages": rows,
              "pipeline_vs_model": rows[3]["fps"] / model_fps if model_fps else None, "peak_rss_mb_this_process": _peak_rss_mb()}
    if memory:
        result["memory"] = bench_memory(path, memory, style, weights, render_size, temporal)
    return result


def format_bench(result: dict) -> str:
    lines = [f"input: {result['input']}  device: {result['device']}  torch threads: {result['threads']}  render size: {result['render_size']}",
             f"{'stage':<10} {'frames':>7} {'fps':>8}  details"]
    for r in result["stages"]:
        details = "  ".join(f"{k}={v}" for k, v in r.items() if k not in ("stage", "frames", "fps"))
        lines.append(f"{r['stage']:<10} {r['frames']:>7} {r['fps']:>8.1f}  {details}")
    if result.get("pipeline_vs_model"):
        lines.append(f"pipeline / model-only fps: {result['pipeline_vs_model']:.2f}")
    lines.append(f"peak RSS (this process): {result['peak_rss_mb_this_process']:.0f} MB")
    for m in result.get("memory", []):
        lines.append(f"peak RSS, fresh process, {m.get('frames', m['requested_frames'])} frames: "
                     + (f"{m['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in m else m.get("error", "?")))
    return "\n".join(lines)


def to_json(result: dict) -> str:
    return json.dumps(result, indent=2, default=str)
