"""describe(): a readable listing for videos and images."""

from __future__ import annotations

import numpy as np
import pytest

from tests.clips import make_clip
from vidcolor.errors import VidcolorError
from vidcolor.io.image import write_image
from vidcolor.io.probe import describe


def test_describes_container_and_every_stream(tmp_path):
    path = make_clip(tmp_path / "film.mkv", n_frames=6, audio="ac3", audio_tracks=2,
                     subtitles="subrip", rotation=90, metadata={"title": "Metropolis"})
    text = describe(path)
    lines = text.splitlines()
    assert lines[0].startswith("film.mkv: Matroska")
    assert "title: Metropolis" in text
    assert any("#0 video: h264" in line and "64x48" in line and "23.976 fps" in line for line in lines)
    assert sum("audio: ac3" in line and "48000 Hz" in line for line in lines) == 2
    assert any("subtitle:" in line for line in lines)
    assert "rotation 90" in text


def test_describes_images(tmp_path):
    path = write_image(tmp_path / "still.png", np.zeros((5, 7), np.uint16), bit_depth=16)
    assert describe(path).splitlines()[1].strip() == "7x5, gray, 16-bit (after EXIF orientation)"


def test_errors_are_vidcolor_errors(tmp_path):
    with pytest.raises(VidcolorError, match="file not found"):
        describe(tmp_path / "missing.mp4")
    (tmp_path / "junk.avi").write_text("junk" * 100)
    with pytest.raises(VidcolorError, match="not a video file"):
        describe(tmp_path / "junk.avi")
