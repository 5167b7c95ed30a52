"""`vidcolor bench` on a tiny clip: every stage measured, JSON output, fresh-process memory check."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.clips import make_clip
from vidcolor.bench import format_bench, run_bench
from vidcolor.cli import cli


def test_run_bench_reports_every_stage(tmp_path, tiny_weights):
    clip = make_clip(tmp_path / "c.mp4", n_frames=10, size=(64, 48))
    res = run_bench(clip, weights=str(tiny_weights), device="cpu", render_size=32, frames=8, batch=4, memory=(4,))
    stages = {r["stage"]: r for r in res["stages"]}
    assert set(stages) == {"decode", "model", "encode", "pipeline"}
    assert all(r["fps"] > 0 for r in stages.values())
    assert stages["pipeline"]["frames"] == 8 and stages["decode"]["frames"] == 8
    assert res["memory"][0]["frames"] == 4 and res["memory"][0]["peak_rss_mb"] > 50
    text = format_bench(res)
    assert "pipeline" in text and "peak RSS" in text


def test_bench_cli_json(tmp_path, tiny_weights):
    clip = make_clip(tmp_path / "c.mp4", n_frames=6, size=(64, 48))
    r = CliRunner().invoke(cli, ["bench", str(clip), "--weights", str(tiny_weights), "--device", "cpu", "--frames", "4", "--render-size", "32", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["stages"][3]["stage"] == "pipeline"
    r = CliRunner().invoke(cli, ["bench"])
    assert r.exit_code != 0
