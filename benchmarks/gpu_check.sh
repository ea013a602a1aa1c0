#!/usr/bin/env bash
# The fast path's GPU check, one prepared run sized for under 8 minutes on one H100/H200:
# run_benchmarks.py's sections on CUDA, written to benchmarks/results/<gpu>_<date>.json
#   - data: the fast path's data path on the GPU (batch 512) and on one CPU core
#   - train: ResNet-50 256x256, batch 512, bf16 + channels-last: the step alone, the fast path
#     with its loader in the loop (target >= 2,500 images/s), the reference pipeline with
#     cores - 1 loader workers; host_syncs_in_fast_step must read 'none'
#   - batch512: batch 512 next to a cache the size of WFLW's (7,500 x 716 px, 11.5 GB)
#   - projection: the 210-epoch schedule at the measured rates (target <= 15 min)
#
#   bash benchmarks/gpu_check.sh               # on the GPU machine
#   bash benchmarks/gpu_check.sh --cpu-smoke   # the same sections, tiny, on the CPU: does it run end to end
#
# Python: $PYTHON, else .venv/bin/python, else python3. Where mmengine is missing (a bare GPU image),
# wheels carried in .whl/ are installed to /tmp/site first (docs/benchmarks.md says which).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
if ! "$PYTHON" -c 'import mmengine' 2>/dev/null && [ -d .whl ]; then
    "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
DATE=$(date +%Y-%m-%d)
mkdir -p benchmarks/results
if [ "${1:-}" = "--cpu-smoke" ]; then
    OUT=${OUT_JSON:-/tmp/cpu-smoke_$DATE.json}
    exec timeout 900 "$PYTHON" benchmarks/run_benchmarks.py --device cpu --skip-mmpose \
        --sections data,train,batch512,inference,projection --depth 18 --input-size 64 64 \
        --repeats 1 --passes 1 --fast-batch 8 --build-copies 1 --train-batch 4 --train-steps 1 --warmup-steps 1 \
        --repeats-train 1 --ref-workers 1 --fast-workers 1 --big-batch 8 --placeholder-faces 8 \
        --infer-batch 2 --latency-repeats 1 --json "$OUT"
fi
GPU=$("$PYTHON" -c 'import torch; print(torch.cuda.get_device_name(0).replace(" ", "-"))')
OUT=${OUT_JSON:-benchmarks/results/${GPU}_$DATE.json}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
# about: data 1 min, train 2-3 min (cudnn autotuning, 3 rounds x 3 loops x 20 steps of 512),
# batch512 1 min (11.5 GB placeholder), inference 0.5 min
timeout 470 "$PYTHON" benchmarks/run_benchmarks.py --device cuda --skip-mmpose \
    --sections data,train,batch512,inference,projection --repeats 3 --passes 5 --build-copies 5 \
    --train-batch 512 --train-steps 20 --warmup-steps 5 --repeats-train 3 --big-batch 512 --json "$OUT"
echo "wrote $OUT"
