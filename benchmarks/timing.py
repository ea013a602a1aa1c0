"""Timing helpers shared by the benchmark scripts (standard library only, so
that the mmpose side, run by another Python, can import it too)."""
import os
import platform
import statistics
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
