"""Registry of style teachers: procedural renderers that turn a colour photo into a named style.

A teacher's output is the paired training target for the generator when it is asked for that style,
so a teacher must be a pure function of ``(image, seed)``. ``version`` is part of the training
cache key: bump it whenever a teacher's output changes.

Teachers are registered here by explicit import; there is no discovery by file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from vidcolor.errors import VidcolorError
from vidcolor.styles import cartoon, oil, pencil, watercolor
from vidcolor.styles.paper import check_rgb

RenderFn = Callable[[np.ndarray, int], np.ndarray]


@dataclass(frozen=True)
class StyleTeacher:
    """A named style.

    ``render(rgb, seed)`` takes ``float32 (H, W, 3)`` sRGB in [0, 1] and returns an image of the same
    shape, dtype and range; equal inputs and seeds give bit-identical outputs.
    """

    name: str
    description: str
    version: str
    render: RenderFn


def _identity(rgb: np.ndarray, seed: int) -> np.ndarray:
    """Plain colourisation: the target is the colour photo itself."""
    del seed
    return check_rgb(rgb).copy()


BUILTIN_STYLES: tuple[str, ...] = ("none", "watercolor", "oil", "pencil", "cartoon")

STYLES: dict[str, StyleTeacher] = {
    "none": StyleTeacher("none", "plain colorization, no stylization", "1", _identity),
    "watercolor": StyleTeacher("watercolor", watercolor.DESCRIPTION, watercolor.VERSION,
                               watercolor.render),
    "oil": StyleTeacher("oil", oil.DESCRIPTION, oil.VERSION, oil.render),
    "pencil": StyleTeacher("pencil", pencil.DESCRIPTION, pencil.VERSION, pencil.render),
    "cartoon": StyleTeacher("cartoon", cartoon.DESCRIPTION, cartoon.VERSION, cartoon.render),
}


def style_names() -> tuple[str, ...]:
    """Names of all registered styles, in registry order."""
    return tuple(STYLES)


def get_style(name: str) -> StyleTeacher:
    """Look up a teacher by name; unknown names raise :class:`VidcolorError` listing valid ones."""
    try:
        return STYLES[name]
    except (KeyError, TypeError):
        raise VidcolorError(
            f"unknown style {name!r}; valid styles: {', '.join(style_names())}") from None
