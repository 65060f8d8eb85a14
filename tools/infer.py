"""Detect the actions of videos or of their features with a checkpoint.

    python tools/infer.py CONFIG CHECKPOINT INPUT [--out DIR]
        [--device cpu|cuda] [--score-thr S] [--top-k K]
        [--cfg-options KEY=VALUE ...]

INPUT is a video file, a features ``.npy`` (in the layout of the config's
test dataset), or a folder of them (not recursive; other files are
ignored). For videos, I3D features are extracted with the config's
``feature_extractor`` and the test dataset's timing (``fps``,
``feature_stride``, ``feature_clip_len``) and cached under
``DIR/feature_cache/`` (keyed by the file's path, time, size and the
settings), so a second run over the same video starts at once. The detector
runs over the test dataset's sliding windows, merged and suppressed as its
``TADMetric`` does (``mmgaf.apis.inference_detector``). Per video, DIR
receives:

- ``<video>.json``: ``{"video", "duration", "detections": [{"label",
  "score", "start", "end"}]}``, seconds, by descending score, those scoring
  at least ``--score-thr``;
- ``<video>_timeline.png``: the best ``--top-k`` detections, one row per
  class;
- ``<video>_attention.png``: GAF's attention λ over the video (GAF models).

A bad input (missing, not a video, shorter than one feature clip, features
of the wrong size) is reported by name; the other inputs are still done,
and the exit status is then 1.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List

from mmengine.config import DictAction
from mmengine.utils import ProgressBar

from mmgaf.apis import inference_detector, init_detector
from mmgaf.apis.feature_extraction import VIDEO_EXTENSIONS
from mmgaf.utils import register_all_modules
from mmgaf.visualization import draw_attention_curve, draw_class_timeline


def parse_args():
    parser = argparse.ArgumentParser(
        description='Detect actions in videos or features with mmgaf')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        'input',
        help='a video, a features .npy, or a folder of videos and/or .npy')
    parser.add_argument(
        '--out', default='work_dirs/infer', help='where the results go')
    parser.add_argument(
        '--device', default='cpu', help='torch device, e.g. cpu or cuda')
    parser.add_argument(
        '--score-thr',
        type=float,
        default=0.,
        help='detections scoring below it are left out of the outputs '
        '(after merging, which stays as the config\'s TADMetric)')
    parser.add_argument(
        '--top-k',
        type=int,
        default=20,
        help='detections drawn on the timeline')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. '
        'feature_extractor.checkpoint=i3d.pth')
    return parser.parse_args()


def list_inputs(path: str) -> List[str]:
    """The inputs named by ``path``: itself, or a folder's videos and
    ``.npy`` files, sorted."""
    if not osp.isdir(path):
        return [path]
    inputs = sorted(
        osp.join(path, name) for name in os.listdir(path)
        if name.lower().endswith(VIDEO_EXTENSIONS + ('.npy', ))
        and osp.isfile(osp.join(path, name)))
    if not inputs:
        raise FileNotFoundError(
            f'{path}: no video ({", ".join(VIDEO_EXTENSIONS)}) and no .npy '
            'features in the folder')
    return inputs


def write_outputs(result: dict, out_dir: str, score_thr: float, top_k: int,
                  classes) -> None:
    """The JSON of a video's detections and its pictures."""
    name = result['video_name']
    keep = result['scores'] >= score_thr
    detections = [
        dict(
            label=label,
            score=float(score),
            start=float(start),
            end=float(end)) for label, score, (start, end) in zip(
                [n for n, k in zip(result['label_names'], keep)
                 if k], result['scores'][keep], result['segments'][keep])
    ]
    with open(osp.join(out_dir, f'{name}.json'), 'w') as file:
        json.dump(
            dict(
                video=name, duration=result['duration'],
                detections=detections),
            file,
            indent=1)
    draw_class_timeline(
        pred_segments=result['segments'][keep],
        pred_labels=result['labels'][keep],
        pred_scores=result['scores'][keep],
        duration=result['duration'],
        class_names=classes,
        top_k=top_k,
        title=name,
        out_file=osp.join(out_dir, f'{name}_timeline.png'))
    if 'attention' in result:
        times, curves = result['attention']
        draw_attention_curve(
            times,
            curves,
            gt_segments=[],
            duration=result['duration'],
            title=name,
            out_file=osp.join(out_dir, f'{name}_attention.png'))


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    try:
        inputs = list_inputs(args.input)
    except FileNotFoundError as error:
        sys.exit(str(error))
    model = init_detector(
        args.config,
        args.checkpoint,
        device=args.device,
        cfg_options=args.cfg_options)
    classes = model.dataset_meta.get('classes', ())
    with_attention = hasattr(getattr(model, 'neck', None), 'attend')
    os.makedirs(args.out, exist_ok=True)
    cache_dir = osp.join(args.out, 'feature_cache')

    failures = []
    progress = ProgressBar(len(inputs))
    for path in inputs:
        try:
            result = inference_detector(
                model,
                path,
                cache_dir=cache_dir,
                return_attention=with_attention)
            write_outputs(result, args.out, args.score_thr, args.top_k,
                          classes)
        except (OSError, RuntimeError, ValueError) as error:
            # one bad input must not stop the others; the errors name it
            message = str(error)
            failures.append(message if path in
                            message else f'{path}: {message}')
        progress.update()
    print(f'\n{len(inputs) - len(failures)} of {len(inputs)} inputs done; '
          f'results in {args.out}')
    if failures:
        print('Failed inputs:', *failures, sep='\n  ', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
