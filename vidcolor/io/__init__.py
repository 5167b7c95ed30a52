"""Video and image input/output: readers, writers, probing and atomic file output."""

from vidcolor.io.atomic import atomic_output
from vidcolor.io.image import IMAGE_EXTS, read_gray_float, read_image, write_image
from vidcolor.io.probe import describe
from vidcolor.io.video import (
    VIDEO_EXTS,
    DecodedFrame,
    VideoInfo,
    VideoReader,
    is_image_file,
    is_video_file,
    probe_video,
)
from vidcolor.io.video_writer import VideoWriter

__all__ = [
    "IMAGE_EXTS",
    "VIDEO_EXTS",
    "DecodedFrame",
    "VideoInfo",
    "VideoReader",
    "VideoWriter",
    "atomic_output",
    "describe",
    "is_image_file",
    "is_video_file",
    "probe_video",
    "read_gray_float",
    "read_image",
    "write_image",
]
