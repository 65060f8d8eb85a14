"""infer_video_attention: λ of a whole video from overlapping windows, as
the demo draws it."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from mmgaf.apis import infer_video_attention
from mmgaf.datasets.synthetic import SyntheticTAD
from mmgaf.registry import DATASETS, MODELS

VIDEO = 'validation_0000'


@pytest.fixture(scope='module')
def setting(repo_root, tmp_path_factory):
    data_root = str(tmp_path_factory.mktemp('synthetic'))
    SyntheticTAD(seed=0).write(data_root, dict(validation=2))
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'gaf', 'afsd_gaf_synthetic.py'))
    # windows of 128 steps every 64 (and one ending at the video end):
    # inner steps lie in two or three windows
    dataset = DATASETS.build(
        dict(cfg.val_dataloader.dataset, data_root=data_root))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return cfg, dataset, model


def window_attention(model, dataset, index):
    data = model.data_preprocessor(pseudo_collate([dataset[index]]), False)
    with torch.no_grad():
        return model.neck.attend(model.extract_feat(
            data['inputs']))[0].attention[0].numpy()


def test_overlapping_windows_are_averaged(setting):
    _, dataset, model = setting
    times, curves = infer_video_attention(model, dataset, VIDEO)

    infos = [(index, dataset.get_data_info(index))
             for index in range(len(dataset))
             if dataset.get_data_info(index)['video_name'] == VIDEO]
    assert len(infos) >= 3
    num_steps = infos[0][1]['num_steps']
    per_step = [[] for _ in range(num_steps)]
    for index, info in infos:
        attention = window_attention(model, dataset, index)
        for offset in range(info['valid_len']):
            per_step[info['window_start'] + offset].append(attention[offset])
    assert max(len(values) for values in per_step) >= 2
    expected = np.array([np.mean(values) for values in per_step])

    assert list(curves) == ['level 0']
    np.testing.assert_allclose(curves['level 0'], expected, atol=1e-5)
    # seconds of every step, evenly spaced from the first window's start
    first = infos[0][1]
    assert len(times) == num_steps
    np.testing.assert_allclose(np.diff(times), first['time_scale'])
    assert times[0] == pytest.approx(first['time_shift'])


def test_unknown_video_and_model_without_gaf(setting, repo_root):
    _, dataset, model = setting
    with pytest.raises(KeyError, match='no_such_video'):
        infer_video_attention(model, dataset, 'no_such_video')
    afsd = MODELS.build(
        Config.fromfile(
            osp.join(repo_root, 'configs', 'afsd', 'afsd_synthetic.py')).model)
    with pytest.raises(TypeError, match='no GAF neck'):
        infer_video_attention(afsd, dataset, VIDEO)
