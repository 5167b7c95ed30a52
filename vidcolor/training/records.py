"""What a run leaves behind: run-folder setup, JSONL log, sample grids and loss-curve plots."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import yaml

from vidcolor.errors import VidcolorError


def lock_run_dir(out: Path):
    """Create ``out`` (must be writable) and hold its advisory lock (``out/.run.vidcolor-lock``,
    :class:`~vidcolor.io.lock.OutputLock`): a second ``vidcolor train`` into the same folder (a
    retried job, the same command twice) fails at once naming the first one's PID — the two ran
    to the end with their logs and checkpoints mixed. Returns the entered lock; the caller exits it."""
    from vidcolor.io.lock import OutputBusy, OutputLock

    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write_test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise VidcolorError(f"cannot write to run folder '{out}': {exc.strerror or exc}") from None
    lock = OutputLock(out / ".run")
    try:
        return lock.__enter__()
    except OutputBusy as busy:
        raise VidcolorError(f"run folder '{out}' is being used by another vidcolor train (pid {busy.pid or 'unknown'}); "
                            "wait for it to finish, or choose another --out") from None


def prepare_run_dir(out: Path, cfg_dict: dict, argv: list[str] | None, resume: bool) -> None:
    """Record config, command line and git revision in the run folder ``out`` (made and locked by
    :func:`lock_run_dir`)."""
    if not resume and (out / "checkpoints" / "latest.json").exists():
        raise VidcolorError(f"run folder '{out}' already holds a run; use --resume to continue it or choose another --out")
    (out / "config.yaml").write_text(yaml.safe_dump(cfg_dict, sort_keys=False))
    cmd = shlex.join(argv if argv is not None else sys.argv)
    with open(out / "command.txt", "a") as fh:
        fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  {cmd}\n")
    (out / "git_revision.txt").write_text(git_revision() + "\n")


def git_revision() -> str:
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here, capture_output=True, text=True, timeout=5).stdout.strip()
        return (rev + ("+dirty" if dirty else "")) if rev else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


class JsonlLog:
    def __init__(self, path: Path, echo: bool = True):
        self.path, self.echo = path, echo

    def write(self, record: dict) -> None:
        record = {"time": round(time.time(), 3), **record}
        with open(self.path, "a") as fh:
            fh.write(json.dumps(record) + "\n")
        if self.echo:
            parts = [f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items() if k != "time"]
            print("  ".join(parts), flush=True)


def to_u8(rgb: torch.Tensor) -> np.ndarray:
    """``[3,H,W]`` or ``[1,H,W]`` in [0,1] → ``uint8 (H,W,3)``."""
    x = rgb.detach().float().clamp(0, 1).cpu()
    if x.shape[0] == 1:
        x = x.expand(3, -1, -1)
    return (x.permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)


def save_grid(path: Path, rows: list[list[np.ndarray]], pad: int = 2) -> None:
    """Rows of equally sized uint8 RGB tiles → one PNG."""
    h, w = rows[0][0].shape[:2]
    ncol = max(len(r) for r in rows)
    canvas = np.full((len(rows) * (h + pad) + pad, ncol * (w + pad) + pad, 3), 255, np.uint8)
    for i, r in enumerate(rows):
        for j, tile in enumerate(r):
            y, x = pad + i * (h + pad), pad + j * (w + pad)
            canvas[y:y + h, x:x + w] = tile
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.png")
    cv2.imwrite(str(tmp), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
    os.replace(tmp, path)


def plot_losses(log_path: Path, out_png: Path) -> None:
    """Plot every ``g_*``/``d_*``/``td_*`` series of the JSONL log against the global step."""
    if not log_path.is_file():
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series: dict[str, list[tuple[int, float]]] = {}
    stage_starts: dict[str, int] = {}
    for line in log_path.read_text().splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("event") != "train":
            continue
        stage_starts.setdefault(r["stage"], r["step"])
        for k, v in r.items():
            if k.split("_")[0] in ("g", "d", "td") and isinstance(v, (int, float)):
                series.setdefault(k, []).append((r["step"], v))
    if not series:
        return
    groups = [("generator", [k for k in series if k.startswith("g_")]), ("discriminators", [k for k in series if not k.startswith("g_")])]
    groups = [g for g in groups if g[1]]
    fig, axes = plt.subplots(len(groups), 1, figsize=(9, 3.2 * len(groups)), squeeze=False)
    for ax, (title, keys) in zip(axes[:, 0], groups):
        for k in sorted(keys):
            xs, ys = zip(*series[k])
            ax.plot(xs, ys, label=k, linewidth=1)
        for name, s in stage_starts.items():
            ax.axvline(s, color="gray", linestyle=":", linewidth=0.8)
            ax.text(s, ax.get_ylim()[1], name, fontsize=7, va="top")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    out_png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_png, dpi=90)
    plt.close(fig)
