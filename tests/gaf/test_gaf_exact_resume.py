"""An interrupted GAF run resumed with ``--resume`` ends exactly where the
uninterrupted run ends: weights, both optimizers, phase, L_R ramp and the
random streams of the conditional VAE (z ~ q(z | f, λ) is drawn with
``torch.randn_like`` every step)."""
import pytest
import torch
from mmengine.hooks import Hook
from test_gaf_training import make_runner


class Interrupt(Hook):
    """Raises at the given (epoch, iteration in epoch): a kill, after the
    last epoch checkpoint was written."""

    def __init__(self, epoch, batch_idx):
        self.at = (epoch, batch_idx)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if (runner.epoch, batch_idx) == self.at:
            raise KeyboardInterrupt('killed')


def final_state(runner):
    weights = {k: v.clone() for k, v in runner.model.state_dict().items()}
    optim = runner.optim_wrapper.state_dict()
    return weights, optim, runner.message_hub.get_info('gaf_phase')


def assert_same(a, b):
    weights_a, optim_a, phase_a = a
    weights_b, optim_b, phase_b = b
    assert weights_a.keys() == weights_b.keys()
    for key in weights_a:
        assert torch.equal(weights_a[key], weights_b[key]), key
    for phase in ('frame', 'segment'):
        state_a = optim_a[phase]['state']
        state_b = optim_b[phase]['state']
        assert state_a.keys() == state_b.keys()
        for index in state_a:
            for name, value in state_a[index].items():
                assert torch.equal(value,
                                   state_b[index][name]), (phase, index, name)
    assert phase_a == phase_b == 'segment'


def run(work_dir, max_epochs, interrupt=None, resume=False, random_state=True):
    hooks = [dict(type='GAFAlternatingHook')]
    if interrupt is not None:
        hooks.append(Interrupt(*interrupt))
    runner = make_runner(
        str(work_dir),
        max_epochs,
        hooks,
        resume=resume,
        random_state=random_state)
    if interrupt is None:
        runner.train()
        return final_state(runner)
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    return None


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    return run(tmp_path_factory.mktemp('straight'), 4)


@pytest.mark.parametrize(
    'interrupt', [(2, 0), (2, 1)], ids=['at an epoch boundary', 'mid-epoch'])
def test_resume_is_exact(tmp_path, uninterrupted, interrupt):
    run(tmp_path, 4, interrupt=interrupt)
    # another process would start with other random streams
    torch.manual_seed(12345)
    resumed = run(tmp_path, 4, resume=True)
    assert_same(uninterrupted, resumed)


def test_without_the_random_state_resume_drifts(tmp_path, uninterrupted):
    """The control that shows the test above can fail: GAF draws random
    numbers, and without restoring their state the resumed run differs."""
    run(tmp_path, 4, interrupt=(2, 0), random_state=False)
    torch.manual_seed(12345)
    resumed = run(tmp_path, 4, resume=True, random_state=False)
    with pytest.raises(AssertionError):
        assert_same(uninterrupted, resumed)
