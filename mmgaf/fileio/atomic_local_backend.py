import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

import mmengine
from mmengine.fileio import LocalBackend, register_backend


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """MMEngine's local file backend, writing every file atomically.

    A file is written to a temporary file beside it, flushed to disk and
    renamed over the target, so a process killed while saving leaves either
    the previous file or the new one, never a truncated checkpoint (and
    ``last_checkpoint`` never names a file that is half written).

    Use it through ``backend_args``, e.g. ``CheckpointHook(backend_args=
    dict(backend='atomic_local'))``.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        filepath = str(filepath)
        folder = osp.dirname(osp.abspath(filepath))
        mmengine.mkdir_or_exist(folder)
        fd, tmp_path = tempfile.mkstemp(
            dir=folder, prefix=f'.{osp.basename(filepath)}.', suffix='.tmp')
        try:
            with os.fdopen(fd, 'wb') as f:
                f.write(obj)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp_path, filepath)
        except BaseException:
            if osp.exists(tmp_path):
                os.remove(tmp_path)
            raise

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        self.put(obj.encode(encoding), filepath)
