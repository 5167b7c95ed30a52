"""Style teachers: registry, determinism, shapes and ranges, distinctness, and the shared helpers."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from vidcolor.errors import VidcolorError
from vidcolor.styles import BUILTIN_STYLES, STYLES, StyleTeacher, get_style, style_names
from vidcolor.styles import paper as P

STYLED = [name for name in BUILTIN_STYLES if name != "none"]
SEEDED = ["watercolor", "oil", "pencil"]  # cartoon has no randomness by design


def natural_image(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A natural-ish test photo: smooth colour gradients, a few flat shapes, fine texture, noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = x / max(w - 1, 1), y / max(h - 1, 1)
    img = np.stack([0.2 + 0.6 * u, 0.3 + 0.4 * v, 0.7 - 0.5 * u * v], axis=-1)
    cv2.circle(img, (w // 3, h // 2), max(min(h, w) // 5, 1), (0.9, 0.3, 0.1), -1)
    cv2.rectangle(img, (w // 2, h // 6), (w - w // 8, h // 2), (0.1, 0.2, 0.5), -1)
    cv2.ellipse(img, (2 * w // 3, 3 * h // 4), (max(w // 6, 1), max(h // 10, 1)), 20, 0, 360,
                (0.95, 0.9, 0.6), -1)
    img += 0.05 * np.sin(x / 2.5)[..., None] * np.cos(y / 3.0)[..., None]
    img += 0.03 * rng.standard_normal(img.shape).astype(np.float32)
    return np.clip(img, 0.0, 1.0).astype(np.float32)


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return natural_image(96, 128)


@pytest.fixture(scope="module")
def outputs(image: np.ndarray) -> dict[str, np.ndarray]:
    return {name: STYLES[name].render(image, 3) for name in BUILTIN_STYLES}


# ----------------------------------------------------------------------------- registry


def test_registry_lists_builtin_styles() -> None:
    assert BUILTIN_STYLES == ("none", "watercolor", "oil", "pencil", "cartoon")
    assert style_names() == BUILTIN_STYLES
    for name in BUILTIN_STYLES:
        teacher = get_style(name)
        assert isinstance(teacher, StyleTeacher)
        assert teacher.name == name
        assert teacher.description and "\n" not in teacher.description
        assert isinstance(teacher.version, str) and teacher.version
    assert get_style("none").description == "plain colorization, no stylization"


def test_teacher_is_frozen() -> None:
    with pytest.raises(AttributeError):
        get_style("oil").version = "999"  # type: ignore[misc]


@pytest.mark.parametrize("bad", ["x", "Oil", "", "water color"])
def test_unknown_style_lists_valid_names(bad: str) -> None:
    with pytest.raises(VidcolorError) as info:
        get_style(bad)
    message = str(info.value)
    assert f"unknown style {bad!r}" in message
    assert "valid styles: none, watercolor, oil, pencil, cartoon" in message


# ----------------------------------------------------------------------------- teachers


def test_none_is_identity(image: np.ndarray, outputs: dict[str, np.ndarray]) -> None:
    np.testing.assert_array_equal(outputs["none"], image)


@pytest.mark.parametrize("name", BUILTIN_STYLES)
def test_output_shape_dtype_range(name: str, outputs: dict[str, np.ndarray],
                                  image: np.ndarray) -> None:
    out = outputs[name]
    assert out.shape == image.shape
    assert out.dtype == np.float32
    assert np.isfinite(out).all()
    assert out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize("name", BUILTIN_STYLES)
def test_deterministic_and_input_untouched(name: str, image: np.ndarray,
                                           outputs: dict[str, np.ndarray]) -> None:
    before = image.copy()
    again = STYLES[name].render(image, 3)
    np.testing.assert_array_equal(again, outputs[name])
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize("name", SEEDED)
def test_seed_changes_output(name: str, image: np.ndarray, outputs: dict[str, np.ndarray]) -> None:
    other = STYLES[name].render(image, 4)
    assert np.abs(other - outputs[name]).mean() > 1e-3


@pytest.mark.parametrize("name", STYLED)
def test_styles_differ_from_input(name: str, image: np.ndarray,
                                  outputs: dict[str, np.ndarray]) -> None:
    assert np.abs(outputs[name] - image).mean() > 0.04


@pytest.mark.parametrize("a, b", list(itertools.combinations(STYLED, 2)))
def test_styles_differ_from_each_other(a: str, b: str, outputs: dict[str, np.ndarray]) -> None:
    assert np.abs(outputs[a] - outputs[b]).mean() > 0.04


@pytest.mark.parametrize("name", BUILTIN_STYLES)
@pytest.mark.parametrize("shape", [(37, 53), (8, 8), (1, 1), (5, 90)])
def test_odd_and_tiny_sizes(name: str, shape: tuple[int, int]) -> None:
    img = natural_image(*shape, seed=1)
    out = STYLES[name].render(img, 0)
    assert out.shape == img.shape and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize("name", BUILTIN_STYLES)
def test_accepts_float64_views_and_out_of_range(name: str) -> None:
    base = natural_image(40, 60).astype(np.float64) * 1.2 - 0.1
    view = base[::2, ::2]  # non-contiguous
    out = STYLES[name].render(view, 0)
    assert out.shape == view.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0


@pytest.mark.parametrize("name", BUILTIN_STYLES)
@pytest.mark.parametrize("shape", [(16, 16), (16, 16, 4), (16, 16, 1)])
def test_rejects_non_rgb(name: str, shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        STYLES[name].render(np.zeros(shape, np.float32), 0)


# ----------------------------------------------------------------------------- helpers


def test_procedural_paper_seeded_and_in_range() -> None:
    a = P.procedural_paper(48, 64, seed=5)
    assert a.shape == (48, 64) and a.dtype == np.float32
    assert 0.0 <= a.min() and a.max() <= 1.0 and abs(float(a.mean()) - 0.5) < 0.05
    np.testing.assert_array_equal(a, P.procedural_paper(48, 64, seed=5))
    assert np.abs(a - P.procedural_paper(48, 64, seed=6)).mean() > 0.01


def test_texture_paper_from_folder(tmp_path) -> None:
    tex = (np.random.default_rng(0).random((20, 30)) * 255).astype(np.uint8)
    cv2.imwrite(str(tmp_path / "grain.png"), tex)
    out = P.paper(50, 70, seed=1, texture_dir=tmp_path)
    assert out.shape == (50, 70) and 0.0 <= out.min() and out.max() <= 1.0
    np.testing.assert_array_equal(out, P.paper(50, 70, seed=1, texture_dir=tmp_path))


def test_texture_paper_empty_folder_is_an_error(tmp_path) -> None:
    with pytest.raises(VidcolorError, match="no paper textures"):
        P.texture_paper(10, 10, seed=0, texture_dir=tmp_path)


def test_xdog_marks_a_step_edge_only() -> None:
    img = np.full((32, 32), 0.8, np.float32)
    img[:, 16:] = 0.2
    lines = P.xdog(img, sigma=1.0, eps=-0.04, phi=30.0)
    assert lines[:, 14:18].min() < 0.5  # dark line at the edge
    assert lines[:, :8].min() > 0.99 and lines[:, 26:].min() > 0.99  # flat areas stay white


def test_structure_flow_follows_stripes() -> None:
    x = np.arange(64, dtype=np.float32)
    stripes = np.tile(0.5 + 0.5 * np.sin(x / 3.0), (64, 1))  # vertical stripes
    tx, ty, aniso = P.structure_flow(stripes, sigma=2.0)
    centre = (slice(16, 48), slice(16, 48))
    assert np.abs(ty[centre]).mean() > 0.95  # tangent runs along the stripes (vertically)
    assert aniso[centre].mean() > 0.8
