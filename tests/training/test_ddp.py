"""DDP on CPU with the gloo backend: a 2-process ``torchrun`` of the tiny config, and a direct check
that DDP keeps every rank's networks identical (spectral-norm buffers and the EMA copy included)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from vidcolor.models import load_generator

TINY = str(Path(__file__).resolve().parents[2] / "configs" / "tiny.yaml")


def _env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(k, None)
    return env


@pytest.mark.slow
def test_torchrun_two_ranks(tmp_path):
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           "-m", "vidcolor", "train", "--config", TINY, "--out", str(run)]
    proc = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.count("weights:") == 2  # both ranks finished
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    kinds = [e["event"] for e in log]
    # one writer: every record once
    assert kinds.count("data") == kinds.count("start") == kinds.count("done") == 1
    assert kinds.count("eval") == 2
    steps = [e["step"] for e in log if e["event"] == "train"]
    assert steps == sorted(set(steps)) and steps[-1] == 28
    assert next(e for e in log if e["event"] == "start")["world_size"] == 2
    assert len((run / "command.txt").read_text().splitlines()) == 1
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == ["latest.json", "step_0000020", "step_0000028"]
    assert not list(run.rglob("*.tmp*")) and not list(run.rglob(".*.partial"))
    load_generator(run / "generator_ema.safetensors")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank: int, world: int, port: int, folder: str) -> None:
    """Train a few adversarial and temporal steps on rank-specific random data, then save every
    tensor of every network (parameters and buffers) for the parent to compare."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(world), RANK=str(rank), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    from vidcolor.training.config import load_config
    from vidcolor.training.distributed import cleanup, init_distributed
    from vidcolor.training.trainer import GANTrainer

    cfg = load_config(TINY, ["stages.adversarial.d_warmup=1"])
    ctx = init_distributed("cpu")
    try:
        trainer = GANTrainer(cfg, ctx, None)
        g = torch.Generator().manual_seed(100 + rank)
        trainer.start_stage("adversarial")
        for step in range(3):
            color = torch.rand(2, 3, 32, 32, generator=g)
            trainer.train_step({"color": color, "target": color.flip(1), "style": torch.tensor([0, 1])}, step)
        trainer.start_stage("temporal")
        for step in range(2):
            color = torch.rand(2, 3, 3, 32, 32, generator=g)
            flow = torch.randn(2, 2, 2, 32, 32, generator=g)
            mask = (torch.rand(2, 2, 1, 32, 32, generator=g) > 0.2).float()
            trainer.train_step({"color": color, "target": color, "style": torch.tensor([0, 2]), "flow_back": flow, "flow_fwd": -flow,
                                "mask_back": mask, "mask_fwd": mask}, step)
        tensors = {f"{name}.{k}": v.detach().clone().contiguous() for name, net in trainer.networks().items() for k, v in net.state_dict().items()}
        save_file(tensors, os.path.join(folder, f"rank{rank}.safetensors"))
    finally:
        cleanup(ctx)


@pytest.mark.slow
def test_ddp_ranks_stay_identical(tmp_path):
    import torch.multiprocessing as mp

    old = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    finally:
        if old is None:
            os.environ.pop("OMP_NUM_THREADS")
        else:
            os.environ["OMP_NUM_THREADS"] = old
    r0, r1 = load_file(str(tmp_path / "rank0.safetensors")), load_file(str(tmp_path / "rank1.safetensors"))
    assert r0.keys() == r1.keys()
    assert any(k.endswith("weight_u") for k in r0), "expected spectral-norm buffers in the discriminators"
    differ = [k for k in r0 if not torch.equal(r0[k], r1[k])]
    assert not differ, differ[:10]
    # training really happened: the generator moved away from its EMA copy
    assert any(not torch.equal(r0[k], r0[k.replace("generator.", "generator_ema.", 1)]) for k in r0 if k.startswith("generator."))
