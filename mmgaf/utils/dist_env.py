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


def release_distributed() -> None:
    """Close the process group once a run is over.

    MMEngine's Runner leaves it open; gloo's worker threads are then torn
    down by the interpreter's exit, which now and then aborts a finished
    process ("terminate called without an active exception") and so fails
    a run that succeeded. A barrier first lets every rank finish its last
    collective.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
