"""The pinned OpenMMLab stack: versions, compiled ops, loud checks."""
import importlib.metadata

import pytest
import torch

from mmgaf.utils import version_check


def test_installed_stack_passes_the_check():
    version_check.check_versions()
    import mmaction
    import mmcv
    import mmdet
    import mmengine
    assert mmengine.__version__ == '0.10.7'
    assert mmcv.__version__ == '2.0.1'
    assert mmaction.__version__ == '1.1.0'
    assert mmdet.__version__ == '3.1.0'


def test_mmdet_models_and_compiled_ops_work_on_cpu():
    import mmdet.models  # noqa: F401  (needs mmcv._ext)
    from mmcv.ops import nms
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.],
                          [20., 20., 30., 30.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    kept, indices = nms(boxes, scores, iou_threshold=0.5)
    assert indices.tolist() == [0, 2]


@pytest.mark.parametrize('version,expected', [('2.13.0+cpu', (2, 13, 0)),
                                              ('1.1.0', (1, 1, 0)),
                                              ('2.0.0rc4', (2, 0, 0)),
                                              ('0.10.7.post1', (0, 10, 7))])
def test_release_tuple(version, expected):
    assert version_check.release_tuple(version) == expected


def test_check_names_what_to_install(monkeypatch):
    fake = dict(
        torch='2.13.0',
        mmengine='0.10.7',
        mmcv=None,
        mmaction2='1.2.0',
        mmdet='3.1.0')
    fake['mmcv-lite'] = '2.0.1'

    def installed(name):
        return fake.get(name)

    monkeypatch.setattr(version_check, 'installed_version', installed)
    with pytest.raises(ImportError) as error:
        version_check.check_versions()
    message = str(error.value)
    assert 'mmcv-lite is installed' in message
    assert 'mmcv==2.0.1' in message
    assert 'mmaction2==1.2.0 is installed' in message
    assert 'mmaction2==1.1.0' in message
    assert 'make install' in message
    assert 'mmdet==' not in message


def test_check_detects_mmcv_without_ops(monkeypatch):
    monkeypatch.setattr(version_check.importlib.util, 'find_spec',
                        lambda name: None)
    with pytest.raises(ImportError, match='compiled ops'):
        version_check.check_versions()


def test_every_module_of_the_three_packages_registers():
    from mmgaf.utils import register_all_modules
    register_all_modules()
    from mmgaf.registry import METRICS, MODELS, TRANSFORMS
    assert MODELS.get('Recognizer3D').__module__.startswith('mmaction')
    assert MODELS.get('mmdet.FocalLoss').__module__.startswith('mmdet')
    assert TRANSFORMS.get('DecordInit').__module__.startswith('mmaction')
    assert METRICS.get('AccMetric').__module__.startswith('mmaction')
    assert importlib.metadata.version('mmgaf')
