"""AFSD's whole test-time path (``AFSD/thumos14/test.py``) against mmgaf's
post-processor, window merging and metric output, from the same raw outputs
to the same detections JSON.

``test.py`` does everything inline in its ``__main__``; :func:`afsd_video`
below transcribes those lines (quoted) and calls AFSD's own
``softnms_v2``, ``get_video_info`` and ``get_class_index_map``. The raw
outputs are random, shaped and ranged as ``BDNet`` returns them for one
256-frame clip: ``loc`` (1, P, 2) positive (``ScaleExp``), ``conf`` /
``prop_conf`` (1, P, 21) logits with the background at 0, ``prop_loc``
(1, P, 2), ``center`` (1, P, 1), ``priors`` (1, P, 1) = ``(c + 0.5) / t``
per level, P = 64 + 32 + 16 + 8 + 4 + 2.
"""
import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmgaf.datasets.windowing import sliding_window_starts
from mmgaf.evaluation import TADMetric
from mmgaf.models.heads import AFSDCoarseHead, AFSDPostProcessor
from mmgaf.models.task_modules import batched_segment_soft_nms
from mmgaf.structures import TADDataSample

# configs/thumos14.yaml
NUM_CLASSES = 21
CONF_THRESH = 0.01
TOP_K = 5000
NMS_SIGMA = 0.5
CLIP_LENGTH = 256
STRIDE = 128
LEVELS = [64, 32, 16, 8, 4, 2]
# Real test videos: 149 sampled frames (shorter than a clip: its
# detections reach into the padding), 337 (clips at 0 and 81, the last
# aligned to the end) and 469 (0, 128, 213).
VIDEOS = ('video_test_0000062', 'video_test_0000004', 'video_test_0000242')

AFSD_POST_PROCESSOR = dict(
    score='softmax',
    score_thr=CONF_THRESH,
    max_per_window=None,
    clamp='window')
AFSD_MERGING = dict(
    nms_cfg=dict(
        type='soft_nms',
        sigma=NMS_SIGMA,
        min_score=0.001,
        max_per_class=TOP_K,
        keep_last=False),
    max_per_video=-1,
    clip_to_duration=False)


@pytest.fixture(scope='module')
def afsd(afsd_reference, shared_data):
    root = osp.join(shared_data, 'thumos14')
    dataset = afsd_reference.module('common.thumos_dataset')
    segment_utils = afsd_reference.module('common.segment_utils')
    video_infos = dataset.get_video_info(osp.join(root, 'test_video_info.csv'))
    _, idx_to_class = dataset.get_class_index_map(
        osp.join(root, 'class_index_detection.txt'))
    return dict(
        video_infos=video_infos,
        idx_to_class=idx_to_class,
        softnms_v2=segment_utils.softnms_v2,
        gt_file=osp.join(root, 'thumos_gt.json'))


def afsd_priors():
    """``CoarsePyramid.__init__``: ``self.priors.append(torch.Tensor([[(c +
    0.5) / t] for c in range(t)]).view(-1, 1))``, ``t = t // 2``."""
    return torch.cat([
        torch.Tensor([[(c + 0.5) / t] for c in range(t)]).view(-1, 1)
        for t in LEVELS
    ]).unsqueeze(0)


def raw_outputs(generator):
    """One clip's ``output_dict`` of ``BDNet`` (the keys test.py reads)."""
    num = sum(LEVELS)

    def randn(*shape):
        return torch.randn(*shape, generator=generator)

    # Distances of 1 to ~150 frames: segments cross both clip borders.
    loc = (torch.rand(1, num, 2, generator=generator) * 5).exp()
    # |offsets| < 1 keep the refined ends in order (see
    # test_crossed_refinement_departure); they still move the start past
    # the clip's end at some positions (zero-length after the clamp).
    prop_loc = torch.rand(1, num, 2, generator=generator) * 1.8 - 0.9
    return dict(
        loc=loc,
        conf=randn(1, num, NUM_CLASSES) * 2,
        prop_loc=prop_loc,
        prop_conf=randn(1, num, NUM_CLASSES) * 2,
        center=randn(1, num, 1),
        priors=afsd_priors())


def afsd_offsets(sample_count):
    """test.py, lines 70-75."""
    clip_length, stride = CLIP_LENGTH, STRIDE
    if sample_count < clip_length:
        offsetlist = [0]
    else:
        offsetlist = list(range(0, sample_count - clip_length + 1, stride))
        if (sample_count - clip_length) % stride:
            offsetlist += [sample_count - clip_length]
    return offsetlist


def afsd_video(clip_outputs, offsetlist, sample_fps, softnms_v2, idx_to_class):
    """test.py, lines 60 and 88-215 for one video without fusion (the
    clip loading and network call left out): the per-clip decoding and
    scores, the per-class soft-NMS over all its clips and the proposal list
    of ``result_dict[video_name]``."""
    num_classes, clip_length = NUM_CLASSES, CLIP_LENGTH
    conf_thresh, top_k, nms_sigma = CONF_THRESH, TOP_K, NMS_SIGMA
    score_func = torch.nn.Softmax(dim=-1)  # softmax_func = True
    output = []
    for cl in range(num_classes):
        output.append([])
    res = torch.zeros(num_classes, top_k, 3)
    for offset, output_dict in zip(offsetlist, clip_outputs):
        loc, conf, priors = output_dict['loc'], output_dict['conf'], \
            output_dict['priors'][0]
        prop_loc, prop_conf = output_dict['prop_loc'], output_dict['prop_conf']
        center = output_dict['center']
        loc = loc[0]
        conf = conf[0]
        prop_loc = prop_loc[0]
        prop_conf = prop_conf[0]
        center = center[0]

        pre_loc_w = loc[:, :1] + loc[:, 1:]
        loc = 0.5 * pre_loc_w * prop_loc + loc
        decoded_segments = torch.cat([
            priors[:, :1] * clip_length - loc[:, :1],
            priors[:, :1] * clip_length + loc[:, 1:]
        ],
                                     dim=-1)
        decoded_segments.clamp_(min=0, max=clip_length)

        conf = score_func(conf)
        prop_conf = score_func(prop_conf)
        center = center.sigmoid()

        conf = (conf + prop_conf) / 2.0
        conf = conf * center
        conf = conf.view(-1, num_classes).transpose(1, 0)
        conf_scores = conf.clone()

        for cl in range(1, num_classes):
            c_mask = conf_scores[cl] > conf_thresh
            scores = conf_scores[cl][c_mask]
            if scores.size(0) == 0:
                continue
            l_mask = c_mask.unsqueeze(1).expand_as(decoded_segments)
            segments = decoded_segments[l_mask].view(-1, 2)
            segments = (segments + offset) / sample_fps
            segments = torch.cat([segments, scores.unsqueeze(1)], -1)
            output[cl].append(segments)

    for cl in range(1, num_classes):
        if len(output[cl]) == 0:
            continue
        tmp = torch.cat(output[cl], 0)
        tmp, count = softnms_v2(tmp, sigma=nms_sigma, top_k=top_k)
        res[cl, :count] = tmp

    flt = res.contiguous().view(-1, 3)
    flt = flt.view(num_classes, -1, 3)
    proposal_list = []
    for cl in range(1, num_classes):
        class_name = idx_to_class[cl]
        tmp = flt[cl].contiguous()
        tmp = tmp[(tmp[:, 2] > 0).unsqueeze(-1).expand_as(tmp)].view(-1, 3)
        if tmp.size(0) == 0:
            continue
        tmp = tmp.detach().cpu().numpy()
        for i in range(tmp.shape[0]):
            tmp_proposal = {}
            tmp_proposal['label'] = class_name
            tmp_proposal['score'] = float(tmp[i, 2])
            tmp_proposal['segment'] = [float(tmp[i, 0]), float(tmp[i, 1])]
            proposal_list.append(tmp_proposal)
    return proposal_list


def mmgaf_windows(video, info, clip_outputs, starts):
    """The same clips through mmgaf: ``TADDataSample`` windows of 256
    frame steps (a step is a frame, ``frames_per_step`` 1) and
    :class:`AFSDPostProcessor` on the outputs in mmgaf's layout."""
    post = AFSDPostProcessor(**AFSD_POST_PROCESSOR)
    priors = AFSDCoarseHead.get_priors(LEVELS, CLIP_LENGTH,
                                       torch.device('cpu'))
    sample_count, sample_fps = info['sample_count'], info['sample_fps']
    windows = []
    for start, raw in zip(starts, clip_outputs):
        sample = TADDataSample(
            metainfo=dict(
                video_name=video,
                duration=info['count'] / info['fps'],
                window_start=start,
                window_size=CLIP_LENGTH,
                valid_len=min(CLIP_LENGTH, sample_count - start),
                time_scale=1 / sample_fps,
                time_shift=start / sample_fps))
        outputs = dict(
            loc=raw['loc'],
            prop_loc=raw['prop_loc'],
            cls=raw['conf'],
            prop_cls=raw['prop_conf'],
            centerness=raw['center'][..., 0],
            priors=priors,
            frame_feat=torch.zeros(1, 1, CLIP_LENGTH))
        windows += post(outputs, 1., [sample])
    return windows


def by_class(proposals):
    """{label: (segments (N, 2), scores (N,))}, by descending score."""
    grouped = {}
    for det in proposals:
        grouped.setdefault(det['label'],
                           []).append(det['segment'] + [det['score']])
    result = {}
    for label, rows in grouped.items():
        rows = np.array(rows, dtype=np.float64)
        rows = rows[np.argsort(-rows[:, 2], kind='stable')]
        result[label] = (rows[:, :2], rows[:, 2])
    return result


def test_window_offsets(afsd):
    """mmgaf's window starts are test.py's ``offsetlist`` for every test
    video (given AFSD's ``sample_count``)."""
    for info in afsd['video_infos'].values():
        count = int(info['sample_count'])
        assert sliding_window_starts(count, CLIP_LENGTH,
                                     STRIDE) == afsd_offsets(count)


def test_detections_json(afsd, tmp_path):
    generator = torch.Generator().manual_seed(0)
    reference, samples = {}, []
    for video in VIDEOS:
        info = afsd['video_infos'][video]
        offsets = afsd_offsets(int(info['sample_count']))
        clips = [raw_outputs(generator) for _ in offsets]
        reference[video] = afsd_video([{
            key: value.clone()
            for key, value in clip.items()
        } for clip in clips], offsets, info['sample_fps'], afsd['softnms_v2'],
                                      afsd['idx_to_class'])
        samples += [
            sample.to_dict()
            for sample in mmgaf_windows(video, info, clips, offsets)
        ]

    out_file = str(tmp_path / 'detections.json')
    metric = TADMetric(
        afsd['gt_file'], protocol='afsd', out_file=out_file, **AFSD_MERGING)
    metric.dataset_meta = dict(
        classes=[afsd['idx_to_class'][i] for i in range(1, NUM_CLASSES)])
    metric.process({}, samples)
    metric.evaluate(len(samples))
    with open(out_file) as file:
        written = json.load(file)['results']

    assert set(written) == set(reference)
    # max |difference|, max relative difference: segments, scores
    worst = np.zeros((2, 2))
    for video in VIDEOS:
        ours, theirs = by_class(written[video]), by_class(reference[video])
        assert ours.keys() == theirs.keys()
        for label, expected in theirs.items():
            got = ours[label]
            # The same detections, none more or fewer.
            assert len(got[1]) == len(expected[1]), (video, label)
            for row, (ref, value) in enumerate(zip(expected, got)):
                diff = np.abs(value - ref)
                worst[row] = np.maximum(worst[row], [
                    diff.max(), (diff / np.maximum(np.abs(ref), 1e-30)).max()
                ])
    # Padding of the short video: detections past its 14.9 s end (AFSD
    # clamps to the 25.6 s clip only), and zero-length ones at the clip end.
    short = np.array([det['segment'] for det in written[VIDEOS[0]]])
    assert (short[:, 1] > 149 / 10.).any()
    assert (short[:, 0] == short[:, 1]).any()
    # Measured: segments max abs 3.1e-6 s, max rel 9.3e-8; scores max abs
    # 8.6e-7, max rel 3.2e-5. AFSD maps to seconds in float32 (an ulp is
    # 4e-6 s at 47 s, 4e-5 of a 0.1 s segment) and soft-NMS multiplies a
    # score by up to ~100 decays of such tIoUs; mmgaf maps in float64 (AFSD's
    # soft-NMS run in float64 on its float32 seconds differs as much). Hence
    # scores are bounded in absolute terms, all of them being in [0, 1].
    assert worst[0, 1] < 1e-5, worst
    assert worst[1, 0] < 1e-6, worst


def test_softnms_v2_rules(afsd):
    """AFSD's ``softnms_v2`` against :func:`batched_segment_soft_nms`:
    ``keep_last=False`` reproduces its stopping rule (the last remaining
    candidate is never kept), ``max_per_class`` its ``top_k``."""
    generator = torch.Generator().manual_seed(1)
    starts = torch.rand(300, generator=generator) * 100
    segments = torch.stack(
        [starts, starts + torch.rand(300, generator=generator) * 20], -1)
    scores = torch.rand(300, generator=generator)
    for top_k in (5000, 40):
        ref, count = afsd['softnms_v2'](
            torch.cat([segments, scores[:, None]], -1), sigma=0.5, top_k=top_k)
        kept_scores, keep = batched_segment_soft_nms(
            segments,
            scores,
            torch.zeros(300, dtype=torch.long),
            sigma=0.5,
            min_score=0.001,
            max_per_class=top_k,
            keep_last=False)
        assert len(keep) == int(count)
        # Measured: bit for bit (0 difference) on float32 inputs.
        ref = ref[ref[:, 2].argsort(descending=True, stable=True)]
        torch.testing.assert_close(segments[keep], ref[:, :2])
        torch.testing.assert_close(kept_scores, ref[:, 2])
    single, count = afsd['softnms_v2'](torch.tensor([[1., 2., 0.9]]))
    assert int(count) == 0
    assert len(
        batched_segment_soft_nms(
            single[:, :2].new_tensor([[1., 2.]]),
            torch.tensor([0.9]),
            torch.zeros(1, dtype=torch.long),
            keep_last=False)[1]) == 0


def test_crossed_refinement_departure():
    """A deliberate departure: offsets with ``prop_loc[0] + prop_loc[1] <
    -2`` cross the refined ends over. test.py keeps such a segment reversed
    (start after end: no tIoU with anything, so soft-NMS never touches it
    and every evaluator scores it a false positive); mmgaf orders its ends
    (mmgaf's evaluator rejects reversed segments)."""
    loc = torch.tensor([[4., 6.]])
    prop_loc = torch.tensor([[-2.5, -0.5]])
    priors = torch.tensor([[0.25]])
    # test.py, lines 154-158.
    pre_loc_w = loc[:, :1] + loc[:, 1:]
    refined = 0.5 * pre_loc_w * prop_loc + loc
    decoded_segments = torch.cat([
        priors[:, :1] * CLIP_LENGTH - refined[:, :1],
        priors[:, :1] * CLIP_LENGTH + refined[:, 1:]
    ],
                                 dim=-1)
    # 64 - (4 - 12.5) = 72.5 and 64 + (6 - 2.5) = 67.5.
    assert decoded_segments.tolist() == [[72.5, 67.5]]
    ours = AFSDPostProcessor.decode(loc[None], prop_loc[None],
                                    priors[:, 0] * CLIP_LENGTH)
    assert ours.tolist() == [[[67.5, 72.5]]]


def test_mmcv_soft_nms_is_softnms_v2_in_float32(afsd):
    """Why the merger keeps its own soft-NMS: MMCV's compiled ``soft_nms``
    (segments as boxes ``[s, 0, e, 1]``, ``offset=0``: no +1 in the
    lengths; gaussian, which ignores ``iou_threshold``) selects exactly as
    ``softnms_v2`` but keeps the last candidate too, has no ``top_k`` and
    runs on CPU in float32 only, where the merger works in float64
    seconds."""
    ops = pytest.importorskip('mmcv.ops')
    generator = torch.Generator().manual_seed(1)
    starts = torch.rand(300, generator=generator) * 100
    segments = torch.stack(
        [starts, starts + torch.rand(300, generator=generator) * 20], -1)
    scores = torch.rand(300, generator=generator)
    ref, count = afsd['softnms_v2'](
        torch.cat([segments, scores[:, None]], -1), sigma=0.5)
    boxes = torch.stack(
        [segments[:, 0],
         torch.zeros(300), segments[:, 1],
         torch.ones(300)], -1)
    dets, _ = ops.soft_nms(
        boxes,
        scores,
        iou_threshold=0.,
        sigma=0.5,
        min_score=0.001,
        method='gaussian',
        offset=0)
    assert len(dets) == int(count) + 1
    ref = ref[ref[:, 2].argsort(descending=True, stable=True)]
    torch.testing.assert_close(dets[:-1, [0, 2]], ref[:, :2])
    # Measured: 2.2e-8 (float32 rounding of the decays).
    torch.testing.assert_close(dets[:-1, 4], ref[:, 2], rtol=1e-6, atol=1e-7)
    with pytest.raises(RuntimeError):
        ops.soft_nms(
            boxes.double(),
            scores.double(),
            min_score=0.001,
            method='gaussian')
