"""Segments on a (local) Ray cluster: same output as local segments; dead workers are replaced."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from tests.batch.conftest import N_FRAMES, SEGMENT_SECONDS, decoded, video_pts
from vidcolor.batch.segments import process_video_segmented
from vidcolor.cli import cli

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    except Exception as exc:  # noqa: BLE001 — Ray's own start-up (30 s wait, hard-coded) on a saturated machine
        pytest.skip(f"a local Ray did not start here: {exc}")
    yield
    ray.shutdown()


def test_ray_segments_equal_local_segments(tmp_path, tiny_weights, gop_clip):
    # lossless: a comparison of frames, not of the encoder (see test_segments)
    kw = {"weights": tiny_weights, "segment_seconds": SEGMENT_SECONDS, "codec": "ffv1"}
    local = process_video_segmented(gop_clip, tmp_path / "local.mkv", "watercolor", device="cpu", **kw)
    remote = process_video_segmented(gop_clip, tmp_path / "ray.mkv", "watercolor", ray_address="auto", **kw)
    assert remote.rendered == local.rendered == [0, 1, 2, 3] and remote.frames == N_FRAMES
    a, b = decoded(tmp_path / "local.mkv"), decoded(tmp_path / "ray.mkv")
    assert [t for t, _ in a] == [t for t, _ in b]
    assert all(np.array_equal(x, y) for (_, x), (_, y) in zip(a, b))


def test_dead_worker_is_replaced_and_cli_batch(tmp_path, tiny_weights, gop_clip):
    from vidcolor.batch.ray_backend import RayExecutor

    with RayExecutor(weights=tiny_weights, workers=1) as ex:
        ray.kill(ex.actors[0], no_restart=True)  # gone for good: the segment must go to a new actor
        r = process_video_segmented(gop_clip, tmp_path / "out.mp4", "none", weights=tiny_weights,
                                    segment_seconds=SEGMENT_SECONDS, executor=ex)
        assert ex.replaced >= 1 and r.frames == N_FRAMES
    (tmp_path / "films").mkdir()
    shutil.copy(gop_clip, tmp_path / "films" / "a.mp4")
    res = CliRunner().invoke(cli, ["batch", str(tmp_path / "films"), "-o", str(tmp_path / "o"), "--weights", str(tiny_weights),
                                   "--segment-seconds", str(SEGMENT_SECONDS), "--ray", "auto", "--ray-workers", "2"])
    assert res.exit_code == 0, res.output
    assert len(video_pts(tmp_path / "o" / "a.none.mp4")) == N_FRAMES
