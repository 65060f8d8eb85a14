"""tools/infer.py end to end: features, folders, a video, bad inputs."""
import json
import os
import os.path as osp
import runpy
import shutil
import sys

import numpy as np
import pytest
from matplotlib.image import imread

from tests.apis import inference_setup

pytestmark = pytest.mark.usefixtures('one_thread')

# the shared fixtures
inference_setting = inference_setup.inference_setting
video_file = inference_setup.video_file
write_video = inference_setup.write_video


def run_tool(repo_root, monkeypatch, capsys, *args):
    """tools/infer.py in this process (its imports are already loaded):
    exit status, stdout and stderr."""
    monkeypatch.setattr(sys, 'argv', ['infer.py', *map(str, args)])
    code = 0
    try:
        runpy.run_path(
            osp.join(repo_root, 'tools', 'infer.py'), run_name='__main__')
    except SystemExit as exit:
        code = exit.code
    out = capsys.readouterr()
    return code, out.out, out.err


def check_outputs(out_dir, name, num_classes=20):
    with open(osp.join(out_dir, f'{name}.json')) as file:
        result = json.load(file)
    assert result['video'] == name and result['duration'] > 0
    detections = result['detections']
    assert detections, 'a random model still detects something'
    for det in detections:
        assert set(det) == {'label', 'score', 'start', 'end'}
        assert 0 <= det['start'] < det['end'] <= result['duration'] + 1e-9
    scores = [det['score'] for det in detections]
    assert scores == sorted(scores, reverse=True)
    picture = osp.join(out_dir, f'{name}_timeline.png')
    assert os.path.getsize(picture) > 5000
    height, width = imread(picture).shape[:2]
    rows = len({det['label'] for det in detections[:20]})
    assert (width, height) == (1200, round(100 * (1 + 0.6 * rows)))
    return result


def test_features_file_and_folder(repo_root, inference_setting, tmp_path,
                                  monkeypatch, capsys):
    config, _, checkpoint, _, data_root = inference_setting
    features = osp.join(data_root, 'features')
    out = tmp_path / 'one'
    code, _, err = run_tool(repo_root, monkeypatch, capsys, config, checkpoint,
                            osp.join(features, 'validation_0000.npy'), '--out',
                            out, '--score-thr', 0.05)
    assert code == 0, err
    result = check_outputs(out, 'validation_0000')
    assert min(det['score'] for det in result['detections']) >= 0.05

    folder = tmp_path / 'features'
    shutil.copytree(features, folder)
    np.save(folder / 'bad_dim.npy', np.zeros((50, 7), np.float32))
    (folder / 'notes.txt').write_text('ignored')
    out = tmp_path / 'folder'
    code, _, err = run_tool(repo_root, monkeypatch, capsys, config, checkpoint,
                            folder, '--out', out)
    assert code == 1
    assert 'Failed inputs:' in err and 'bad_dim' in err
    for name in ('validation_0000', 'validation_0001'):
        check_outputs(out, name)
    assert not (out / 'bad_dim.json').exists()


def test_videos_and_bad_inputs(repo_root, inference_setting, video_file,
                               tmp_path, monkeypatch, capsys):
    _, config, _, checkpoint, _ = inference_setting
    folder = tmp_path / 'videos'
    folder.mkdir()
    name = osp.splitext(osp.basename(video_file))[0]
    os.symlink(video_file, folder / osp.basename(video_file))
    (folder / 'broken.mp4').write_bytes(b'not a video' * 100)
    write_video(folder / 'short.avi', 'MJPG', 25, 10)
    out = tmp_path / 'out'
    code, _, err = run_tool(repo_root, monkeypatch, capsys, config, checkpoint,
                            folder, '--out', out)
    assert code == 1
    assert f'{folder / "broken.mp4"}: cannot open the video' in err
    assert f'{folder / "short.avi"}: ' in err
    assert 'shorter than one clip of 16 frames' in err
    check_outputs(out, name)
    assert sorted(f for f in os.listdir(out)
                  if f.endswith('.json')) == [f'{name}.json']
    (cached, ) = [
        f for f in os.listdir(out / 'feature_cache') if f.endswith('.npy')
    ]
    mtime = os.stat(out / 'feature_cache' / cached).st_mtime_ns

    # the same video again: features from the cache
    code, _, err = run_tool(repo_root, monkeypatch, capsys, config, checkpoint,
                            folder / osp.basename(video_file), '--out', out)
    assert code == 0, err
    assert os.stat(out / 'feature_cache' / cached).st_mtime_ns == mtime
    check_outputs(out, name)

    code, _, err = run_tool(repo_root, monkeypatch, capsys, config, checkpoint,
                            tmp_path / 'missing.mp4', '--out', out)
    assert code == 1 and f'{tmp_path / "missing.mp4"}: no such' in err
