"""Color helpers: keeping the gray input's luma (:func:`vidcolor.color.keep_luma`) in torch and OpenCV."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vidcolor.color import LUMA_WEIGHTS, keep_luma, lab_to_rgb, lab_to_rgb_u8, lab_to_rgb_u16, luma_lut, luma_weights


@pytest.mark.parametrize("matrix", ["bt601", "bt709", "bt2020"])
def test_keep_luma_sets_luma_and_keeps_the_color_difference_signals(matrix):
    w = torch.tensor(LUMA_WEIGHTS[matrix]).view(1, 3, 1, 1)
    rgb = torch.tensor([[0.6, 0.3, 0.2], [0.2, 0.4, 0.7], [0.5, 0.5, 0.5]]).t().reshape(1, 3, 1, 3)
    y = torch.tensor([0.45, 0.5, 0.3]).view(1, 1, 1, 3)
    out = keep_luma(rgb, y, matrix)
    assert torch.allclose((out * w).sum(1, keepdim=True), y, atol=1e-6)
    # B′ − Y′ and R′ − Y′ (what Cb and Cr scale) are unchanged: same hue and saturation
    for c in (0, 2):
        assert torch.allclose(out[:, c] - (out * w).sum(1), rgb[:, c] - (rgb * w).sum(1), atol=1e-6)
    assert torch.allclose(out[..., 2], torch.full((1, 3, 1), 0.3))   # a gray stays gray at the new luma


def test_keep_luma_clips_at_black_and_white():
    out = keep_luma(torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1), torch.tensor(0.95).view(1, 1, 1, 1))
    assert out.min() >= 0 and out.max() <= 1


def test_opencv_path_matches_torch_and_keeps_8bit_luma():
    """``lab_to_rgb_u8(lab, luma)`` (the video finishing path) gives the input luma back within a code value."""
    rng = np.random.default_rng(0)
    y = rng.integers(40, 215, (32, 48)).astype(np.uint8)
    ab = rng.uniform(-30, 30, (32, 48, 2)).astype(np.float32)
    lab = np.dstack([luma_lut(8)[y] * 100.0, ab]).astype(np.float32)
    for matrix in ("bt601", "bt709"):
        u8 = lab_to_rgb_u8(lab, y, matrix)
        y_out = u8.astype(np.float64) @ np.asarray(luma_weights(matrix))
        assert (np.abs(y_out - y) <= 1.0).mean() > 0.98   # out-of-gamut colors clip (before the shift too)
        ref = keep_luma(lab_to_rgb(torch.from_numpy(lab).permute(2, 0, 1)[None]),
                        torch.from_numpy(y / 255.0)[None, None].float(), matrix)[0].permute(1, 2, 0).numpy() * 255
        assert np.abs(u8 - ref).max() <= 1.5
    plain = lab_to_rgb_u8(lab)   # without luma: L* kept, saturated colors darker than the input's luma
    assert (plain.astype(np.float64) @ np.asarray(luma_weights("bt601")) - y).mean() < -0.3


def test_16_bit_path_is_the_8_bit_one_with_finer_steps():
    """``lab_to_rgb_u16`` (films written with more than 8 bits): the same colours as the 8-bit path,
    and a 16-bit luma kept to within a 16-bit step (where the colour fits the luma)."""
    rng = np.random.default_rng(2)
    y16 = rng.integers(10000, 55000, (32, 48)).astype(np.uint16)
    ab = rng.uniform(-20, 20, (32, 48, 2)).astype(np.float32)
    lab = np.dstack([luma_lut(16)[y16] * 100.0, ab]).astype(np.float32)
    u16 = lab_to_rgb_u16(lab, y16, "bt709")
    assert u16.dtype == np.uint16
    y_out = u16.astype(np.float64) @ np.asarray(luma_weights("bt709"))
    assert (np.abs(y_out - y16) <= 1.0).mean() > 0.98
    u8 = lab_to_rgb_u8(lab, (y16 / 65535.0).astype(np.float32), "bt709")
    assert np.abs(u16 / 257.0 - u8).max() <= 0.51
    assert np.abs(lab_to_rgb_u16(lab) / 257.0 - lab_to_rgb_u8(lab)).max() <= 0.51


def test_opencv_path_clips_near_black_like_torch():
    """Near black the luma shift pushes channels below 0: they clip to 0 (not |x|), as on the GPU path."""
    rng = np.random.default_rng(1)
    y = rng.integers(0, 40, (24, 32)).astype(np.uint8)
    ab = rng.uniform(-40, 40, (24, 32, 2)).astype(np.float32)
    lab = np.dstack([luma_lut(8)[y] * 100.0, ab]).astype(np.float32)
    u8 = lab_to_rgb_u8(lab, y)
    ref = keep_luma(lab_to_rgb(torch.from_numpy(lab).permute(2, 0, 1)[None]),
                    torch.from_numpy(y / 255.0)[None, None].float())[0].permute(1, 2, 0).numpy() * 255
    # (|x| instead of clipping flipped 23 % of these pixels up; the two clip out-of-gamut colors a little differently)
    assert (np.abs(u8 - ref).max(-1) <= 1.5).mean() > 0.97 and np.abs(u8 - ref).max() < 10


def test_unknown_matrix_falls_back_to_bt601():
    assert luma_weights(None) == luma_weights("fcc") == LUMA_WEIGHTS["bt601"]


def test_colors_too_vivid_for_their_luma_give_up_chroma_not_luma():
    """Near white (or black) a predicted colour cannot keep both its chroma and the input's luma:
    clipping each channel darkened 16-bit highlights by up to 2.2 levels of 8 bits. The colour
    difference is scaled down until it fits, so the luma is the input's, in torch and in OpenCV."""
    import numpy as np

    from vidcolor.color import lab_to_rgb_u8

    lab = torch.tensor([[92.0, -60.0, 70.0], [60.0, 80.0, -90.0], [8.0, 50.0, 40.0]]).view(3, 1, 3).permute(2, 0, 1)[None]
    y = torch.tensor([0.97, 0.5, 0.03]).view(1, 1, 3, 1)
    out = keep_luma(lab_to_rgb(lab), y)
    w = torch.tensor(LUMA_WEIGHTS["bt601"]).view(1, 3, 1, 1)
    assert torch.allclose((out * w).sum(1, keepdim=True), y, atol=1e-5)
    assert float(out.min()) >= 0 and float(out.max()) <= 1
    assert float(out[0, :, 0, 0].std()) > 0.01   # still a colour, not white
    u8 = lab_to_rgb_u8(lab[0].permute(1, 2, 0).numpy(), (y[0, 0].numpy() * 255).round().astype(np.uint8)).astype(float)
    assert np.abs(u8[:, 0] @ np.array(LUMA_WEIGHTS["bt601"]) - (y[0, 0, :, 0].numpy() * 255).round()).max() <= 0.75
