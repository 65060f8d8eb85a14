#!/usr/bin/env bash
# Builds and installs the full MMCV (with its compiled ops) into the Python
# environment given as $1 (default: the python3 on PATH).
#
# PyPI has only the sdist of mmcv 2.0.1. Its setup.py compiles with
# -std=c++14, which torch>=2.1 headers reject, so the sdist is patched to
# -std=c++17 (what mmcv 2.1.0 does for torch>=2.1) before the build. The built
# wheel is cached under $MMGAF_WHEEL_CACHE (default ~/.cache/mmgaf/wheels),
# keyed by Python, torch and CUDA, so a rebuild of the environment is instant.
# On a machine with CUDA (torch.cuda.is_available() or FORCE_CUDA=1) MMCV's
# setup.py builds the CUDA ops as well.
set -euo pipefail

PYTHON=${1:-python3}
MMCV_VERSION=$(sed -n 's/^mmcv==//p' "$(dirname "$0")/../requirements/mminstall.txt")
PIP=("$PYTHON" -m pip)

tag=$("$PYTHON" - <<'PY'
import sys, torch
cuda = torch.version.cuda or 'cpu'
print(f'py{sys.version_info.major}{sys.version_info.minor}-torch{torch.__version__}-cuda{cuda}')
PY
)
cache_dir=${MMGAF_WHEEL_CACHE:-$HOME/.cache/mmgaf/wheels}/$tag
wheel=$(ls "$cache_dir"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n 1 || true)

if [ -z "$wheel" ]; then
    echo "[build_mmcv] building mmcv==$MMCV_VERSION for $tag (about 10 minutes on 2 cores)"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    # MMCV's setup.py imports torch and pkg_resources: build without isolation,
    # with a setuptools that still ships the APIs it uses. torch declares
    # setuptools>=77, so this is a separate step (pip refuses both in one).
    "${PIP[@]}" install "setuptools<70" ninja wheel
    "${PIP[@]}" download --no-deps --no-binary :all: --no-build-isolation \
        -d "$work" "mmcv==$MMCV_VERSION"
    tar -xzf "$work"/mmcv-"$MMCV_VERSION".tar.gz -C "$work"
    src="$work/mmcv-$MMCV_VERSION"
    sed -i 's/-std=c++14/-std=c++17/g' "$src/setup.py"
    mkdir -p "$cache_dir"
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
        "${PIP[@]}" wheel --no-deps --no-build-isolation -w "$cache_dir" "$src"
    wheel=$(ls "$cache_dir"/mmcv-"$MMCV_VERSION"-*.whl | head -n 1)
fi

"${PIP[@]}" install --no-deps --force-reinstall "$wheel"
