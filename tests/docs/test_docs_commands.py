"""The docs name tools and configs that exist, and the getting-started
Python snippet runs."""
import glob
import os
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config

from mmgaf.datasets.synthetic import SyntheticTAD
from mmgaf.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOCS = sorted(glob.glob(osp.join(REPO, 'docs', '*.md')))
PATH = re.compile(r'(?<![\w/.])((?:tools|configs)/[\w./-]+\.(?:py|sh))')


@pytest.mark.parametrize('doc', DOCS, ids=osp.basename)
def test_named_paths_exist(doc):
    with open(doc) as file:
        text = file.read()
    missing = sorted({
        path
        for path in PATH.findall(text) if not osp.exists(osp.join(REPO, path))
    })
    assert not missing, f'{doc} names missing files: {missing}'


def test_getting_started_snippet(tmp_path, monkeypatch):
    with open(osp.join(REPO, 'docs', 'getting_started.md')) as file:
        blocks = re.findall(r'```python\n(.*?)```', file.read(), re.S)
    snippet = next(block for block in blocks if 'init_detector' in block)
    # the snippet's files: the built-in data and a demo checkpoint
    os.symlink(osp.join(REPO, 'configs'), tmp_path / 'configs')
    SyntheticTAD(seed=0).write(
        str(tmp_path / 'data' / 'synthetic'), dict(validation=1))
    config = Config.fromfile(
        osp.join(REPO, 'configs', 'gaf', 'afsd_gaf_synthetic.py'))
    torch.manual_seed(0)
    model = MODELS.build(config.model)
    (tmp_path / 'work_dirs' / 'demo').mkdir(parents=True)
    torch.save(
        dict(state_dict=model.state_dict()),
        tmp_path / 'work_dirs' / 'demo' / 'epoch_20.pth')
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(snippet, 'getting_started.md', 'exec'), namespace)
    result, times = namespace['result'], namespace['times']
    assert result['video_name'] == 'validation_0000'
    assert len(result['scores']) > 0
    assert len(times) == len(namespace['curves']['level 0']) > 100
