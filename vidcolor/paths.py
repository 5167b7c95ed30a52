"""Per-user folders (nothing is created at import).

* ``data_home()``: ``$VIDCOLOR_HOME`` if set, else ``$XDG_DATA_HOME/vidcolor`` (default
  ``~/.local/share/vidcolor``). Added styles live in ``data_home()/styles``.
* ``cache_home()``: ``$VIDCOLOR_HOME/cache`` if ``VIDCOLOR_HOME`` is set, else
  ``$XDG_CACHE_HOME/vidcolor`` (default ``~/.cache/vidcolor``). Converted pretrained weights live in
  ``cache_home()/pretrained``.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_home() -> Path:
    if os.environ.get("VIDCOLOR_HOME"):
        return Path(os.environ["VIDCOLOR_HOME"]).expanduser()
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share").expanduser() / "vidcolor"


def cache_home() -> Path:
    if os.environ.get("VIDCOLOR_HOME"):
        return Path(os.environ["VIDCOLOR_HOME"]).expanduser() / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "vidcolor"


def styles_dir() -> Path:
    return data_home() / "styles"
