import datetime
import logging
import os
import re
import shutil
import subprocess
import sys
from typing import Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config

# torch.distributed's default port, as MMEngine's slurm launcher uses.
DEFAULT_MASTER_PORT = 29500


def prepare_cpu_distributed(cfg: Config) -> None:
    """Make ``--launcher pytorch`` and ``--launcher slurm`` work on a machine
    without CUDA.

    MMEngine's launchers call ``torch.cuda.set_device`` and wrap the model in
    DDP with ``device_ids=[LOCAL_RANK]``; both fail without CUDA. Here the
    process group is started on the gloo backend before the Runner is built
    (so the Runner does not initialise it again), and the DDP wrapper is told
    that the module lives on the CPU. For ``slurm`` the variables that
    ``torchrun`` would set are first derived from SLURM's, as MMEngine does
    (:func:`slurm_to_torch_env`). The ``timeout`` (seconds) and, for
    ``slurm``, ``port`` of ``env_cfg.dist_cfg`` are honoured. With CUDA,
    nothing changes: NCCL and one GPU per process, as in MMAction2.
    """
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    wrapper_cfg = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg
    if torch_dist.is_initialized():
        return
    if launcher == 'slurm':
        slurm_to_torch_env(port=dist_cfg.get('port'))
    kwargs = {}
    if dist_cfg.get('timeout') is not None:
        kwargs['timeout'] = datetime.timedelta(seconds=dist_cfg['timeout'])
    torch_dist.init_process_group(backend='gloo', **kwargs)


def slurm_to_torch_env(port: Optional[int] = None) -> None:
    """Set ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and
    ``MASTER_PORT`` from the variables ``srun`` gives each task, as
    MMEngine's slurm launcher does before ``init_process_group``.

    ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` always follow
    ``SLURM_PROCID``, ``SLURM_NTASKS`` and ``SLURM_LOCALID`` (``LOCAL_RANK``
    is preset to 0 by ``tools/train.py``). ``MASTER_ADDR`` is kept when set,
    else the first host of ``SLURM_NODELIST`` (:func:`slurm_master_addr`).
    ``MASTER_PORT`` is ``port`` when given, else kept when set, else 29500.

    Args:
        port (int, optional): The master port, ``env_cfg.dist_cfg.port``.
            Defaults to None.
    """
    missing = [
        name for name in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST')
        if name not in os.environ
    ]
    if missing:
        raise KeyError(f'--launcher slurm needs the environment variables '
                       f'{", ".join(missing)}, which srun sets; start the '
                       'job with tools/slurm_train.sh or srun')
    proc_id = os.environ['SLURM_PROCID']
    os.environ['RANK'] = proc_id
    os.environ['WORLD_SIZE'] = os.environ['SLURM_NTASKS']
    # srun always sets SLURM_LOCALID; MMEngine's fallback (rank modulo the
    # GPU count) has no meaning without GPUs, and nothing on the CPU path
    # selects a device by it.
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
    if 'MASTER_ADDR' not in os.environ:
        os.environ['MASTER_ADDR'] = slurm_master_addr(
            os.environ['SLURM_NODELIST'])
    if port is not None:
        os.environ['MASTER_PORT'] = str(port)
    else:
        os.environ.setdefault('MASTER_PORT', str(DEFAULT_MASTER_PORT))


def slurm_master_addr(node_list: str) -> str:
    """The first host of a SLURM node list, which hosts rank 0.

    ``scontrol show hostname`` expands the list where ``scontrol`` is on
    ``PATH``, as in MMEngine; elsewhere :func:`first_slurm_host` does.

    Args:
        node_list (str): ``SLURM_NODELIST`` (or ``SLURM_JOB_NODELIST``).

    Returns:
        str: The host name.
    """
    if not shutil.which('scontrol'):
        return first_slurm_host(node_list)
    result = subprocess.run(['scontrol', 'show', 'hostname', node_list],
                            capture_output=True,
                            text=True)
    hosts = result.stdout.split()
    if result.returncode != 0 or not hosts:
        raise RuntimeError(f'scontrol show hostname {node_list!r} failed: '
                           f'{result.stderr.strip() or "no host printed"}')
    return hosts[0]


def first_slurm_host(node_list: str) -> str:
    """Expand the first entry of a SLURM host list without ``scontrol``.

    Entries are separated by commas outside brackets; each bracket holds
    ranges and numbers, of which the first is taken, zero padding kept.

    Args:
        node_list (str): A host list such as ``'node[03-05,9],login1'``.

    Returns:
        str: The first host.

    Example:
        >>> first_slurm_host('localhost')
        'localhost'
        >>> first_slurm_host('node[03-05,9],login1')
        'node03'
        >>> first_slurm_host('rack[1-2]-gpu[4-7]')
        'rack1-gpu4'
    """
    node_list = node_list.strip()
    entry = re.match(r'(?:[^,\[\]]|\[[^\[\]]+\])*', node_list).group(0)
    rest = node_list[len(entry):]
    if not entry or (rest and not rest.startswith(',')):
        raise ValueError(
            f'SLURM_NODELIST={node_list!r} is not a SLURM host list such as '
            "'node1' or 'node[1-3]'; set MASTER_ADDR to the first host")
    return re.sub(r'\[([^\]]*)\]',
                  lambda ranges: re.split(r'[-,]', ranges.group(1))[0], entry)


def end_distributed_run() -> None:
    """End a distributed run's process once its work is done.

    MMEngine's Runner leaves the process group open, and gloo's worker
    threads are then torn down by the C++ runtime at interpreter exit (or
    by ``destroy_process_group``), which now and then aborts a finished
    process ("terminate called without an active exception", SIGABRT) and
    so fails a run that succeeded. After a barrier, so that every rank has
    finished its last collective and its files are written, the process
    flushes its logs and leaves with status 0 without running those
    destructors. Does nothing outside a distributed run.
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    torch_dist.barrier()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
