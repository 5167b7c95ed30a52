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


def odd_images(folder):
    """A float32 gray TIFF (Pillow mode F), a float32 RGB TIFF (OpenCV), 8-bit CMYK TIFF and JPEG
    (Pillow), and a float TIFF holding 0–255 values."""
    import cv2
    from PIL import Image

    ramp = np.tile(np.linspace(0, 1, 40, dtype=np.float32), (30, 1))
    Image.fromarray(ramp, mode="F").save(folder / "fgray.tif")
    cv2.imwrite(str(folder / "frgb.tif"), np.dstack([ramp, ramp[::-1], 1 - ramp]))
    cmyk = np.zeros((30, 40, 4), np.uint8)
    cmyk[..., 0], cmyk[..., 2] = 200, 50   # cyan and some yellow, no black
    Image.fromarray(cmyk, mode="CMYK").save(folder / "cmyk.tif")
    Image.fromarray(cmyk, mode="CMYK").save(folder / "cmyk.jpg")
    Image.fromarray(ramp * 255, mode="F").save(folder / "f255.tif")
    return folder


def test_describes_float_and_cmyk_images(tmp_path):
    """Float TIFFs were described as 16-bit (the depth read_image converts them to) and CMYK TIFFs
    as RGBA (libtiff's opaque alpha), CMYK JPEGs as RGB: the file's own model and sample type now,
    the float range, and why a 0–255 float file is not usable."""
    odd_images(tmp_path)
    line = {name: describe(tmp_path / name).splitlines()[1].strip() for name in ("fgray.tif", "frgb.tif", "cmyk.tif", "cmyk.jpg")}
    assert line["fgray.tif"] == "40x30, gray, float32, values 0 to 1 (after EXIF orientation)"
    assert line["frgb.tif"] == "40x30, RGB, float32, values 0 to 1, has color (after EXIF orientation)"
    for name in ("cmyk.tif", "cmyk.jpg"):
        assert line[name] == "40x30, CMYK (read as RGB, converted without its colour profile), 8-bit, has color (after EXIF orientation)"
    text = describe(tmp_path / "f255.tif").splitlines()
    assert text[1].strip() == "40x30, gray, float32, values 0 to 255 (after EXIF orientation)"
    assert text[2].strip().startswith("not usable: its float32 samples run from 0 to 255")


def test_info_says_where_timestamps_start(tmp_path):
    """A capture or a ``-copyts`` cut stamped from 10 s: the listing says so (a Matroska file's
    stated duration then runs to its last timestamp, which read as 10 s too long)."""
    import av as _av

    from tests.clips import make_clip
    from vidcolor.io.probe import describe

    src = make_clip(tmp_path / "a.mkv", n_frames=12)
    late = tmp_path / "late.mkv"
    with _av.open(str(src)) as i, _av.open(str(late), "w") as o:
        v = o.add_stream_from_template(i.streams.video[0])
        for p in i.demux(i.streams.video[0]):
            if p.dts is not None:
                shift = round(10 / p.time_base)
                p.pts, p.dts, p.stream = p.pts + shift, p.dts + shift, v
                o.mux(p)
    assert "(timestamps from 0:00:10" in describe(late).splitlines()[0]
    assert "timestamps from" not in describe(src).splitlines()[0]


def test_a_gray_and_alpha_png_is_described_as_such(tmp_path):
    import numpy as np
    from PIL import Image

    from vidcolor.io.probe import describe

    la = np.zeros((20, 30, 2), np.uint8)
    la[..., 0], la[..., 1] = 120, 200
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    assert describe(tmp_path / "la.png").splitlines()[1].strip() == "30x20, gray + alpha channel, 8-bit (after EXIF orientation)"
