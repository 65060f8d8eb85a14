"""mmgaf's registries: children of MMAction2's, scope 'mmgaf'."""
import pytest
from mmengine.registry import DefaultScope

from mmgaf import registry


@pytest.mark.parametrize('name', registry.__all__)
def test_every_registry_is_a_child_of_mmaction(name):
    import mmaction.registry as mmaction_registry
    node = getattr(registry, name)
    assert node.scope == 'mmgaf'
    assert node.parent is getattr(mmaction_registry, name)
    assert node.parent.children['mmgaf'] is node


def test_building_in_the_mmgaf_scope_reaches_all_packages():
    from mmgaf.registry import HOOKS, MODELS
    with DefaultScope.overwrite_default_scope('mmgaf'):
        neck = MODELS.build(
            dict(
                type='GAFNeck',
                in_channels=32,
                attention=dict(type='SegmentAttention', hidden_channels=32),
                cvae=None))
        head = MODELS.build(
            dict(type='I3DHead', num_classes=3, in_channels=32))
        focal = MODELS.build(dict(type='mmdet.FocalLoss', use_sigmoid=True))
        hook = HOOKS.build(dict(type='GAFAlternatingHook'))
        checkpoint_hook = HOOKS.build(dict(type='CheckpointHook'))
    assert type(neck).__module__ == 'mmgaf.models.necks.gaf'
    assert type(head).__module__.startswith('mmaction.')
    assert type(focal).__module__.startswith('mmdet.')
    assert type(hook).__module__.startswith('mmgaf.')
    assert type(checkpoint_hook).__module__.startswith('mmengine.')


def test_mmaction_scope_reaches_mmgaf_with_scope_key():
    from mmaction.registry import MODELS as MMACTION_MODELS
    with DefaultScope.overwrite_default_scope('mmaction'):
        neck = MMACTION_MODELS.build(
            dict(
                type='GAFNeck',
                _scope_='mmgaf',
                in_channels=32,
                attention=dict(type='SegmentAttention', hidden_channels=32),
                cvae=None))
    assert type(neck).__name__ == 'GAFNeck'
