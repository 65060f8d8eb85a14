"""The original AFSD's ``BDNet`` weights as mmgaf's :class:`AFSD` weights.

AFSD (github.com/TencentYoutuResearch/ActionDetection-AFSD) saves
``BDNet.state_dict()``: its PyTorch I3D under ``backbone._model.`` and the
detector under ``coarse_pyramid_detection.``. Every tensor keeps its values;
only the names change, and AFSD's per-level ``ScaleExp`` scales of shape (1,)
become MMCV ``Scale`` scalars. The class channels keep their order: AFSD's
channel 0 is the background, as mmgaf's with ``use_background_class``.

Three layouts (:data:`VARIANTS`): ``'thumos14'``
(``AFSD/thumos14/BDNet.py``: Mixed_4f and Mixed_5c reduced by 1x6x6 and
1x3x3 convolutions, then four stride-2 levels), ``'activitynet'``
(``AFSD/anet/BDNet.py``: Mixed_5c only, reduced by a 1x3x3 convolution, then
five stride-2 levels), and ``'i3d'``: the PyTorch I3D weights AFSD starts
from (``rgb_imagenet.pt``, ``flow_imagenet.pt`` of piergiaj's pytorch-i3d,
keys without the ``backbone._model.`` prefix), to mmgaf's
:class:`InceptionI3d` keys (for its ``init_cfg``, no ``backbone.`` prefix).
"""
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Tuple

from torch import Tensor

#: AFSD layouts the converter knows.
VARIANTS = ('thumos14', 'activitynet', 'i3d')

# AFSD's I3D branch names (piergiaj's pytorch-i3d) -> mmgaf's InceptionI3d.
_BRANCHES = {
    'b0': 'branch0_0a',
    'b1a': 'branch1_0a',
    'b1b': 'branch1_0b',
    'b2a': 'branch2_0a',
    'b2b': 'branch2_0b',
    'b3b': 'branch3_0b',
}
# ProposalBranch's convolutions -> AFSDProposalBranch's.
_PROPOSAL_CONVS = {
    'cur_point_conv': 'point_conv',
    'lr_conv': 'boundary_conv',
    'roi_conv': 'frame_conv',
    'proposal_conv': 'fuse_conv',
}
# AFSD's conv + GroupNorm + ReLU ``nn.Sequential``: index 0 is the conv
# (wrapped in Unit1D / Unit3D), index 1 the GroupNorm.
_UNIT = r'(?:0\.conv[13]d|1)'


def _unit(index: str) -> str:
    return 'conv' if index.startswith('0') else 'gn'


def _rules(variant: str) -> List[Tuple[str, Callable]]:
    """(pattern, match -> mmgaf name) for every AFSD parameter."""
    # Stride-2 levels start after the one (ActivityNet) or two (THUMOS14)
    # levels reduced from the backbone.
    first_downsample = 1 if variant == 'activitynet' else 2

    def pyramid(m):
        i = int(m.group(1))
        part = _unit(m.group(2))
        if i < first_downsample:
            return f'pyramid.input_convs.{i}.{part}.{m.group(3)}'
        return (f'pyramid.downsample_convs.{i - first_downsample}.{part}.'
                f'{m.group(3)}')

    return [
        (r'backbone\._model\.(Conv3d_\w+)\.(conv3d|bn)\.(\w+)',
         lambda m: f'backbone.{m.group(1).lower()}.'
         f'{"conv" if m.group(2) == "conv3d" else "bn"}.{m.group(3)}'),
        (r'backbone\._model\.logits\.conv3d\.(weight|bias)',
         lambda m: f'backbone.logits.conv.{m.group(1)}'),
        (r'backbone\._model\.(Mixed_\w+)\.(b0|b1a|b1b|b2a|b2b|b3b)\.'
         r'(conv3d|bn)\.(\w+)',
         lambda m: f'backbone.{m.group(1).lower()}.{_BRANCHES[m.group(2)]}.'
         f'{"conv" if m.group(3) == "conv3d" else "bn"}.{m.group(4)}'),
        (rf'pyramids\.(\d+)\.({_UNIT})\.(weight|bias)', pyramid),
        # deconv: three (Unit1D, GroupNorm, ReLU) triples in one Sequential.
        (r'deconv\.([0-8])\.(?:conv1d\.)?(weight|bias)',
         lambda m: f'pyramid.frame_convs.{int(m.group(1)) // 3}.'
         f'{"conv" if int(m.group(1)) % 3 == 0 else "gn"}.{m.group(2)}'),
        (rf'(loc|conf)_tower\.(\d+)\.({_UNIT})\.(weight|bias)',
         lambda m: f'coarse_head.{"cls" if m.group(1) == "conf" else "loc"}'
         f'_tower.{m.group(2)}.{_unit(m.group(3))}.{m.group(4)}'),
        (r'loc_head\.conv1d\.(weight|bias)',
         lambda m: f'coarse_head.conv_loc.{m.group(1)}'),
        (r'conf_head\.conv1d\.(weight|bias)',
         lambda m: f'coarse_head.conv_cls.{m.group(1)}'),
        (r'loc_heads\.(\d+)\.scale',
         lambda m: f'coarse_head.scales.{m.group(1)}.scale'),
        (r'(loc|conf)_proposal_branch\.(cur_point_conv|lr_conv|roi_conv|'
         rf'proposal_conv)\.({_UNIT})\.(weight|bias)',
         lambda m: f'refine_head.{"cls" if m.group(1) == "conf" else "loc"}'
         f'_branch.{_PROPOSAL_CONVS[m.group(2)]}.{_unit(m.group(3))}.'
         f'{m.group(4)}'),
        (r'prop_loc_head\.conv1d\.(weight|bias)',
         lambda m: f'refine_head.conv_loc.{m.group(1)}'),
        (r'prop_conf_head\.conv1d\.(weight|bias)',
         lambda m: f'refine_head.conv_cls.{m.group(1)}'),
        (r'center_head\.conv1d\.(weight|bias)',
         lambda m: f'refine_head.conv_centerness.{m.group(1)}'),
    ]


def detect_variant(state_dict: Dict[str, Tensor]) -> str:
    """``'thumos14'`` or ``'activitynet'`` from the first pyramid
    convolution: AFSD's THUMOS14 model reduces Mixed_4f (832 channels, 1x6x6
    kernel) there, its ActivityNet model Mixed_5c (1024, 1x3x3); ``'i3d'``
    for a bare pytorch-i3d state dict."""
    key = 'coarse_pyramid_detection.pyramids.0.0.conv3d.weight'
    state_dict = _strip_module(state_dict)
    weight = state_dict.get(key)
    if weight is None:
        if 'Conv3d_1a_7x7.conv3d.weight' in state_dict:
            return 'i3d'
        raise KeyError(f'neither an AFSD BDNet state_dict (no {key}) nor '
                       'its I3D (no Conv3d_1a_7x7.conv3d.weight)')
    shape = tuple(weight.shape[1:])
    if shape == (832, 1, 6, 6):
        return 'thumos14'
    if shape == (1024, 1, 3, 3):
        return 'activitynet'
    raise ValueError(f'{key} has shape {tuple(weight.shape)}: neither '
                     "AFSD's THUMOS14 (832, 1, 6, 6) nor its ActivityNet "
                     '(1024, 1, 3, 3) layout')


def _strip_module(state_dict: Dict[str, Tensor]) -> Dict[str, Tensor]:
    # nn.DataParallel's prefix, which AFSD's own saves avoid (.module) but
    # other copies of its checkpoints carry.
    return OrderedDict(
        (key[len('module.'):] if key.startswith('module.') else key, value)
        for key, value in state_dict.items())


def afsd_to_mmgaf(state_dict: Dict[str, Tensor],
                  variant: Optional[str] = None,
                  expected_keys: Optional[List[str]] = None
                  ) -> 'OrderedDict[str, Tensor]':
    """Rename an AFSD ``BDNet`` state dict to mmgaf's :class:`AFSD`.

    Args:
        state_dict (dict[str, Tensor]): ``BDNet.state_dict()`` (or, for
            ``'i3d'``, pytorch-i3d's ``InceptionI3d.state_dict()``), with or
            without ``nn.DataParallel``'s ``module.`` prefix.
        variant (str, optional): One of :data:`VARIANTS`; None detects it
            (:func:`detect_variant`). Defaults to None.
        expected_keys (list[str], optional): The keys of the target model's
            state dict; when given, missing or unexpected keys are refused.

    Returns:
        OrderedDict[str, Tensor]: mmgaf's state dict, the same tensors.

    Raises:
        KeyError: Naming the AFSD keys it cannot place, or (with
            ``expected_keys``) the mmgaf keys missing or left over.
    """
    state_dict = _strip_module(state_dict)
    if variant is None:
        variant = detect_variant(state_dict)
    if variant not in VARIANTS:
        raise ValueError(f'variant must be one of {VARIANTS}, got '
                         f'{variant!r}')
    rules = [(re.compile(pattern), rename)
             for pattern, rename in _rules(variant)]
    if variant == 'i3d':
        # the layout of BDNet's backbone, without its prefix
        state_dict = OrderedDict((f'backbone._model.{key}', value)
                                 for key, value in state_dict.items())
    converted, unknown = OrderedDict(), []
    for key, value in state_dict.items():
        name = key.replace('coarse_pyramid_detection.', '', 1) \
            if key.startswith('coarse_pyramid_detection.') else key
        for pattern, rename in rules:
            match = pattern.fullmatch(name)
            if match:
                if name.startswith('loc_heads.'):
                    # ScaleExp's (1,) parameter; MMCV's Scale holds a scalar.
                    value = value.reshape(())
                converted[rename(match)] = value
                break
        else:
            unknown.append(key)
    if variant == 'i3d':
        unknown = [key[len('backbone._model.'):] for key in unknown]
        converted = OrderedDict((key[len('backbone.'):], value)
                                for key, value in converted.items()
                                if key.startswith('backbone.'))
    if unknown:
        raise KeyError(f'{len(unknown)} keys of the AFSD {variant} '
                       f'checkpoint have no place in mmgaf: {unknown}')
    if expected_keys is not None:
        check_keys(converted, expected_keys)
    return converted


def check_keys(converted: Dict[str, Tensor], expected_keys: List[str]) -> None:
    """Refuse, naming them, the keys of the model that ``converted``
    misses and those it has beyond the model's."""
    missing = sorted(set(expected_keys) - set(converted))
    extra = sorted(set(converted) - set(expected_keys))
    if missing or extra:
        raise KeyError('the converted AFSD checkpoint does not match the '
                       f'model: missing {missing}, unexpected {extra}')
