"""Procedural style teachers: colour photo -> named artistic style (training targets).

See :mod:`vidcolor.styles.registry` for the API and :mod:`vidcolor.styles.paper` for the shared
building blocks (paper texture, edges, XDoG, flow fields).
"""

from vidcolor.styles.registry import (
    BUILTIN_STYLES,
    STYLES,
    StyleTeacher,
    get_style,
    style_names,
)

__all__ = ["BUILTIN_STYLES", "STYLES", "StyleTeacher", "get_style", "style_names"]
