"""Video and image input/output: readers, writers, probing and atomic file output."""

from vidcolor.io.atomic import atomic_output
from vidcolor.io.video import (
    VIDEO_EXTS,
    DecodedFrame,
    VideoInfo,
    VideoReader,
    VideoWriter,
    is_image_file,
    is_video_file,
    probe_video,
)

__all__ = [
    "VIDEO_EXTS",
    "DecodedFrame",
    "VideoInfo",
    "VideoReader",
    "VideoWriter",
    "atomic_output",
    "is_image_file",
    "is_video_file",
    "probe_video",
]
