"""Timing helpers shared by the benchmark scripts (standard library only, so
that the mmpose side, run by another Python, can import it too)."""
import json
import os
import platform
import statistics
import subprocess
import time


def single_core() -> None:
    """Pin the math libraries of this process to one thread (per-core figures).
    Call before importing numpy/torch/cv2 where possible; safe to call again."""
    for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
        os.environ[name] = '1'
    try:
        import cv2
        cv2.setNumThreads(1)
    except ImportError:
        pass
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        pass


def rates(run_once, samples_per_run: int, repeats: int, warmup: int = 1) -> list:
    """Samples per second of ``run_once()`` (which handles ``samples_per_run``
    samples), ``repeats`` times after ``warmup`` untimed runs."""
    for _ in range(warmup):
        run_once()
    measured = []
    for _ in range(repeats):
        start = time.perf_counter()
        run_once()
        measured.append(samples_per_run / (time.perf_counter() - start))
    return measured


def summary(values: list) -> dict:
    """Median, min and max of repeated measurements."""
    return dict(median=statistics.median(values), min=min(values), max=max(values), repeats=len(values))


def cpu_model() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def pin_threads(threads: int) -> None:
    """Run the math libraries of this process (OpenMP/MKL, torch, cv2) on ``threads`` threads."""
    for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[name] = str(threads)
    import cv2
    import torch
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)


def interleaved_with_mmpose(side_command: list, backends: dict, counts, repeats: int, pause: float) -> dict:
    """Seconds per call, ``{side: {'batch<count>': [...]}}``, of mmpose's side and of ours, call by call.

    ``side_command`` starts mmpose's timing process (``mmpose_reference/time_inference_topdown.py``:
    it prints ``ready`` once loaded, then answers each line ``<count>`` with the seconds of one call
    on that many boxes); ``backends`` maps our side's names to ``run(count)``. Each call comes after
    ``pause`` seconds of sleep, so that the other side's worker threads are asleep; one warm-up
    call of each of ours at the largest count first.
    """
    seconds = {side: {f'batch{count}': [] for count in counts} for side in ['mmpose', *backends]}
    mmpose_side = subprocess.Popen(side_command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        for line in mmpose_side.stdout:  # mmengine prints its loading messages to stdout first
            if line.strip() == 'ready':
                break
        else:
            raise RuntimeError('the mmpose side did not start (see its messages above)')
        for run in backends.values():
            run(max(counts))
        for _ in range(repeats):
            for count in counts:
                time.sleep(pause)
                mmpose_side.stdin.write(f'{count}\n')
                mmpose_side.stdin.flush()
                seconds['mmpose'][f'batch{count}'].append(float(mmpose_side.stdout.readline()))
                for side, run in backends.items():
                    time.sleep(pause)
                    start = time.perf_counter()
                    run(count)
                    seconds[side][f'batch{count}'].append(time.perf_counter() - start)
    finally:
        mmpose_side.stdin.close()
        mmpose_side.wait(timeout=60)
    return seconds


def speed_rows(seconds: dict) -> dict:
    """Per side: batch-1 latency (ms), batch-8 faces/s and both as ratios to mmpose's medians."""
    base, median = seconds['mmpose'], statistics.median
    return {side: dict(latency_ms=median(measured['batch1']) * 1000,
                       faces_per_s_batch8=8 / median(measured['batch8']),
                       latency_speedup=median(base['batch1']) / median(measured['batch1']),
                       throughput_speedup=median(base['batch8']) / median(measured['batch8']))
            for side, measured in seconds.items()}


def against_inference_topdown(side_command: list, job: dict, boxes, backends: dict, repeats: int,
                              pause: float) -> tuple:
    """``(rows, seconds)`` of our ``backends`` (name -> ``run(boxes)`` -> keypoints) against mmpose's
    ``inference_topdown`` in its own process (``side_command`` ends with ``JOB.json OUT.json``: it
    reads the job, written here from ``job``, and writes its batch-1 keypoints to OUT), batch 1 and 8 on ``boxes``;
    each row with the largest batch-1 keypoint difference from mmpose's (pixels)."""
    import numpy as np
    with open(side_command[-2], 'w') as f:
        json.dump(job, f)
    seconds = interleaved_with_mmpose(side_command, {name: (lambda count, run=run: run(boxes[:count]))
                                                     for name, run in backends.items()}, (1, 8), repeats, pause)
    with open(side_command[-1]) as f:
        mmpose_pred = np.array(json.load(f)['pred_batch1'])
    rows = speed_rows(seconds)
    for name, run in backends.items():
        rows[name]['max_px_difference_from_mmpose'] = float(np.abs(run(boxes[:1]) - mmpose_pred).max())
    return rows, seconds


def add_side_by_side_arguments(parser, threads: int = 2, repeats: int = 5) -> None:
    """``--threads``, ``--repeats``, ``--pause`` and ``--out`` of the scripts that alternate calls with mmpose's."""
    parser.add_argument('--threads', type=int, default=threads)
    parser.add_argument('--repeats', type=int, default=repeats)
    parser.add_argument('--pause', type=float, default=0.5,
                        help='seconds of sleep before each timed call (default 0.5)')
    parser.add_argument('--out')
