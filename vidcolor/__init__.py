"""vidcolor: colorize and stylize black-and-white film and photos with one attention GAN.

Library API (usable without the command line)::

    import vidcolor
    vidcolor.process_video("film.mp4", "film.watercolor.mp4", style="watercolor")
    vidcolor.process_image("photo.jpg", "photo_color.png")
    vidcolor.train(vidcolor.load_config("configs/tiny.yaml"), "runs/tiny")

Heavy modules (torch, PyAV) are imported on first use, not when ``vidcolor`` is imported.
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {
    "process_video": "vidcolor.process",
    "process_image": "vidcolor.process",
    "process_paths": "vidcolor.process",
    "process_video_segmented": "vidcolor.batch.segments",
    "run_batch": "vidcolor.batch.batch",
    "Colorizer": "vidcolor.pipeline.engine",
    "train": "vidcolor.training.loop",
    "load_config": "vidcolor.training.config",
    "VidcolorError": "vidcolor.errors",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    if name == "errors":   # ``vidcolor.errors.VidcolorError`` without importing the submodule first
        return import_module("vidcolor.errors")
    raise AttributeError(f"module 'vidcolor' has no attribute '{name}'")


__all__ = list(_LAZY)
