from typing import Dict, List, Tuple

import numpy as np
import torch
from mmengine.dataset import BaseDataset, pseudo_collate
from mmengine.model import BaseModel


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
def infer_video_attention(
        model: BaseModel, dataset: BaseDataset,
        video_name: str) -> Tuple[np.ndarray, Dict[str, np.ndarray]]:
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
        data = model.data_preprocessor(pseudo_collate([dataset[index]]),
                                       False)
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
                out.attention[:, None], size=meta['window_size'],
                mode='linear', align_corners=False)[0, 0, :valid]
            sums[level, start:start + valid] += attention.cpu().numpy()
        counts[start:start + valid] += 1
    covered = counts > 0
    return times[covered], {
        f'level {level}': sums[level, covered] / counts[covered]
        for level in range(len(sums))
    }
