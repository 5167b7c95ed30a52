"""EXIF/TIFF orientation: the turns and mirrors that show a stored array upright.

Orientation values 1…8 as Pillow's ``ImageOps.exif_transpose`` applies them: 1 as stored, 2 mirror,
3 turn 180°, 4 flip, 5 transpose, 6 turn 90° clockwise, 7 transverse, 8 turn 90° counter-clockwise.
Arrays are rows, columns first (any trailing channel axis is kept).
"""

from __future__ import annotations

import numpy as np

_UPRIGHT = {1: lambda a: a, 2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
            5: lambda a: a.swapaxes(0, 1), 6: lambda a: np.rot90(a, -1), 7: lambda a: np.rot90(a, 2).swapaxes(0, 1),
            8: lambda a: np.rot90(a, 1)}


def upright(a: np.ndarray, orientation) -> np.ndarray:
    """``a`` as a viewer shows it under ``orientation`` (1…8; anything else: as stored). A view, not a copy."""
    return _UPRIGHT.get(orientation if isinstance(orientation, int) else 1, _UPRIGHT[1])(a)


def all_turns(a: np.ndarray):
    """The 8 rotations/mirrors of ``a`` (every transform an orientation can ask for)."""
    for k in range(4):
        r = np.rot90(a, k)
        yield r
        yield r[:, ::-1]


__all__ = ["all_turns", "upright"]
