"""tools/analysis_tools/get_flops.py on the built-in dataset's configs."""
import os.path as osp
import re
import runpy
import sys

import pytest
from mmengine.config import Config

from mmgaf.registry import MODELS

pytestmark = pytest.mark.usefixtures('one_thread')


def flops_and_params(repo_root, monkeypatch, capsys, config, *args):
    monkeypatch.setattr(sys, 'argv', ['get_flops.py', config, *args])
    runpy.run_path(
        osp.join(repo_root, 'tools', 'analysis_tools', 'get_flops.py'),
        run_name='__main__')
    out = capsys.readouterr().out
    flops = int(re.search(r'FLOPs: \S+ \((\d+)\)', out).group(1))
    params = int(re.search(r'parameters: \S+ \((\d+)\)', out).group(1))
    return flops, params, out


def test_afsd_and_gaf(repo_root, monkeypatch, capsys):
    results = {}
    for name in ('afsd/afsd_synthetic.py', 'gaf/afsd_gaf_synthetic.py'):
        config = osp.join(repo_root, 'configs', name)
        flops, params, out = flops_and_params(repo_root, monkeypatch, capsys,
                                              config)
        assert 'input: (1, 256, 128)' in out
        model = MODELS.build(Config.fromfile(config).model)
        assert params == sum(p.numel() for p in model.parameters())
        results[name] = flops
    afsd, gaf = results.values()
    # GAF's attention adds work at test time, a small part of AFSD's
    assert afsd < gaf < 1.3 * afsd

    # convolutions over time: twice the window, about twice the work
    longer, _, out = flops_and_params(
        repo_root, monkeypatch, capsys,
        osp.join(repo_root, 'configs', 'afsd', 'afsd_synthetic.py'), '--shape',
        '256', '256')
    assert 'input: (1, 256, 256)' in out
    assert 1.8 * afsd < longer < 2.2 * afsd
