"""Generator: shapes at odd sizes, exact luminance for plain colorization, style conditioning,
gradient flow, per-sample styles, input validation and bf16 autocast."""

from __future__ import annotations

import pytest
import torch

from vidcolor.color import AB_SCALE
from vidcolor.models import TINY, Generator, count_parameters
from vidcolor.models.generator import FiLM


def make_generator(seed: int = 0, film_std: float = 0.0) -> Generator:
    """TINY generator; ``film_std > 0`` gives the (zero-initialised) FiLM layers random weights so
    that the style actually changes the decoder's features."""
    torch.manual_seed(seed)
    g = Generator(TINY)
    if film_std:
        gen = torch.Generator().manual_seed(seed + 100)
        with torch.no_grad():
            for m in g.modules():
                if isinstance(m, FiLM):
                    m.proj.weight.copy_(torch.randn(m.proj.weight.shape, generator=gen) * film_std)
                    m.proj.bias.copy_(torch.randn(m.proj.bias.shape, generator=gen) * film_std)
    return g


def gray_batch(n: int, h: int, w: int, seed: int = 0) -> torch.Tensor:
    """Smooth ramp plus texture, in [0, 1]."""
    gen = torch.Generator().manual_seed(seed)
    y = torch.linspace(0, 1, h).view(1, 1, h, 1)
    x = torch.linspace(0, 1, w).view(1, 1, 1, w)
    base = 0.2 + 0.4 * x + 0.3 * y * (1 - x)
    return (base + 0.1 * torch.rand(n, 1, h, w, generator=gen)).clamp(0, 1)


@pytest.fixture(scope="module")
def styled():
    return make_generator(film_std=0.3).eval()


@pytest.mark.parametrize("shape", [(1, 1, 37, 53), (2, 1, 17, 31), (1, 1, 5, 7), (1, 1, 1, 1), (1, 1, 2, 3), (1, 1, 16, 16)])
@pytest.mark.parametrize("style", [0, 1])
def test_output_shape_for_any_size(shape, style):
    g = make_generator().eval()
    gray = gray_batch(shape[0], shape[2], shape[3])
    with torch.inference_mode():
        out = g(gray, style)
    assert out.shape == (shape[0], 3, shape[2], shape[3])
    assert out.dtype == torch.float32
    assert torch.isfinite(out).all()
    assert (out[:, 0] >= 0).all() and (out[:, 0] <= 100).all()


def test_tiny_is_tiny():
    g = make_generator()
    assert 1_000 < count_parameters(g) < 50_000
    assert TINY.multiple == 4
    assert g.styles[0] == "none" and g.style_index("oil") == TINY.styles.index("oil")


@pytest.mark.parametrize("shape", [(1, 1, 37, 53), (2, 1, 17, 31), (1, 1, 5, 7)])
def test_style0_keeps_luminance_bit_for_bit(shape, styled):
    gray = gray_batch(shape[0], shape[2], shape[3], seed=1)
    with torch.inference_mode():
        out = styled(gray, 0)
    assert torch.equal(out[:, :1], gray * 100.0)
    # and ab is actually predicted (not identically zero)
    assert out[:, 1:].abs().max() > 0


def test_film_starts_at_identity():
    """With zero-initialised FiLM, a fresh generator produces the same ab for every style;
    only the L channel (predicted for styles ≠ 0) differs."""
    g = make_generator().eval()
    gray = gray_batch(1, 24, 24)
    with torch.inference_mode():
        plain, styled = g(gray, 0), g(gray, 3)
    torch.testing.assert_close(styled[:, 1:], plain[:, 1:], rtol=0, atol=1e-5)
    assert not torch.equal(styled[:, :1], plain[:, :1])


def test_other_styles_change_luminance_and_color(styled):
    gray = gray_batch(1, 24, 32, seed=2)
    with torch.inference_mode():
        outs = {s: styled(gray, s) for s in range(len(TINY.styles))}
    base = outs[0]
    for s in range(1, len(TINY.styles)):
        out = outs[s]
        assert not torch.equal(out[:, :1], gray * 100.0), f"style {s} left L untouched"
        assert (out[:, 1:] - base[:, 1:]).abs().mean() > 0.05, f"style {s} chroma equals style 0"
        # styled L is a residual on the input, clamped to the valid range
        assert (out[:, 0] >= 0).all() and (out[:, 0] <= 100).all()
    # different non-zero styles differ from each other too
    assert (outs[1] - outs[2]).abs().mean() > 0.05


def test_style_separation_is_learnable_from_identity_init():
    """A few optimizer steps from the zero FiLM init are enough to make styles 0 and 1 diverge."""
    g = make_generator(seed=3)
    gray = gray_batch(2, 16, 16, seed=3)
    styles = torch.tensor([0, 1])
    target_ab = torch.stack([torch.full((2, 16, 16), -30.0), torch.full((2, 16, 16), 30.0)])
    opt = torch.optim.Adam(g.parameters(), lr=1e-2)
    with torch.no_grad():
        before = (g(gray[:1], 1)[:, 1:] - g(gray[:1], 0)[:, 1:]).abs().mean()
    for _ in range(8):
        opt.zero_grad()
        loss = (g(gray, styles)[:, 1:] - target_ab).abs().mean()
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = (g(gray[:1], 1)[:, 1:] - g(gray[:1], 0)[:, 1:]).abs().mean()
    assert before < 1e-3
    assert after > 1.0


def test_gradients_reach_every_parameter():
    g = make_generator(seed=4, film_std=0.3)
    gray = gray_batch(2, 20, 24, seed=4)
    out = g(gray, torch.tensor([0, 2]))  # style 0 and a nonzero style in one pass
    loss = out[:, 0].mean() / 100 + out[:, 1:].abs().mean() / AB_SCALE + out.pow(2).mean() * 1e-4
    loss.backward()
    for name, p in g.named_parameters():
        assert p.grad is not None, f"{name} got no gradient"
        assert torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, f"{name} got an all-zero gradient"
    # only the embedding rows of the styles used receive gradient
    row_grad = g.style_embedding.weight.grad.abs().sum(1)
    assert row_grad[0] > 0 and row_grad[2] > 0
    assert row_grad[1] == 0 and row_grad[3] == 0 and row_grad[4] == 0


def test_style0_luminance_has_no_gradient_path():
    """For style 0 the L output is the input: no parameter influences it."""
    g = make_generator(seed=5, film_std=0.3)
    out = g(gray_batch(1, 16, 16), 0)
    out[:, 0].sum().backward()
    grads = [p.grad for p in g.parameters()]
    assert all(gr is None or gr.abs().sum() == 0 for gr in grads)


def test_per_sample_style_tensor(styled):
    gray = gray_batch(3, 20, 28, seed=6)
    styles = torch.tensor([0, 2, 4])
    with torch.inference_mode():
        batched = styled(gray, styles)
        singles = [styled(gray[i:i + 1], int(s)) for i, s in enumerate(styles)]
    for i, single in enumerate(singles):
        torch.testing.assert_close(batched[i:i + 1], single, rtol=1e-4, atol=1e-3)
    assert torch.equal(batched[0, 0], gray[0, 0] * 100.0)
    assert not torch.equal(batched[1, 0], gray[1, 0] * 100.0)


def test_scalar_style_forms_agree(styled):
    gray = gray_batch(2, 16, 20, seed=7)
    with torch.inference_mode():
        from_int = styled(gray, 2)
        from_scalar = styled(gray, torch.tensor(2))
        from_one = styled(gray, torch.tensor([2]))
        from_full = styled(gray, torch.tensor([2, 2]))
    assert torch.equal(from_int, from_scalar)
    assert torch.equal(from_int, from_one)
    assert torch.equal(from_int, from_full)


@pytest.mark.parametrize("shape", [(1, 3, 16, 16), (1, 16, 16), (16, 16), (1, 2, 8, 8), (1, 1, 1, 16, 16)])
def test_bad_input_shape_raises(shape):
    g = make_generator()
    with pytest.raises(ValueError, match=r"\[N,1,H,W\]"):
        g(torch.rand(shape))


def test_bf16_autocast_close_to_fp32():
    g = make_generator(seed=8, film_std=0.3).eval()
    with torch.no_grad():
        g.head.weight.mul_(10)  # spread ab over a realistic range so the tolerance means something
    gray = gray_batch(2, 24, 40, seed=8)
    styles = torch.tensor([0, 1])
    with torch.inference_mode():
        ref = g(gray, styles)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = g(gray, styles)
    assert low.dtype == torch.float32 and low.shape == ref.shape
    ab_scale = ref[:, 1:].abs().mean()
    assert ab_scale > 5, "ab range too small for a meaningful comparison"
    err = (low[:, 1:] - ref[:, 1:]).abs().mean()
    assert err < 2.0
    assert err < 0.1 * ab_scale
    assert (low[1, 0] - ref[1, 0]).abs().mean() < 2.0
    # plain colorization keeps the input luminance exactly even in bf16
    assert torch.equal(low[0, 0], gray[0, 0] * 100.0)
