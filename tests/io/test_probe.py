"""describe(): a readable listing for videos and images."""

from __future__ import annotations

import av
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


def test_audio_only_file(tmp_path):
    with av.open(str(tmp_path / "sound.m4a"), "w") as out:
        stream = out.add_stream("aac", rate=44100)
        frame = av.AudioFrame.from_ndarray(np.zeros((2, 1024), np.float32), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = 44100, 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    text = describe(tmp_path / "sound.m4a")
    assert "#0 audio: aac" in text and "44100 Hz" in text and text.endswith("(no video stream)")


def test_errors_are_vidcolor_errors(tmp_path):
    with pytest.raises(VidcolorError, match="file not found"):
        describe(tmp_path / "missing.mp4")
    (tmp_path / "junk.avi").write_text("junk" * 100)
    with pytest.raises(VidcolorError, match="not a video file"):
        describe(tmp_path / "junk.avi")
