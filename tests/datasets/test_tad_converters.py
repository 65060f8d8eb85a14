import csv
import json
import os.path as osp
import runpy
import sys

import numpy as np
import pytest

from mmgaf.datasets.converters import (AMBIGUOUS, TADAnnotationBuilder,
                                       add_activitynet, add_thumos14_csv,
                                       add_thumos14_groundtruth_csv,
                                       add_thumos14_txt, add_thumos_gt_json,
                                       merge_video_info, read_action_names,
                                       read_class_index, read_video_info)
from mmgaf.registry import DATASETS

CLASSES = ['BaseballPitch', 'BasketballDunk']
INFO = (
    'video,fps,sample_fps,count,sample_count\n'
    'v_a,30.0,10.0,300.0,100\n'  # 10 s
    'v_b,25.0,10.0,500.0,200\n')  # 20 s
# one instance per rule: kept, Ambiguous, end past the video, start before
# 0, entirely outside, empty
ROWS = [('v_a', 'BaseballPitch', '1.0', '2.0'),
        ('v_a', 'Ambiguous', '3.0', '4.0'),
        ('v_a', 'BasketballDunk', '9.5', '10.4'),
        ('v_b', 'BasketballDunk', '-0.5', '1.0'),
        ('v_b', 'BaseballPitch', '21.0', '22.0'),
        ('v_b', 'BaseballPitch', '5.0', '5.0')]
EXPECTED = {
    'v_a':
    dict(
        subset='validation',
        duration=10.0,
        fps=30.0,
        annotations=[
            dict(label='BaseballPitch', segment=[1.0, 2.0]),
            dict(label='BasketballDunk', segment=[9.5, 10.0])
        ]),
    'v_b':
    dict(
        subset='validation',
        duration=20.0,
        fps=25.0,
        annotations=[dict(label='BasketballDunk', segment=[0.0, 1.0])])
}


def write(path, text):
    path.write_text(text)
    return str(path)


def annotation_csv(rows):
    header = 'video,type,type_idx,start,end,startFrame,endFrame\n'
    return header + ''.join(f'{v},{label},0,{s},{e},0,0\n'
                            for v, label, s, e in rows)


def builder(include_ambiguous=False, strict=False):
    return TADAnnotationBuilder(
        CLASSES + [AMBIGUOUS] * include_ambiguous,
        excluded_labels=() if include_ambiguous else (AMBIGUOUS, ),
        strict=strict)


def assert_fixes(report, read=6):
    assert report.num_read == read
    assert dict(report.counts) == dict(
        excluded_label=1,
        clipped_end=1,
        clipped_start=1,
        dropped_outside=1,
        dropped_empty=1)
    assert report.max_end_excess == pytest.approx(0.4)
    summary = report.summary()
    assert f'{read} instances read' in summary
    assert '1 segments ending after the video' in summary
    assert "video 'v_b' BaseballPitch [21.0, 22.0]" in summary


def test_csv_fixes(tmp_path):
    info = read_video_info(write(tmp_path / 'info.csv', INFO))
    assert info['v_b']['duration'] == 20.0
    result = builder()
    add_thumos14_csv(result, write(tmp_path / 'ann.csv', annotation_csv(ROWS)),
                     info, 'validation')
    assert result.database == EXPECTED
    assert_fixes(result.report)
    assert result.subset_counts() == {'validation': (2, 3)}


def test_csv_frame_times(tmp_path):
    """frame_times: AFSD's training times, frame * sample_count / count /
    sample_fps, from the frame columns; here v_b (25 fps) counts its frames
    at 30 fps, as some THUMOS14 videos do, and lands 20% late."""
    info = read_video_info(write(tmp_path / 'info.csv', INFO))
    assert info['v_b']['sample_count'] == 200 and info['v_b']['count'] == 500
    header = 'video,type,type_idx,start,end,startFrame,endFrame\n'
    ann = write(
        tmp_path / 'ann.csv', header + 'v_a,BaseballPitch,7,1.0,2.0,31,60\n'
        'v_b,BaseballPitch,7,5.0,6.0,150,180\n')
    result = builder()
    add_thumos14_csv(result, ann, info, 'validation', frame_times=True)
    segments = [
        result.database[name]['annotations'][0]['segment']
        for name in ('v_a', 'v_b')
    ]
    # v_a: 31 * 100 / 300 = 10.33 frames at 10 fps; v_b: 150 * 200 / 500
    np.testing.assert_allclose(segments, [[31 / 30, 2.0], [6.0, 7.2]])
    add_thumos14_csv(builder(), ann, info, 'validation')  # seconds: fine
    no_samples = write(tmp_path / 'bare.csv', 'video,fps,count\nv_a,30,300\n'
                       'v_b,25,500\n')
    with pytest.raises(
            ValueError, match=r"frame times need.*'sample_fps', 'sample_co"):
        add_thumos14_csv(
            builder(),
            ann,
            read_video_info(no_samples),
            'validation',
            frame_times=True)


def test_csv_strict_and_ambiguous(tmp_path):
    info = read_video_info(write(tmp_path / 'info.csv', INFO))
    ann = write(tmp_path / 'ann.csv', annotation_csv(ROWS))
    with pytest.raises(
            ValueError,
            match=r"ann.csv line 4: video 'v_a' "
            r'BasketballDunk \[9.5, 10.4\].*strict'):
        add_thumos14_csv(builder(strict=True), ann, info, 'validation')
    result = builder(include_ambiguous=True)
    add_thumos14_csv(result, ann, info, 'validation')
    assert result.database['v_a']['annotations'][1] == dict(
        label=AMBIGUOUS, segment=[3.0, 4.0])
    assert 'excluded_label' not in result.report.counts


@pytest.mark.parametrize('rows, error', [
    ([('v_a', 'Swimming', '1', '2')
      ], r"ann.csv line 2: video 'v_a': label 'Swimming' is not one of the 2"),
    ([('v_z', 'BaseballPitch', '1', '2')
      ], r"ann.csv line 2: video 'v_z' has no duration"),
    ([('v_a', 'BaseballPitch', 'one', '2')], r"line 2: .*start: 'one' is"),
    ([('v_a', 'BaseballPitch', '1', 'nan')], 'not a finite number'),
])
def test_csv_errors(tmp_path, rows, error):
    info = read_video_info(write(tmp_path / 'info.csv', INFO))
    with pytest.raises(ValueError, match=error):
        add_thumos14_csv(builder(),
                         write(tmp_path / 'ann.csv', annotation_csv(rows)),
                         info, 'validation')


def test_csv_file_errors(tmp_path):
    with pytest.raises(
            ValueError,
            match=r"line 4: video 'v_a' is listed "
            r'twice \(first at .*line 2\)'):
        read_video_info(
            write(tmp_path / 'twice.csv', INFO + 'v_a,30,10,30,10\n'))
    with pytest.raises(ValueError, match="no column.*'count'"):
        read_video_info(write(tmp_path / 'cols.csv', 'video,fps\nv_a,30\n'))
    with pytest.raises(ValueError, match=r"line 2: no value.*\['count'\]"):
        read_video_info(
            write(tmp_path / 'empty.csv', 'video,fps,count\nv_a,30,\n'))
    with pytest.raises(ValueError, match="'v_a' count: '-3' is not posit"):
        read_video_info(
            write(tmp_path / 'neg.csv', 'video,fps,count\nv_a,30,-3\n'))
    # the same video in two splits
    val = read_video_info(write(tmp_path / 'val.csv', INFO))
    test = read_video_info(write(tmp_path / 'test.csv', INFO))
    with pytest.raises(ValueError, match="'v_a' is listed twice"):
        merge_video_info(val, test)
    both = builder()
    add_thumos14_csv(both, write(tmp_path / 'a.csv', annotation_csv([])), val,
                     'validation')
    with pytest.raises(ValueError, match="'v_a' is listed twice"):
        add_thumos14_csv(both, str(tmp_path / 'a.csv'), test, 'test')


def test_class_index(tmp_path):
    assert read_class_index(
        write(tmp_path / 'c.txt',
              '7 BaseballPitch\n\n9 BasketballDunk\n')) == CLASSES
    assert read_class_index(write(tmp_path / 'n.txt', 'A\nB\n')) == ['A', 'B']
    with pytest.raises(ValueError, match=r'c.txt line 1: expected'):
        read_class_index(write(tmp_path / 'c.txt', 'Baseball Pitch\n'))
    with pytest.raises(ValueError, match='repeats a class'):
        TADAnnotationBuilder(['A', 'A'])


@pytest.fixture
def txt_dir(tmp_path):
    """The per-class layout of the THUMOS14 release, for ROWS."""
    ann_dir = tmp_path / 'annotation'
    ann_dir.mkdir()
    lines = {}
    for video, label, start, end in ROWS:
        lines.setdefault(label, []).append(f'{video}  {start} {end}\n')
    for label, rows in lines.items():
        write(ann_dir / f'{label}_val.txt', ''.join(rows) + '\n')
    # another split's file, not read
    write(ann_dir / 'BaseballPitch_test.txt', 'v_unknown 1 2\n')
    return ann_dir


def test_txt_fixes(tmp_path, txt_dir):
    info = read_video_info(write(tmp_path / 'info.csv', INFO))
    result = builder()
    add_thumos14_txt(result, str(txt_dir), 'val', info, 'validation')
    # files are read class by class
    for name, video in EXPECTED.items():
        assert sorted(
            result.database[name]['annotations'], key=str) == sorted(
                video['annotations'], key=str)
    assert_fixes(result.report)


def test_txt_errors(tmp_path, txt_dir):
    info = read_video_info(write(tmp_path / 'info.csv', INFO))
    write(txt_dir / 'Swimming_val.txt', 'v_a 1 2\n')
    with pytest.raises(ValueError, match="Swimming_val.txt: label 'Swim"):
        add_thumos14_txt(builder(), str(txt_dir), 'val', info, 'validation')
    (txt_dir / 'Swimming_val.txt').unlink()
    write(txt_dir / 'BaseballPitch_val.txt', 'v_a 1.0 2.0\nv_b 3.0\n')
    with pytest.raises(
            ValueError,
            match=r'BaseballPitch_val.txt line 2: '
            r'expected "<video> <start> <end>"'):
        add_thumos14_txt(builder(), str(txt_dir), 'val', info, 'validation')
    (txt_dir / 'BasketballDunk_val.txt').unlink()
    with pytest.raises(ValueError, match=r"class\(es\) \['BasketballDunk'"):
        add_thumos14_txt(builder(), str(txt_dir), 'val', info, 'validation')
    # with Ambiguous as a class its file is needed too
    (txt_dir / 'Ambiguous_val.txt').unlink()
    write(txt_dir / 'BasketballDunk_val.txt', '')
    with pytest.raises(ValueError, match=r"class\(es\) \['Ambiguous'\]"):
        add_thumos14_txt(
            builder(include_ambiguous=True), str(txt_dir), 'val', info,
            'validation')


GT_CSV_HEADER = ('video-name,t-init,t-end,f-init,f-end,video-duration,'
                 'frame-rate,video-frames,label-idx\n')


def test_groundtruth_csv(tmp_path):
    rows = [
        'v_t,1.0,2.0,30,60,10.0,30.0,300,0',
        'v_t,3.0,4.0,90,120,10.0,30.0,300,-1',
        'v_t,9.0,12.0,270,360,10.0,30.0,300,1',
        'v_u,1.5,2.5,0,0,5.0,25.0,125,1'
    ]
    result = builder()
    add_thumos14_groundtruth_csv(
        result, write(tmp_path / 'gt.csv', GT_CSV_HEADER + '\n'.join(rows)),
        CLASSES)
    assert result.database == {
        'v_t':
        dict(
            subset='test',
            duration=10.0,
            fps=30.0,
            annotations=[
                dict(label='BaseballPitch', segment=[1.0, 2.0]),
                dict(label='BasketballDunk', segment=[9.0, 10.0])
            ]),
        'v_u':
        dict(
            subset='test',
            duration=5.0,
            fps=25.0,
            annotations=[dict(label='BasketballDunk', segment=[1.5, 2.5])])
    }
    assert dict(result.report.counts) == dict(excluded_label=1, clipped_end=1)
    with pytest.raises(ValueError, match=r"line 3: label-idx 2 is not -1"):
        add_thumos14_groundtruth_csv(
            builder(),
            write(tmp_path / 'gt.csv',
                  GT_CSV_HEADER + rows[0] + '\nv_t,1,2,0,0,10.0,30,300,2\n'),
            CLASSES)
    with pytest.raises(
            ValueError,
            match=r"line 3: video 'v_t' has "
            'duration 11.0, earlier 10.0'):
        add_thumos14_groundtruth_csv(
            builder(),
            write(tmp_path / 'gt.csv',
                  GT_CSV_HEADER + rows[0] + '\nv_t,1,2,0,0,11.0,30,300,0\n'),
            CLASSES)


def test_gt_json(tmp_path):
    info = read_video_info(write(tmp_path / 'info.csv', INFO))
    database = dict(
        v_a=dict(
            subset='train',
            annotations=[
                dict(segment=['1.0', '2.0'], label='BaseballPitch'),
                dict(segment=['9.5', '10.4'], label='BasketballDunk')
            ]),
        v_c=dict(subset='test', duration=12.0, annotations=[]))
    path = write(tmp_path / 'gt.json', json.dumps(dict(database=database)))
    result = builder()
    add_thumos_gt_json(result, path, info)
    assert result.database == dict(
        v_a=EXPECTED['v_a'],
        v_c=dict(subset='test', duration=12.0, annotations=[]))
    assert dict(result.report.counts) == dict(clipped_end=1)

    database['v_c']['subset'] = 'val2'
    write(tmp_path / 'gt.json', json.dumps(dict(database=database)))
    with pytest.raises(ValueError, match="'v_c': subset 'val2' is not"):
        add_thumos_gt_json(builder(), path, info)
    del database['v_c']['duration']
    database['v_c']['subset'] = 'test'
    write(tmp_path / 'gt.json', json.dumps(dict(database=database)))
    with pytest.raises(ValueError, match="'v_c' has no \"duration\""):
        add_thumos_gt_json(builder(), path, info)
    # json.load would keep only the second v_a
    write(
        tmp_path / 'gt.json', '{"database": {"v_a": {"subset": "test"}, '
        '"v_a": {"subset": "train"}}}')
    with pytest.raises(ValueError, match=r"key\(s\) \['v_a'\] repeated"):
        add_thumos_gt_json(builder(), path, info)


@pytest.fixture
def anet_files(tmp_path):
    anno = dict(
        v_x=dict(
            duration_second=10.0,
            duration_frame=300,
            feature_frame=288,
            annotations=[
                dict(segment=[1, 2], label='Zumba'),
                dict(segment=[0, 0], label='Zumba'),
                dict(segment=[9, 10.3], label='Ballet')
            ]),
        v_y=dict(
            duration_second=5.0,
            duration_frame=150,
            feature_frame=144,
            annotations=[]))
    info = ('video,numFrame,seconds,fps,rfps,subset,featureFrame\n'
            'v_x,300,10.0,30.0,29.97,training,288\n'
            'v_y,150,5.0,30.0,30.0,testing,144\n')
    return dict(
        anno=write(tmp_path / 'anno.json', json.dumps(anno)),
        info=write(tmp_path / 'info.csv', info),
        names=write(tmp_path / 'action_name.csv', 'action\nBallet\nZumba\n'))


def test_activitynet(anet_files, tmp_path):
    classes = read_action_names(anet_files['names'])
    assert classes == ['Ballet', 'Zumba']
    result = TADAnnotationBuilder(classes)
    add_activitynet(result, anet_files['anno'], anet_files['info'])
    assert result.database == dict(
        v_x=dict(
            subset='training',
            duration=10.0,
            fps=29.97,
            annotations=[
                dict(label='Zumba', segment=[1.0, 2.0]),
                dict(label='Ballet', segment=[9.0, 10.0])
            ]),
        v_y=dict(subset='testing', duration=5.0, fps=30.0, annotations=[]))
    assert dict(result.report.counts) == dict(dropped_empty=1, clipped_end=1)

    with pytest.raises(ValueError, match="'v_x': label 'Zumba' is not"):
        add_activitynet(
            TADAnnotationBuilder(['Ballet']), anet_files['anno'],
            anet_files['info'])
    write(
        tmp_path / 'info.csv',
        'video,numFrame,seconds,fps,rfps,subset,featureFrame\n'
        'v_x,300,10.0,30.0,29.97,training,288\n')
    with pytest.raises(
            ValueError,
            match=r"1 video\(s\) missing from .*"
            r"info.csv, e.g. \['v_y'\]"):
        add_activitynet(
            TADAnnotationBuilder(classes), anet_files['anno'],
            anet_files['info'])
    write(
        tmp_path / 'info.csv',
        'video,numFrame,seconds,fps,rfps,subset,featureFrame\n'
        'v_w,300,10.0,30.0,29.97,training,288\n')
    with pytest.raises(ValueError, match="line 2: video 'v_w' is not in"):
        add_activitynet(
            TADAnnotationBuilder(classes), anet_files['anno'],
            anet_files['info'])


def run_tool(path, *args):
    argv = sys.argv
    sys.argv = [path, *args]
    try:
        runpy.run_path(path, run_name='__main__')
    finally:
        sys.argv = argv


def test_thumos_cli_output_reads_into_the_dataset(repo_root, tmp_path, capsys):
    ann = write(tmp_path / 'ann.csv', annotation_csv(ROWS))
    write(tmp_path / 'info.csv', INFO)
    write(tmp_path / 'classes.txt', '7 BaseballPitch\n9 BasketballDunk\n')
    run_tool(
        osp.join(repo_root, 'tools/data/thumos14/convert_annotations.py'),
        'csv', str(tmp_path / 'out'), '--class-index',
        str(tmp_path / 'classes.txt'), '--val', ann, '--val-info',
        str(tmp_path / 'info.csv'))
    printed = capsys.readouterr().out
    assert '6 instances read' in printed
    assert 'validation: 2 videos, 3 instances' in printed
    with open(tmp_path / 'out' / 'thumos14.json') as f:
        assert json.load(f) == dict(database=EXPECTED)
    assert (tmp_path / 'out' / 'classes.txt').read_text() == \
        'BaseballPitch\nBasketballDunk\n'

    (tmp_path / 'features').mkdir()
    for name, steps in (('v_a', 73), ('v_b', 123)):
        np.save(tmp_path / 'features' / f'{name}.npy',
                np.zeros((steps, 4), np.float32))
    dataset = DATASETS.build(
        dict(
            type='TADDataset',
            data_root=str(tmp_path),
            ann_file='out/thumos14.json',
            class_file='out/classes.txt',
            subset='validation',
            data_prefix=dict(feature='features'),
            window_size=64,
            window_stride=32,
            fps=None,
            feature_stride=4,
            feature_clip_len=16,
            pipeline=[]))
    assert len(dataset) > 0


def test_activitynet_cli(repo_root, anet_files, tmp_path, capsys):
    run_tool(
        osp.join(repo_root, 'tools/data/activitynet/convert_annotations.py'),
        str(tmp_path / 'out'), '--anno', anet_files['anno'], '--video-info',
        anet_files['info'], '--action-names', anet_files['names'])
    assert 'training: 1 videos, 2 instances' in capsys.readouterr().out
    with open(tmp_path / 'out' / 'activitynet.json') as f:
        assert sorted(json.load(f)['database']) == ['v_x', 'v_y']
    with pytest.raises(ValueError, match='strict'):
        run_tool(
            osp.join(repo_root,
                     'tools/data/activitynet/convert_annotations.py'),
            str(tmp_path / 'out'), '--anno', anet_files['anno'],
            '--video-info', anet_files['info'], '--action-names',
            anet_files['names'], '--strict')


# ---- the published files, when present -----------------------------------


@pytest.fixture
def thumos(shared_data):
    root = osp.join(shared_data, 'thumos14')
    return dict(
        root=root,
        classes=read_class_index(osp.join(root, 'class_index_detection.txt')),
        val_info=read_video_info(osp.join(root, 'val_video_info.csv')),
        test_info=read_video_info(osp.join(root, 'test_video_info.csv')))


def thumos_builder(thumos, include_ambiguous=False):
    return TADAnnotationBuilder(
        thumos['classes'] + [AMBIGUOUS] * include_ambiguous,
        excluded_labels=() if include_ambiguous else (AMBIGUOUS, ))


@pytest.mark.parametrize('suffix, read, ambiguous', [('_ours', 6365, 0),
                                                     ('', 6553, 188)])
def test_real_thumos14_csv(thumos, suffix, read, ambiguous):
    result = thumos_builder(thumos)
    for split, subset in (('val', 'validation'), ('test', 'test')):
        add_thumos14_csv(
            result, osp.join(thumos['root'],
                             f'{split}_Annotation{suffix}.csv'),
            thumos[f'{split}_info'], subset)
    assert len(thumos['classes']) == 20
    # README: 3007 validation and 3358 test instances without Ambiguous,
    # less the instances after the end of 2 validation and 4 test videos
    # (video_test_0000270's 22 among them)
    assert result.report.num_read == read
    assert dict(result.report.counts) == dict(
        dropped_outside=30,
        **({
            'excluded_label': ambiguous
        } if ambiguous else {}))
    assert result.subset_counts() == {
        'validation': (200, 3007 - 4),
        'test': (212, 3358 - 26)
    }


def test_real_thumos14_frame_times(thumos):
    """AFSD's training times (frame columns * sample_count / count) against
    the start/end seconds: within a frame at 10 fps but in 7 validation
    videos, where the frame columns count 30 fps frames of 25 / 24 / 29.97
    fps videos; video_validation_0000666 (25 fps) lands 20% late, up to
    130 s."""
    databases = {}
    for frame_times in (False, True):
        result = thumos_builder(thumos)
        add_thumos14_csv(result,
                         osp.join(thumos['root'], 'val_Annotation_ours.csv'),
                         thumos['val_info'], 'validation', frame_times)
        databases[frame_times] = result.database
    late = {}
    for name, video in databases[True].items():
        seconds = np.array([
            ann['segment'] for ann in databases[False][name]['annotations']
        ]).reshape(-1, 2)
        frames = np.array([ann['segment']
                           for ann in video['annotations']]).reshape(-1, 2)
        if np.abs(frames - seconds).max() > 0.1:
            late[name] = np.abs(frames - seconds).max()
    assert sorted(late) == [
        f'video_validation_{n:07}' for n in (209, 314, 363, 369, 666, 902, 903)
    ]
    assert late['video_validation_0000666'] == pytest.approx(130.1, abs=0.1)


def test_real_thumos14_ambiguous_needs_durations(thumos):
    # video_test_0001292 has only Ambiguous instances and no video info
    with pytest.raises(ValueError, match="'video_test_0001292' has no dur"):
        add_thumos14_csv(
            thumos_builder(thumos, include_ambiguous=True),
            osp.join(thumos['root'], 'test_Annotation.csv'),
            thumos['test_info'], 'test')


def test_real_thumos_gt_json(thumos):
    result = thumos_builder(thumos)
    add_thumos_gt_json(
        result, osp.join(thumos['root'], 'thumos_gt.json'),
        merge_video_info(thumos['val_info'], thumos['test_info']))
    # README: 200 validation + 210 test videos, 3007 + 3311 instances
    assert result.report.num_read == 3007 + 3311
    assert dict(result.report.counts) == dict(dropped_outside=8)
    assert result.subset_counts() == {
        'validation': (200, 3003),
        'test': (210, 3307)
    }


def test_real_thumos14_groundtruth_csv_agrees_with_annotation_csv(thumos):
    from_gt = thumos_builder(thumos)
    add_thumos14_groundtruth_csv(
        from_gt, osp.join(thumos['root'], 'thumos14_test_groundtruth.csv'),
        thumos['classes'])
    from_csv = thumos_builder(thumos)
    add_thumos14_csv(from_csv, osp.join(thumos['root'], 'test_Annotation.csv'),
                     thumos['test_info'], 'test')
    assert from_gt.report.num_read == 3457
    assert from_gt.report.counts['excluded_label'] == 99
    gt, annotated = from_gt.database, from_csv.database
    # the ground-truth CSV also lists the Ambiguous-only video_test_0001292
    assert set(gt) - set(annotated) == {'video_test_0001292'}
    assert gt['video_test_0001292']['annotations'] == []
    for name, video in annotated.items():
        assert gt[name]['duration'] == pytest.approx(
            video['duration'], abs=1e-5)
        assert sorted(
            gt[name]['annotations'], key=str) == sorted(
                video['annotations'], key=str)


def test_real_activitynet(shared_data):
    root = osp.join(shared_data, 'activitynet')
    classes = read_action_names(osp.join(root, 'action_name.csv'))
    result = TADAnnotationBuilder(classes)
    add_activitynet(result, osp.join(root, 'anet_anno_action.json'),
                    osp.join(root, 'video_info_new.csv'))
    assert len(classes) == 200
    assert result.report.num_read == 14859 + 7293
    # 215 ends up to 0.848 s after their video, 12 zero-length segments
    assert dict(result.report.counts) == dict(
        clipped_end=215, dropped_empty=12)
    assert result.report.max_end_excess == pytest.approx(0.848, abs=1e-3)
    assert result.subset_counts() == {
        'training': (9649, 14859 - 9),
        'validation': (4728, 7293 - 3),
        'testing': (4851, 0)
    }


def test_real_thumos14_txt_layout_agrees_with_csv(thumos, tmp_path):
    # the release's per-class files, written from the published CSV
    ann_file = osp.join(thumos['root'], 'val_Annotation.csv')
    with open(ann_file) as f:
        rows = list(csv.DictReader(f))
    for label in {row['type'] for row in rows}:
        write(
            tmp_path / f'{label}_val.txt',
            ''.join(f'{row["video"]} {row["start"]} {row["end"]}\n'
                    for row in rows if row['type'] == label))
    from_txt = thumos_builder(thumos, include_ambiguous=True)
    add_thumos14_txt(from_txt, str(tmp_path), 'val', thumos['val_info'],
                     'validation')
    from_csv = thumos_builder(thumos, include_ambiguous=True)
    add_thumos14_csv(from_csv, ann_file, thumos['val_info'], 'validation')
    assert from_txt.report.num_read == 3096
    assert from_txt.report.counts == from_csv.report.counts
    assert from_txt.subset_counts() == {'validation': (200, 3096 - 4)}
    for name, video in from_csv.database.items():
        assert sorted(
            from_txt.database[name]['annotations'], key=str) == sorted(
                video['annotations'], key=str)


@pytest.mark.parametrize('database, match', [
    (dict(v_a=['not', 'a', 'video']), r"video 'v_a': expected an object, "
     'got list'),
    (dict(v_a=dict(subset='train', duration=5.0, annotations={'a': 1})),
     "video 'v_a' annotations: expected a list, got dict"),
    (dict(v_a=dict(subset='train', duration=5.0, annotations=[[1, 2]])),
     r"video 'v_a' annotations\[0\]: expected an object, got list"),
])
def test_gt_json_entries_that_are_not_objects(tmp_path, database, match):
    path = write(tmp_path / 'gt.json', json.dumps(dict(database=database)))
    with pytest.raises(ValueError, match=match):
        add_thumos_gt_json(builder(), path, {})


def test_activitynet_entries_that_are_not_objects(anet_files):
    with open(anet_files['anno']) as f:
        anno = json.load(f)
    name = next(iter(anno))
    for broken, match in ((['x'], rf"video '{name}': expected an object"),
                          (dict(anno[name], annotations=[7]),
                           rf"'{name}' annotations\[0\]: expected an "
                           'object, got int')):
        with open(anet_files['anno'], 'w') as f:
            json.dump(dict(anno, **{name: broken}), f)
        with pytest.raises(ValueError, match=match):
            add_activitynet(
                TADAnnotationBuilder(read_action_names(anet_files['names'])),
                anet_files['anno'], anet_files['info'])
    with open(anet_files['anno'], 'w') as f:
        json.dump([anno], f)
    with pytest.raises(ValueError, match='expected an object, got list'):
        add_activitynet(
            TADAnnotationBuilder(read_action_names(anet_files['names'])),
            anet_files['anno'], anet_files['info'])
