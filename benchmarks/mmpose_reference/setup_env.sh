#!/usr/bin/env bash
# Reference environment for benchmarks/compare_with_mmpose.py: mmpose 1.3.2 in
# its own virtual environment (.venv-mmpose/ in the repository root), kept
# apart from the project's .venv. Idempotent: a finished environment is only
# checked (about 12 s), not reinstalled. Not part of `make test`: the first
# run takes about 3.5 minutes and 6 GB.
#
#   bash benchmarks/mmpose_reference/setup_env.sh      # or: make compare-mmpose
#
# What mmpose 1.3.2 needs on today's stack, and how it is met here:
# - torch 2.14.1 / torchvision 0.29.1 from this machine kind's local disk.
# - mmcv-lite 2.1.0 (pure Python; mmpose accepts mmcv >= 2.0.0rc4, < 2.2.0).
#   It ships mmcv/ops/*.py but not the compiled mmcv._ext they load.
# - mmpose's RTMO head imports mmdet and its DETR-style heads import mmcv.ops
#   when `mmpose.models` is imported. Neither is used by top-down regression,
#   so write_import_stubs.py writes import-only stand-ins (mmcv/_ext.py,
#   mmdet/) into this venv's site-packages; any call into them raises.
# - xtcocotools 1.14.3's wheel is compiled against numpy 1 and fails under
#   numpy 2 ("numpy.dtype size changed"): it is built from source here with
#   Cython and --no-build-isolation, so both environments run numpy 2 and the
#   same opencv-python (crops are compared pixel for pixel).
# - mmpose is installed with --no-deps: its one other requirement, chumpy, is
#   an old source package (its setup.py imports pip internals) used only by
#   mmpose's SMPL tools; the rest are installed explicitly below.
# - setuptools < 81: mmengine's helpers import pkg_resources.
# - mmpose's RTMPose configs name mmdet parts (CSPNeXt, YOLOXHSVRandomAug,
#   PipelineSwitchHook): mmdet 3.3.0 is installed with --no-deps (its pins
#   would replace mmcv), with the pure-Python packages its imports need
#   (pycocotools, tqdm, shapely, terminaltables); its mmcv.ops imports are
#   answered by the mmcv/_ext.py stand-in, so no mmdet stub is written.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${MMPOSE_VENV:-$REPO_ROOT/.venv-mmpose}"
PYTHON="${PYTHON:-python3}"
PY="$VENV/bin/python"
STAMP="$VENV/.mmpose-reference-ready"
RECIPE="mmpose==1.3.2 mmcv-lite==2.1.0 mmengine==0.10.7 torch==2.14.1 torchvision==0.29.1 xtcocotools==1.14.3(source) mmdet==3.3.0(no-deps) stubs-v1"
CHECK='import mmpose, mmcv; assert mmpose.__version__ == "1.3.2", mmpose.__version__; from mmpose.apis import init_model, inference_topdown; import xtcocotools.coco; from mmdet.models.backbones import CSPNeXt'

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$RECIPE" ] && "$PY" -W ignore -c "$CHECK" 2>/dev/null; then
    echo "mmpose reference environment is ready: $VENV"
    exit 0
fi

start=$(date +%s)
test -x "$PY" || "$PYTHON" -m venv "$VENV"
# (the local indexes of this machine kind warn about every package they lack: drop those lines)
pip_install() { "$PY" -m pip install -q "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }
pip_install --upgrade pip 'setuptools<81' wheel
pip_install torch==2.14.1 torchvision==0.29.1
pip_install mmengine==0.10.7 mmcv-lite==2.1.0 'numpy>=2' scipy json-tricks munkres six pillow \
    matplotlib opencv-python cython
pip_install --no-build-isolation --no-binary xtcocotools xtcocotools==1.14.3
pip_install --no-deps mmpose==1.3.2
pip_install pycocotools tqdm shapely terminaltables
pip_install --no-deps mmdet==3.3.0
"$PY" "$REPO_ROOT/benchmarks/mmpose_reference/write_import_stubs.py"
"$PY" -W ignore -c "$CHECK"
echo "$RECIPE" > "$STAMP"
echo "mmpose reference environment ready in $(( $(date +%s) - start )) s: $VENV"
