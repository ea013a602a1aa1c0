#!/usr/bin/env bash
# The fast path's GPU check, one prepared run sized for under 8 minutes on one H100/H200:
# first fast_path_cache_and_host_cost.py on CUDA (benchmarks/results/<gpu>_<date>_cache.json):
#   - the per-face-resolution cache of 1,000 WFLW-sized synthetic faces and the 4 real ones:
#     bytes per face, projected for WFLW's 7,500 faces (against the former 11.5 GB)
#   - the device warp's rate (batch 512, normalised inputs and targets on the GPU) and the
#     fast path's host cost per face on one core
# then run_benchmarks.py's sections on CUDA, written to benchmarks/results/<gpu>_<date>.json
#   - data: the fast path's data path on the GPU (batch 512) and on one CPU core
#   - train: ResNet-50 256x256, batch 512, bf16 + channels-last: the step alone, the fast path
#     with its loader in the loop (target >= 2,500 images/s), the reference pipeline with
#     cores - 1 loader workers; host_syncs_in_fast_step must read 'none'
#   - batch512: batch 512 next to a cache the size of WFLW's (the projection measured first)
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
projected_gigabytes() {  # the WFLW-like set's cache projected for 7,500 faces, from the cache benchmark's JSON
    "$PYTHON" -c 'import json, sys; print(round(json.load(open(sys.argv[1]))["sets"]["wflw_like"]["projected_wflw_gigabytes"], 3))' "$1"
}
if [ "${1:-}" = "--cpu-smoke" ]; then
    OUT=${OUT_JSON:-/tmp/cpu-smoke_$DATE.json}
    timeout 300 "$PYTHON" benchmarks/fast_path_cache_and_host_cost.py --quick --skip-mmpose --device-warp cpu \
        --json "${OUT%.json}_cache.json"
    exec timeout 900 "$PYTHON" benchmarks/run_benchmarks.py --device cpu --skip-mmpose \
        --sections data,train,batch512,inference,projection --depth 18 --input-size 64 64 \
        --repeats 1 --passes 1 --fast-batch 8 --build-copies 1 --train-batch 4 --train-steps 1 --warmup-steps 1 \
        --repeats-train 1 --ref-workers 1 --fast-workers 1 --big-batch 8 --placeholder-faces 8 \
        --cache-gigabytes "$(projected_gigabytes "${OUT%.json}_cache.json")" \
        --infer-batch 2 --latency-repeats 1 --json "$OUT"
fi
GPU=$("$PYTHON" -c 'import torch; print(torch.cuda.get_device_name(0).replace(" ", "-"))')
OUT=${OUT_JSON:-benchmarks/results/${GPU}_$DATE.json}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
# about 1.5 min: drawing 1,000 WFLW-sized faces ~25 s, their cache ~5 s, 3 rounds of each measurement
timeout 150 "$PYTHON" benchmarks/fast_path_cache_and_host_cost.py --device-warp cuda --skip-mmpose \
    --wflw-like-faces 1000 --repeats 3 --json "${OUT%.json}_cache.json"
echo "wrote ${OUT%.json}_cache.json"
# about: data 1 min, train 2-3 min (cudnn autotuning, 3 rounds x 3 loops x 20 steps of 512),
# batch512 1 min (the projected cache as a placeholder), inference 0.5 min
timeout 400 "$PYTHON" benchmarks/run_benchmarks.py --device cuda --skip-mmpose \
    --sections data,train,batch512,inference,projection --repeats 3 --passes 5 --build-copies 5 \
    --train-batch 512 --train-steps 20 --warmup-steps 5 --repeats-train 3 --big-batch 512 \
    --cache-gigabytes "$(projected_gigabytes "${OUT%.json}_cache.json")" --json "$OUT"
echo "wrote $OUT"
