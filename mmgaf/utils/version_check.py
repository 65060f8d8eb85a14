"""Checks that the installed OpenMMLab stack is one mmgaf is tested with.

The stack is pinned deliberately (see ``requirements/``): MMAction2 1.1.0 is
the newest release whose PyPI package is complete, and it accepts MMCV
``>=2.0.0rc4, <2.1.0``; MMDetection 3.1.0 is the newest release that accepts
that MMCV. ``mmdet.models`` imports MMCV's compiled ops, so the full ``mmcv``
(not ``mmcv-lite``) is required.
"""
import importlib.metadata
import importlib.util
import re

# name -> (minimum inclusive, maximum exclusive, what to install)
REQUIRED = {
    'torch': ('1.13.0', '3.0.0', 'torch==2.13.0'),
    'mmengine': ('0.10.0', '0.11.0', 'mmengine==0.10.7'),
    'mmcv': ('2.0.0', '2.1.0', 'mmcv==2.0.1 (full build, `make install`)'),
    'mmaction2': ('1.1.0', '1.2.0', 'mmaction2==1.1.0'),
    'mmdet': ('3.1.0', '3.2.0', 'mmdet==3.1.0'),
}

INSTALL_HINT = ('Run `make install` in the mmgaf checkout (CPU), or see '
                '"Install on a CUDA machine" in README.md.')


def release_tuple(version: str) -> tuple:
    """``'2.13.0+cpu'`` -> ``(2, 13, 0)``; pre-release tags are ignored."""
    match = re.match(r'\d+(\.\d+)*', version)
    if match is None:
        raise ValueError(f'unparsable version string {version!r}')
    return tuple(int(part) for part in match.group(0).split('.'))


def installed_version(dist_name: str):
    """The installed version of a distribution, or None when absent."""
    try:
        return importlib.metadata.version(dist_name)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_versions() -> None:
    """Raise ``ImportError`` naming every package that is missing, outside
    the supported range, or (for MMCV) installed without its compiled ops."""
    problems = []
    for dist_name, (low, high, wanted) in REQUIRED.items():
        version = installed_version(dist_name)
        if version is None:
            if dist_name == 'mmcv' and installed_version('mmcv-lite'):
                problems.append(
                    'mmcv-lite is installed, but mmdet.models needs the full '
                    f'mmcv with compiled ops: install {wanted}')
            else:
                problems.append(f'{dist_name} is not installed: '
                                f'install {wanted}')
            continue
        if not (release_tuple(low) <= release_tuple(version) <
                release_tuple(high)):
            problems.append(f'{dist_name}=={version} is installed, mmgaf '
                            f'needs >={low},<{high}: install {wanted}')
    if installed_version('mmcv') is not None and \
            importlib.util.find_spec('mmcv._ext') is None:
        problems.append('mmcv is installed without its compiled ops '
                        '(mmcv._ext): rebuild it with MMCV_WITH_OPS=1 '
                        '(`make install` does this)')
    if problems:
        raise ImportError('mmgaf cannot run on this environment:\n  - ' +
                          '\n  - '.join(problems) + '\n' + INSTALL_HINT)
