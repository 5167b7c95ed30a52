"""Video discovery, the clip cache (reuse, keys, skipping) and the keyed concatenation."""

from __future__ import annotations

import json
import os

import cv2
import numpy as np
import pytest
import torch

from tests.clips import frame_image, make_clip
from tests.training.conftest import STYLES
from tests.training.helpers import write_pan_clip
from vidcolor.errors import VidcolorError
from vidcolor.training import videos
from vidcolor.training.datasets import DeterministicSampler, PairDataset
from vidcolor.training.videos import KeyedConcat, VideoClipDataset, build_video_cache, clip_starts, list_videos

T = 3


def write_frames(folder, n, names=lambda i: f"frame{i}.png"):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        cv2.imwrite(str(folder / names(i)), cv2.cvtColor(frame_image(i, (64, 48)), cv2.COLOR_RGB2BGR))
    return folder


@pytest.mark.parametrize("n, clips", [(12, 3), (100, 8), (9, 8), (3, 8), (2, 8), (0, 4), (30, 1)])
def test_clip_starts_even_and_disjoint(n, clips):
    starts = clip_starts(n, T, clips)
    assert len(starts) == min(clips, n // T)
    assert starts == sorted(starts)
    assert all(0 <= s <= n - T for s in starts)
    assert all(b - a >= T for a, b in zip(starts, starts[1:]))
    if len(starts) > 1:
        gaps = np.diff(starts)
        assert gaps.max() - gaps.min() <= 1


def test_list_videos(tmp_path):
    make_clip(tmp_path / "a.mp4", n_frames=4)
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    make_clip(tmp_path / "sub" / "deeper" / "b.mkv", n_frames=4)
    write_frames(tmp_path / "seq", 3)
    (tmp_path / "notes.txt").write_text("not a video")
    (tmp_path / ".hidden").mkdir()
    make_clip(tmp_path / ".hidden" / "c.mp4", n_frames=4)
    assert list_videos(tmp_path) == [tmp_path / "a.mp4", tmp_path / "seq", tmp_path / "sub" / "deeper" / "b.mkv"]
    with pytest.raises(VidcolorError, match="not found"):
        list_videos(tmp_path / "missing")
    with pytest.raises(VidcolorError, match="not a folder"):
        list_videos(tmp_path / "a.mp4")


def test_cache_is_reused_without_decoding(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    make_clip(tmp_path / "in" / "a.mp4", n_frames=12)
    clips, skipped = build_video_cache(tmp_path / "in", STYLES, 48, T, tmp_path / "cache", clips_per_video=2)
    assert skipped == 0 and [c.start for c in clips] == clip_starts(12, T, 2)
    files = sorted((tmp_path / "cache" / "clips").iterdir())
    stamps = [f.stat().st_mtime_ns for f in files]

    def no_decoding(*a, **k):
        raise AssertionError("the cache should have been reused")

    monkeypatch.setattr(videos, "VideoReader", no_decoding)
    monkeypatch.setattr(videos, "_make_clip", no_decoding)
    again, skipped = build_video_cache(tmp_path / "in", STYLES, 48, T, tmp_path / "cache", clips_per_video=2)
    assert again == clips and skipped == 0
    assert [f.stat().st_mtime_ns for f in sorted((tmp_path / "cache" / "clips").iterdir())] == stamps


@pytest.mark.parametrize("change", ["teach_size", "clip_len", "styles", "touch"])
def test_cache_key_changes(tmp_path, change):
    src = tmp_path / "in"
    src.mkdir()
    make_clip(src / "a.mp4", n_frames=12)
    args = dict(styles=STYLES, teach_size=48, clip_len=T, cache_dir=tmp_path / "cache", clips_per_video=2)
    first, _ = build_video_cache(src, **args)
    if change == "teach_size":
        args["teach_size"] = 56
    elif change == "clip_len":
        args["clip_len"] = 5
    elif change == "styles":
        args["styles"] = ("none", "pencil")
    else:  # the file was replaced: new mtime
        st = os.stat(src / "a.mp4")
        os.utime(src / "a.mp4", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    second, _ = build_video_cache(src, **args)
    assert not {c.path for c in first} & {c.path for c in second}
    with np.load(second[0].path) as z:
        assert z["color"].shape[0] == args["clip_len"] and min(z["color"].shape[1:3]) == args["teach_size"]
        assert {k for k in z.files if k.startswith("target_")} == {f"target_{s}" for s in args["styles"] if s != "none"}


def test_cache_contents(tmp_path):
    write_pan_clip(tmp_path / "in" / "pan.mkv", n_frames=9)
    clips, _ = build_video_cache(tmp_path / "in", ("none", "watercolor", "cartoon"), 64, T, tmp_path / "cache", clips_per_video=3)
    assert len(clips) == 3
    with np.load(clips[0].path) as z:
        h, w = z["color"].shape[1:3]
        assert (h, w) == (64, round(64 * 64 / 48)) == clips[0].size  # short side resized to teach_size
        assert z["color"].dtype == np.uint8 and z["color"].shape == (T, h, w, 3)
        for s in ("watercolor", "cartoon"):
            assert z[f"target_{s}"].shape == (T, h, w, 3) and z[f"target_{s}"].dtype == np.uint8
        for k in ("flow_back", "flow_fwd"):
            assert z[k].shape == (T - 1, h, w, 2) and z[k].dtype == np.float16
        for k in ("mask_back", "mask_fwd"):
            assert z[k].shape == (T - 1, h, w) and z[k].dtype == np.uint8 and set(np.unique(z[k])) <= {0, 1}
    index = json.loads(next((tmp_path / "cache" / "clips").glob("*.json")).read_text())
    assert [c["start"] for c in index["clips"]] == [c.start for c in clips]


def test_style_seed_is_fixed_per_video(tmp_path):
    """A still shot gives identical frames, so a per-video teacher seed gives identical targets
    (paper textures do not flicker)."""
    (tmp_path / "in").mkdir()
    make_clip(tmp_path / "in" / "still.mkv", n_frames=6, codec="ffv1", pattern="static")
    clips, _ = build_video_cache(tmp_path / "in", ("none", "watercolor"), 48, T, tmp_path / "cache", clips_per_video=2)
    with np.load(clips[0].path) as z:
        assert np.array_equal(z["color"][0], z["color"][1])
        target = z["target_watercolor"]
        assert np.array_equal(target[0], target[1]) and np.array_equal(target[1], target[2])
        assert not np.array_equal(target[0], z["color"][0])


def test_frame_folders_in_natural_order(tmp_path):
    write_frames(tmp_path / "in" / "shot", 12, names=lambda i: f"f{i + 1}.png")  # f1 … f12: f10 sorts after f9
    clips, skipped = build_video_cache(tmp_path / "in", STYLES, 48, T, tmp_path / "cache", clips_per_video=3)
    assert skipped == 0 and [c.start for c in clips] == clip_starts(12, T, 3)
    for c in clips:
        with np.load(c.path) as z:
            for k in range(T):
                assert np.array_equal(z["color"][k], frame_image(c.start + k, (64, 48)))


def test_unusable_videos_are_skipped_and_counted(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    make_clip(src / "good.mp4", n_frames=9)
    (src / "garbage.mp4").write_bytes(os.urandom(2000))
    (src / "empty.mkv").write_bytes(b"")
    make_clip(src / "short.mp4", n_frames=2)                 # shorter than one clip
    write_frames(src / "broken_frames", 0)
    for i in range(3):
        (src / "broken_frames" / f"{i}.jpg").write_bytes(b"not a jpeg")
    clips, skipped = build_video_cache(src, STYLES, 48, T, tmp_path / "cache", clips_per_video=2)
    assert skipped == 4
    assert {c.source for c in clips} == {str(src / "good.mp4")}


def test_no_usable_videos_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(VidcolorError, match="no videos found"):
        build_video_cache(tmp_path / "empty", STYLES, 48, T, tmp_path / "cache")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.mp4").write_bytes(b"\x00" * 100)
    with pytest.raises(VidcolorError, match="none of the 1 video"):
        build_video_cache(tmp_path / "bad", STYLES, 48, T, tmp_path / "cache")
    with pytest.raises(VidcolorError, match="not found"):
        build_video_cache(tmp_path / "missing", STYLES, 48, T, tmp_path / "cache")


def test_missing_cache_file_is_a_clear_error(tmp_path):
    (tmp_path / "in").mkdir()
    make_clip(tmp_path / "in" / "a.mp4", n_frames=6)
    clips, _ = build_video_cache(tmp_path / "in", STYLES, 48, T, tmp_path / "cache", clips_per_video=1)
    os.remove(clips[0].path)
    with pytest.raises(VidcolorError, match="missing or corrupt"):
        VideoClipDataset(clips, STYLES, 32)[(0, 0)]
    # …and the next build notices the hole and rebuilds the entry
    again, _ = build_video_cache(tmp_path / "in", STYLES, 48, T, tmp_path / "cache", clips_per_video=1)
    assert os.path.isfile(again[0].path)


def test_keyed_concat(image_entries):
    class Echo(torch.utils.data.Dataset):
        def __init__(self, name, n):
            self.name, self.n = name, n

        def __len__(self):
            return self.n

        def __getitem__(self, key):
            idx, seed = key
            assert 0 <= idx < self.n
            return self.name, idx, seed

    cat = KeyedConcat([Echo("a", 3), Echo("empty", 0), Echo("b", 2)])
    assert len(cat) == 5
    assert [cat[(i, 10 + i)] for i in range(5)] == [("a", 0, 10), ("a", 1, 11), ("a", 2, 12), ("b", 0, 13), ("b", 1, 14)]
    with pytest.raises(IndexError):
        cat[(5, 0)]
    with pytest.raises(IndexError):
        cat[(-1, 0)]
    # works with the sampler and a DataLoader, and stays deterministic per key
    pairs = KeyedConcat([PairDataset(image_entries, STYLES, 32), PairDataset(image_entries[:2], STYLES, 32)])
    assert torch.equal(pairs[(7, 5)]["color"], PairDataset(image_entries[:2], STYLES, 32)[(1, 5)]["color"])
    loader = torch.utils.data.DataLoader(pairs, batch_size=4, sampler=DeterministicSampler(len(pairs), 0, 0, 8))
    assert [b["color"].shape[0] for b in loader] == [4, 4]


def test_truncated_video_keeps_the_clips_before_the_cut(tmp_path):
    full = make_clip(tmp_path / "full.mkv", n_frames=30, codec="ffv1")
    (tmp_path / "in").mkdir()
    data = full.read_bytes()
    (tmp_path / "in" / "cut.mkv").write_bytes(data[: int(len(data) * 0.6)])
    clips, skipped = build_video_cache(tmp_path / "in", STYLES, 48, T, tmp_path / "cache", clips_per_video=3)
    assert skipped == 0 and 1 <= len(clips) < 3
    for c in clips:
        with np.load(c.path) as z:
            assert z["color"].shape[0] == T


class _FakeReader:
    """A VideoReader whose header promises ``claimed`` frames but which holds ``actual``."""

    def __init__(self, claimed, actual):
        self.info = type("Info", (), {"frame_count": claimed, "duration": None, "frame_rate": 24})()
        self.actual = actual

    def __call__(self, path, fmt):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def __iter__(self):
        for i in range(self.actual):
            yield type("Frame", (), {"image": frame_image(i, (64, 48)), "index": i})()


@pytest.mark.parametrize("claimed, actual, expected", [
    (30, 30, [4, 14, 24]),   # honest header
    (30, 7, [4]),            # header too high: the tail (4..6) overlaps the clip at 4, so nothing more
    (30, 4, [1]),            # header too high, no planned clip reached: the tail stands in
    (None, 9, [6]),          # no count, no duration: the last frames
    (30, 2, []),             # too short
])
def test_clip_positions_when_the_header_is_wrong(tmp_path, monkeypatch, claimed, actual, expected):
    monkeypatch.setattr(videos, "VideoReader", _FakeReader(claimed, actual))
    src = tmp_path / "v.mp4"
    src.write_bytes(b"x")
    assert [s for s, _ in videos._decoded_windows(src, T, 3)] == expected
