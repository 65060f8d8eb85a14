"""The main job on the built-in data: AFSD + GAF on the synthetic dataset.

    python tools/demo.py [--config CONFIG] [--work-dir DIR] [--seed N]

1. generates the built-in THUMOS-like dataset into the config's data_root
   (unless it is there already);
2. trains the config (by default AFSD + GAF with the alternating updates);
3. evaluates the trained model on the test subset: the mAP table, and the
   official results JSON;
4. draws a detection timeline and the attention curve of one test video.
"""
import argparse
import json
import os.path as osp
import time

import mmengine
import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

from mmgaf.apis import infer_video_attention
from mmgaf.datasets.synthetic import SyntheticTAD
from mmgaf.utils import register_all_modules
from mmgaf.visualization import draw_attention_curve, draw_detection_timeline


def parse_args():
    parser = argparse.ArgumentParser(
        description='Train and evaluate AFSD + GAF on the built-in dataset')
    parser.add_argument(
        '--config',
        default='configs/gaf/afsd_gaf_synthetic.py',
        help='config to train (its data_root gets the built-in dataset)')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of data and training')
    return parser.parse_args()


def prepare_data(data_root: str, seed: int) -> None:
    if osp.exists(osp.join(data_root, 'annotations.json')):
        print(f'[demo] using the dataset in {data_root}')
        return
    print(f'[demo] generating the built-in dataset into {data_root}')
    SyntheticTAD(seed=seed).write(data_root, progress=True)


def pick_video(ground_truth: dict, subset: str) -> str:
    """The test video with the most action instances."""
    videos = {
        name: video
        for name, video in ground_truth['database'].items()
        if video['subset'] == subset
    }
    return max(videos, key=lambda name: len(videos[name]['annotations']))


def draw_video(runner: Runner, cfg: Config, results_file: str,
               work_dir: str) -> list:
    dataset = runner.test_dataloader.dataset
    classes = dataset.metainfo['classes']
    ground_truth = mmengine.load(dataset.ann_file)
    video_name = pick_video(ground_truth, cfg.test_evaluator.subset)
    video = ground_truth['database'][video_name]
    gt_segments = np.array([ann['segment'] for ann in video['annotations']],
                           dtype=float)
    gt_labels = [classes.index(ann['label']) for ann in video['annotations']]
    detections = mmengine.load(results_file)['results'].get(video_name, [])
    timeline = osp.join(work_dir, f'{video_name}_detections.png')
    draw_detection_timeline(
        gt_segments,
        gt_labels,
        np.array([det['segment'] for det in detections], dtype=float),
        [classes.index(det['label']) for det in detections],
        [det['score'] for det in detections],
        video['duration'],
        classes,
        title=f'{video_name}: ground truth and top detections',
        out_file=timeline)
    times, attention = infer_video_attention(runner.model, dataset, video_name)
    curve = osp.join(work_dir, f'{video_name}_attention.png')
    draw_attention_curve(
        times,
        attention,
        gt_segments,
        video['duration'],
        title=f'{video_name}: GAF attention',
        out_file=curve)
    return [timeline, curve]


def main():
    args = parse_args()
    started = time.time()
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    cfg.work_dir = args.work_dir
    cfg.randomness = dict(seed=args.seed)
    results_file = osp.join(args.work_dir, 'results.json')
    cfg.test_evaluator.out_file = results_file
    prepare_data(cfg.test_dataloader.dataset.data_root, args.seed)

    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    figures = draw_video(runner, cfg, results_file, args.work_dir)

    summary = dict(
        config=args.config,
        metrics={
            key: round(float(value), 4)
            for key, value in metrics.items()
        },
        results=results_file,
        figures=figures,
        minutes=round((time.time() - started) / 60, 1))
    mmengine.dump(summary, osp.join(args.work_dir, 'summary.json'), indent=2)
    print('[demo] ' + json.dumps(summary, indent=2))


if __name__ == '__main__':
    main()
