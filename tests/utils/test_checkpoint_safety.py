"""No code runs from a checkpoint.

The hand-written pickles below reach ``exec`` from globals that a careless
allow-list admits: ``getattr`` walks from an allow-listed class to its
module's ``__builtins__``, and torch's own ``_rebuild_from_type_v2`` calls
whatever it is handed. Loading each must fail before the payload runs,
while MMEngine's checkpoints (message hub and all) still load.
"""
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner import CheckpointLoader

from mmgaf.utils.checkpoint_compat import (history_buffer_attribute,
                                           load_checkpoint_safely)


class _Reduce:
    """Pickles as ``func(*args)``."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _getattr(obj, name):
    return _Reduce(getattr, obj, name)


def _call(func, *args, result_type):
    """``func(*args)`` through torch's allow-listed tensor rebuild."""
    return _Reduce(torch._tensor._rebuild_from_type_v2, func, result_type,
                   args, None)


def _exec_payload(marker: str):
    """The chain of the reported exploit: HistoryBuffer.__init__ ->
    __globals__ -> __builtins__ -> exec(code)."""
    dict_type = _getattr(
        _getattr(HistoryBuffer.__init__, '__globals__'), '__class__')
    module_globals = _getattr(HistoryBuffer.__init__, '__globals__')
    builtins_dict = _call(
        _getattr(module_globals, 'get'), '__builtins__', result_type=dict_type)
    exec_fn = _call(
        _getattr(builtins_dict, 'get'),
        'exec',
        result_type=_getattr(_getattr(builtins_dict, 'get'), '__class__'))
    code = f'open({marker!r}, "w").write("ran")'
    return {
        'state_dict': {},
        'message_hub':
        _call(exec_fn, code, result_type=_getattr(None, '__class__')),
    }


def _save_pickle_checkpoint(obj, path):
    # torch.save pickles with protocol 2, as a real checkpoint would be.
    torch.save(obj, path, pickle_protocol=2)


@pytest.mark.parametrize('loader', ['torch', 'mmengine', 'mmgaf'])
def test_crafted_checkpoint_runs_no_code(tmp_path, loader):
    marker = str(tmp_path / 'pwned')
    path = str(tmp_path / 'evil.pth')
    _save_pickle_checkpoint(_exec_payload(marker), path)
    with pytest.raises(pickle.UnpicklingError):
        if loader == 'torch':
            torch.load(path)
        elif loader == 'mmengine':
            CheckpointLoader.load_checkpoint(path, map_location='cpu')
        else:
            load_checkpoint_safely(path)
    assert not osp.exists(marker), 'the payload ran'


@pytest.mark.parametrize('name', [
    '__init__', '__globals__', '__class__', '__dict__', 'statistics',
    '_set_default'
])
def test_getattr_stand_in_reaches_statistics_only(name):
    with pytest.raises(pickle.UnpicklingError, match=name):
        history_buffer_attribute(HistoryBuffer, name)
    with pytest.raises(pickle.UnpicklingError, match='HistoryBuffer'):
        history_buffer_attribute(dict, 'get')


def test_plain_reduce_payload_is_refused(tmp_path):
    marker = str(tmp_path / 'pwned')

    class Evil:

        def __reduce__(self):
            return exec, (f'open({marker!r}, "w").write("ran")', )

    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': Evil()}, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)
    assert not osp.exists(marker)


def test_mmengine_checkpoint_still_loads(tmp_path):
    hub = MessageHub.get_instance('test_mmengine_checkpoint_still_loads')
    for value in (1.5, np.float64(2.5), 3):
        hub.update_scalar('train/loss', value)
    hub.update_info('iter', 3)
    hub.update_info('lr', np.float32(0.1))
    path = str(tmp_path / 'epoch_1.pth')
    torch.save(
        dict(
            meta=dict(
                epoch=1, iter=3, seed=0,
                dataset_meta=dict(classes=('a', 'b'))),
            state_dict={'w': torch.ones(2)},
            message_hub=hub.state_dict()), path)
    for checkpoint in (torch.load(path),
                       CheckpointLoader.load_checkpoint(path, 'cpu'),
                       load_checkpoint_safely(path)):
        buffers = checkpoint['message_hub']['log_scalars']
        assert buffers['train/loss'].mean() == pytest.approx(7 / 3)
        assert buffers['train/loss'].current() == 3
        restored = MessageHub.get_instance('restored')
        restored.load_state_dict(checkpoint['message_hub'])
        assert restored.get_scalar('train/loss').max() == 3
        assert checkpoint['state_dict']['w'].tolist() == [1., 1.]
