#!/usr/bin/env bash
# Creates (or repairs) the virtual environment mmgaf runs in; safe to re-run.
#   bash tools/install.sh [VENV_DIR]      (default: .venv)
# Steps: torch (kept if already installed, e.g. a CUDA build), the pinned
# OpenMMLab stack, the full MMCV built from source, the I3D weights package,
# mmgaf itself in editable mode, and a final import check.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${1:-.venv}
PYTHON=${PYTHON:-python3}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}

if [ ! -x "$VENV/bin/python" ]; then
    echo "[install] creating the virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)

if ! "$PY" -c 'import torch' 2>/dev/null; then
    echo "[install] torch==$TORCH_VERSION"
    "${PIP[@]}" install "torch==$TORCH_VERSION"
fi

echo "[install] the pinned OpenMMLab stack, test and lint tools"
"${PIP[@]}" install -r requirements.txt -c requirements/constraints.txt

# MMEngine 0.10.7 resolves `mmaction::` configs with pkg_resources, which
# setuptools>=70 no longer ships, and MMCV's setup.py needs it too. torch
# declares setuptools>=77 (so the stack above pulls a newer one in) but does
# not need it at run time; pip refuses both pins in one command, so this is
# a step of its own, after everything that depends on torch. `wheel` gives
# that setuptools its bdist_wheel, which the editable install below needs.
"${PIP[@]}" install "setuptools<70" wheel -c requirements/constraints.txt

# mmengine depends on opencv-python, mmaction2 on opencv-contrib-python; both
# ship the cv2 package. The contrib build (with TV-L1 optical flow) must win.
if ! "$PY" -c 'import cv2; cv2.optflow' 2>/dev/null; then
    opencv=$(grep '^opencv-contrib-python==' requirements/constraints.txt)
    "${PIP[@]}" install --no-deps --force-reinstall "$opencv"
fi

if ! "$PY" -c 'import mmcv, mmcv._ext' 2>/dev/null || \
        [ "$("$PY" -c 'import mmcv; print(mmcv.__version__)')" != \
          "$(sed -n 's/^mmcv==//p' requirements/mminstall.txt)" ]; then
    bash tools/build_mmcv.sh "$PY"
fi

"${PIP[@]}" install --no-deps -r requirements/optional.txt
"${PIP[@]}" install --no-deps --no-build-isolation -e .

"$PY" - <<'PY'
import mmgaf
from mmgaf.utils import register_all_modules
register_all_modules()
import mmcv, mmdet, mmaction, mmengine, torch
print(f'[install] ok: mmgaf {mmgaf.__version__}, torch {torch.__version__}, '
      f'mmengine {mmengine.__version__}, mmcv {mmcv.__version__}, '
      f'mmaction2 {mmaction.__version__}, mmdet {mmdet.__version__}')
PY
