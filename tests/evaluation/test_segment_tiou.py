import numpy as np
import pytest

from mmgaf.evaluation.functional import segment_tiou


def test_pairwise_values():
    a = np.array([[0., 10.], [2., 4.]])
    b = np.array([[0., 10.], [5., 15.], [10., 20.], [3., 3.]])
    # [0,10] vs [5,15]: 5 / 15; touching [10,20]: 0; the point 3: 0.
    # [2,4] vs [0,10]: 2 / 10; vs [5,15]: 0.
    expected = np.array([[1., 1 / 3, 0., 0.], [0.2, 0., 0., 0.]])
    np.testing.assert_allclose(
        segment_tiou(a, b), expected, rtol=0, atol=1e-15)


def test_aligned_and_symmetric():
    a = np.array([[0., 4.], [1., 2.], [3., 3.]])
    b = np.array([[2., 6.], [0., 10.], [3., 3.]])
    # 2 / 6, 1 / 10, and two identical points: empty union, tIoU 0.
    np.testing.assert_allclose(
        segment_tiou(a, b, is_aligned=True), [1 / 3, 0.1, 0.])
    pairwise = segment_tiou(a, b)
    assert pairwise.shape == (3, 3)
    np.testing.assert_array_equal(pairwise, segment_tiou(b, a).T)
    np.testing.assert_array_equal(
        np.diag(pairwise), segment_tiou(a, b, is_aligned=True))


def test_empty_and_bad_shapes():
    assert segment_tiou(np.zeros((0, 2)), np.ones((3, 2))).shape == (0, 3)
    with pytest.raises(ValueError, match='segments1 must have shape'):
        segment_tiou(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match='as many rows'):
        segment_tiou(np.zeros((2, 2)), np.zeros((3, 2)), is_aligned=True)
