"""The boundary-contrastive augmentation: AFSD's ``THUMOS_Dataset.augment_``
(``get_bg``) against :class:`BoundaryContrast`, drawing the same random
choices.

AFSD draws with ``random.choice``; here it draws ``seq[np.random.randint(
len(seq))]``, as the transform does, and both start from the same seed, so
that every choice (the action, the split step, the background region, its
first step) is the same. Outputs must be identical: the window, the three
segments (as float32) and the flag.
"""
import math
import random

import numpy as np
import pytest
import torch

from mmgaf.datasets.transforms import BoundaryContrast

WINDOW = 256


def choice(seq):
    """``random.choice`` drawing from numpy's generator, as the transform."""
    if len(seq) == 0:
        raise IndexError('Cannot choose from an empty sequence')
    return seq[np.random.randint(len(seq))]


def original_augment(module, dataset_class, window):
    """``augment_`` of AFSD's dataset class for ``window``-frame clips,
    drawing with :func:`choice`."""
    dataset = object.__new__(getattr(module, dataset_class))
    dataset.clip_length = window

    def augment(inputs, annos, th):
        assert module.random is random
        saved = module.random.choice
        module.random.choice = choice
        try:
            return dataset.augment_(inputs, annos, th)
        finally:
            module.random.choice = saved

    return augment


@pytest.fixture(scope='module')
def afsd_augment(afsd_reference):
    """THUMOS14's ``augment_`` (``thumos_dataset.py``)."""
    module = afsd_reference.module('common.thumos_dataset')
    return original_augment(module, 'THUMOS_Dataset', WINDOW)


def random_window(rng, window=WINDOW):
    """Instances in AFSD's window frames [1, window] (float32-exact values,
    so that mmgaf's float32 ground truth holds the same numbers), some
    overlapping, and a th no longer than the shortest."""
    count = rng.integers(1, 6)
    starts = rng.integers(4, 4 * window - 24, count) / 4
    lengths = rng.integers(4, 480 * window // WINDOW, count) / 4
    segments = np.stack([starts, np.minimum(starts + lengths, window)], 1)
    segments = segments[segments[:, 1] > segments[:, 0]]
    shortest = (segments[:, 1] - segments[:, 0]).min()
    th = int(rng.integers(1, max(2, int(np.ceil(shortest)) + 1)))
    return segments, th


@pytest.mark.parametrize('frames', [False, True])
def test_same_choices_same_outputs(afsd_augment, frames):
    rng = np.random.default_rng(0)
    transform = BoundaryContrast()
    outcomes = {True: 0, False: 0}
    for case in range(300):
        segments, th = random_window(rng)
        annos = [[float(s), float(e), 1] for s, e in segments]
        valid_len = int(rng.integers(200, WINDOW + 1))
        shape = (3, valid_len, 2, 2) if frames else (4, valid_len)
        steps = rng.standard_normal(shape).astype(np.float32)
        # AFSD augments the padded clip
        padded = np.zeros(shape[:1] + (WINDOW, ) + shape[2:], np.float32)
        padded[:, :valid_len] = steps

        np.random.seed(case)
        theirs, their_annos, their_flag = afsd_augment(
            torch.from_numpy(padded), annos, th)
        their_state = np.random.get_state()
        np.random.seed(case)
        results = dict(
            window_size=WINDOW,
            valid_len=valid_len,
            gt_segments=segments.astype(np.float32),
            min_gt_len=th)
        if frames:
            results['imgs'] = list(steps.transpose(1, 2, 3, 0))
        else:
            results['feats'] = steps
        ours = transform(results)
        # as many draws: the generator is where AFSD left it
        state = np.random.get_state()
        assert state[2] == their_state[2]
        np.testing.assert_array_equal(state[1], their_state[1])

        assert ours['ssl_valid'] == their_flag
        np.testing.assert_array_equal(ours['ssl_inputs'], theirs.numpy())
        if their_flag:
            np.testing.assert_array_equal(
                ours['ssl_segments'], np.array(their_annos, dtype=np.float32))
        else:
            assert not ours['ssl_segments'].any()
        outcomes[bool(their_flag)] += 1
    # both outcomes occur (no action long enough / no background region)
    assert min(outcomes.values()) > 10, outcomes


def test_activitynet_same_choices_same_outputs(afsd_reference):
    """AFSD's ActivityNet variant (``anet_dataset.py``): 768-frame clips,
    th = floor(shortest) / 4 (``rounding='floor', divisor=4``), actions of
    at least 2 th (``inclusive``), grey padding, and giving up when the
    moved frames do not fit."""
    window = 768
    augment = original_augment(
        afsd_reference.module('common.anet_dataset'), 'ANET_Dataset', window)
    transform = BoundaryContrast(
        rounding='floor', divisor=4, inclusive=True, pad_value=0.5)
    rng = np.random.default_rng(1)
    outcomes = {True: 0, False: 0}
    for case in range(300):
        segments, _ = random_window(rng, window)
        if case % 3 == 1:
            # the window covered by instances: no background region
            bounds = np.sort(rng.choice(np.arange(8, 760), 5, replace=False))
            segments = np.stack([np.r_[0, bounds], np.r_[bounds, 767]], 1)
        elif case % 3 == 2:
            # an instance past the window's end (ActivityNet's are not
            # clipped): a split there leaves no room for the moved frames
            segments = np.array([[20., 60.], [700., 900.]])
        shortest = float((segments[:, 1] - segments[:, 0]).min())
        annos = [[float(s), float(e), 1] for s, e in segments]
        valid_len = int(rng.integers(600, window + 1))
        steps = rng.standard_normal((2, valid_len)).astype(np.float32)
        padded = np.full((2, window), 0.5, np.float32)
        padded[:, :valid_len] = steps

        np.random.seed(case)
        theirs, their_annos, their_flag = augment(
            torch.from_numpy(padded), annos, int(math.floor(shortest) / 4))
        np.random.seed(case)
        ours = transform(
            dict(
                feats=steps,
                window_size=window,
                valid_len=valid_len,
                gt_segments=segments.astype(np.float32),
                min_gt_len=shortest))
        assert ours['ssl_valid'] == their_flag
        np.testing.assert_array_equal(ours['ssl_inputs'], theirs.numpy())
        if their_flag:
            np.testing.assert_array_equal(ours['ssl_segments'],
                                          np.array(their_annos, np.float32))
        outcomes[bool(their_flag)] += 1
    assert min(outcomes.values()) > 10, outcomes
