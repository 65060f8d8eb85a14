import logging
import os
import sys

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def prepare_cpu_distributed(cfg: Config) -> None:
    """Make ``--launcher pytorch`` work on a machine without CUDA.

    MMEngine's launcher calls ``torch.cuda.set_device`` and wraps the model in
    DDP with ``device_ids=[LOCAL_RANK]``; both fail without CUDA. Here the
    process group is started on the gloo backend before the Runner is built
    (so the Runner does not initialise it again), and the DDP wrapper is told
    that the module lives on the CPU. With CUDA, nothing changes: NCCL and one
    GPU per process, as in MMAction2.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    env_cfg = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper_cfg = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper_cfg['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper_cfg
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')


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
