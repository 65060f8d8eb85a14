import pytest
import torch
from reference_pooling import reference_pooling

from mmgaf.models.ops import boundary_max_pooling


def random_segments(batch, num, length, generator):
    centre = torch.rand(batch, num, 1, generator=generator) * length
    half = torch.rand(batch, num, 1, generator=generator) * length / 2
    return torch.cat([
        centre - half - half / 5, centre - half + half / 2,
        centre + half - half / 2, centre + half + half / 5
    ],
                     dim=-1)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('shape', [(2, 8, 37, 20), (1, 16, 64, 64),
                                   (3, 4, 5, 7)])
def test_forward_and_gradient_match_reference(dtype, shape):
    batch, channels, length, num = shape
    generator = torch.Generator().manual_seed(sum(shape))
    x = torch.randn(
        batch, channels, length, generator=generator,
        dtype=dtype).requires_grad_()
    # Unrounded, partly out of range bounds exercise truncation and
    # clamping.
    segments = random_segments(batch, num, length, generator) * 1.3 - 3

    out = boundary_max_pooling(x, segments)
    expected = reference_pooling(x, segments)
    assert out.shape == (batch, channels, num)
    assert out.dtype == dtype
    torch.testing.assert_close(out, expected, rtol=0, atol=0)

    grad_out = torch.randn(out.shape, generator=generator, dtype=dtype)
    grad, = torch.autograd.grad(out, x, grad_out)
    expected_grad, = torch.autograd.grad(expected, x, grad_out)
    torch.testing.assert_close(grad, expected_grad)


def test_inference_matches_training_path():
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(2, 6, 30, generator=generator)
    segments = random_segments(2, 9, 30, generator)
    with torch.no_grad():
        out = boundary_max_pooling(x, segments)
    torch.testing.assert_close(out, reference_pooling(x, segments))


def test_gradcheck_double():
    generator = torch.Generator().manual_seed(2)
    # A permutation keeps every value distinct, so the arg-max is unique
    # and stays put under gradcheck's small perturbations.
    x = (torch.randperm(2 * 4 * 11, generator=generator).double() /
         10).view(2, 4, 11).requires_grad_()
    segments = torch.tensor([[[0., 3., 5., 10.], [2., 2., 9., 4.]],
                             [[-4., 20., 1., 1.], [7.9, 9.2, 0., 6.]]],
                            dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda inp: boundary_max_pooling(inp, segments), (x, ))


def test_bounds_are_truncated_then_clamped():
    x = torch.arange(10.).view(1, 2, 5)  # rows [0..4] and [5..9]
    segments = torch.tensor([[
        [0.9, 1.9, 2.99, 3.5],  # [0, 1] and [2, 3]
        [-0.7, -0.2, 7., 9.],  # [0, 0] and [4, 4] (clamped)
        [-3., 0., -5., -1.],  # clamped to position 0 everywhere
    ]])
    out = boundary_max_pooling(x, segments)
    assert out.tolist() == [[[1., 0., 0.], [8., 9., 5.]]]


def test_empty_range_reads_left_bound():
    x = torch.tensor([[[5., 1., 7., 3.], [2., 8., 4., 6.]]],
                     requires_grad=True)
    # right < left: the value at the left bound, even where larger values
    # lie between the bounds.
    segments = torch.tensor([[[2., 0., 3., 1.]]])
    out = boundary_max_pooling(x, segments)
    assert out.flatten().tolist() == [7., 6.]
    out.sum().backward()
    assert x.grad.tolist() == [[[0., 0., 1., 0.], [0., 0., 0., 1.]]]


def test_ties_send_gradient_to_first_maximum():
    x = torch.tensor([[[1., 4., 2., 4., 4.], [-0., 0., 0., -1., 0.]]],
                     requires_grad=True)
    segments = torch.tensor([[[0., 4., 0., 4.], [2., 4., 1., 3.]]])
    out = boundary_max_pooling(x, segments)
    assert out.tolist() == [[[4., 4.], [0., 0.]]]
    (out * torch.tensor([[[1., 10.], [100., 1000.]]])).sum().backward()
    # -0.0 and +0.0 tie: the first of them (-0.0 at position 0) wins.
    assert x.grad.tolist() == [[[0., 1., 0., 10., 0.],
                                [100., 1000., 0., 0., 0.]]]


def test_single_position_and_no_segments():
    x = torch.randn(2, 4, 1, requires_grad=True)
    segments = torch.tensor([[[-1., 3., 0., 0.]], [[5., 6., -2., 8.]]])
    out = boundary_max_pooling(x, segments)
    torch.testing.assert_close(out, x)
    empty = boundary_max_pooling(x, torch.zeros(2, 0, 4))
    assert empty.shape == (2, 4, 0)
    empty.sum().backward()
    assert x.grad.abs().sum() == 0


def test_gradient_accumulates_over_segments():
    x = torch.tensor([[[0., 3., 1., 2.], [0., 3., 1., 2.]]],
                     requires_grad=True)
    segments = torch.tensor([[[0., 3., 2., 3.], [1., 2., 2., 2.],
                              [3., 3., 0., 3.]]])
    boundary_max_pooling(x, segments).sum().backward()
    assert x.grad.tolist() == [[[0., 2., 0., 1.], [0., 1., 1., 1.]]]


def test_long_rows_use_several_tables(monkeypatch):
    import mmgaf.models.ops.boundary_pooling as module

    generator = torch.Generator().manual_seed(3)
    x = torch.randn(3, 6, 50, generator=generator).requires_grad_()
    segments = random_segments(3, 11, 50, generator)
    # A tiny budget builds the table for one (sample, half) group at a time.
    monkeypatch.setattr(module, 'TABLE_BYTES', 1)
    out = boundary_max_pooling(x, segments)
    torch.testing.assert_close(out, reference_pooling(x, segments))


def test_half_precision_matches_float():
    generator = torch.Generator().manual_seed(4)
    x = torch.randn(2, 8, 40, generator=generator).half()
    segments = random_segments(2, 10, 40, generator)
    out = boundary_max_pooling(x, segments)
    assert out.dtype == torch.float16
    torch.testing.assert_close(out, reference_pooling(x, segments))


def test_errors():
    x = torch.randn(1, 4, 8)
    segments = torch.tensor([[[0., 2., 3., 7.]]])
    with pytest.raises(ValueError, match='x must be a'):
        boundary_max_pooling(x[0], segments)
    with pytest.raises(ValueError, match='C must be even'):
        boundary_max_pooling(torch.randn(1, 3, 8), segments)
    with pytest.raises(ValueError, match='segments must be'):
        boundary_max_pooling(x, segments[..., :2])
    with pytest.raises(ValueError, match='batch size'):
        boundary_max_pooling(x, segments.repeat(2, 1, 1))
    with pytest.raises(TypeError, match='floating point'):
        boundary_max_pooling(x.long(), segments)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_matches_cpu():
    generator = torch.Generator().manual_seed(5)
    x = torch.randn(2, 32, 100, generator=generator)
    segments = random_segments(2, 40, 100, generator)
    grad_out = torch.randn(2, 32, 40, generator=generator)
    cpu = x.clone().requires_grad_()
    cuda = x.cuda().requires_grad_()
    out_cpu = boundary_max_pooling(cpu, segments)
    out_cuda = boundary_max_pooling(cuda, segments.cuda())
    torch.testing.assert_close(out_cuda.cpu(), out_cpu)
    out_cpu.backward(grad_out)
    out_cuda.backward(grad_out.cuda())
    torch.testing.assert_close(cuda.grad.cpu(), cpu.grad)


def test_nan_bounds_clamp_to_the_start():
    # a diverged regression gives NaN bounds; AFSD's kernel casts them to
    # INT_MIN and clamps to 0, and so does the op (no out-of-range index)
    x = torch.tensor([[[5., 1., 7., 3.], [2., 8., 4., 6.]]])
    nan = float('nan')
    segments = torch.tensor([[[nan, 2., 1., nan]]])
    assert boundary_max_pooling(x, segments).flatten().tolist() == [7., 8.]
