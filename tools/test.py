"""Test a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``.

Prints the WFLW table (full set, six subsets, FR and AUC), writes the error
curves to the work dir, ``--out`` the metrics as JSON and ``--dump`` the
per-face predictions, and ends with the list of every file it wrote.
"""
import argparse
import os
import sys
import time


def parse_args():
    from mmpose_face.apis.cli import CfgOptionsAction
    parser = argparse.ArgumentParser(description='Test a face landmark model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file (path or http(s) URL)')
    parser.add_argument('--work-dir', help='the dir to save evaluation results')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    parser.add_argument('--dump', help='write per-face predictions and ground truth to this JSON file')
    parser.add_argument('--show-dir', help='save every test face with its landmarks here')
    parser.add_argument('--badcase', action='store_true',
                        help='draw and list the worst faces (default_hooks.badcase: BadCaseAnalysisHook)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow checkpoints that need unpickling beyond tensors (trusted files only)')
    parser.add_argument('--skip-hash-check', action='store_true',
                        help='load a checkpoint whose name promises another SHA-256 (a renamed or changed file)')
    parser.add_argument('--allow-nonfinite', action='store_true',
                        help='exit 0 even when predictions are NaN or inf (they count as failures, NME is inf)')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override settings, e.g. test_dataloader.batch_size=8')
    parser.add_argument('--verbose', action='store_true',
                        help='every log line on the console (config, environment and hook tables), no progress bar')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(args):
    from mmpose_face.apis import build_runner, prepare_test_config, run_checks
    from mmpose_face.apis.written_files import describe_written_files, files_written_since
    from mmpose_face.engine.checkpoint_loading import load_checkpoint
    from mmpose_face.engine.quiet_console_runner import show_everything_on_console
    from mmpose_face.evaluation.nonfinite_predictions import refuse_nonfinite_predictions
    from mmpose_face.fileio import write_json_atomically
    start_time = time.time()
    cfg = run_checks.load_config(prepare_test_config, args.config, args.work_dir, args.dump, args.show_dir,
                                 args.launcher, args.cfg_options, badcase=args.badcase)
    if args.verbose:
        show_everything_on_console(cfg)
    run_checks.check_vis_backends(cfg, args.config)
    run_checks.check_work_dir(cfg.work_dir)
    # None: not given on the command line, the environment opt-ins decide (checkpoint_loading)
    trusted, skip_hash_check = args.trust_checkpoint or None, args.skip_hash_check or None
    runner = build_runner(cfg, trusted=trusted, skip_hash_check=skip_hash_check)
    model = runner.model.module if hasattr(runner.model, 'module') else runner.model
    load_checkpoint(model, args.checkpoint, trusted=trusted, skip_hash_check=skip_hash_check)
    metrics = runner.test()
    if runner.rank != 0:
        return
    if args.out:  # a non-finite metric is written as null (standard JSON)
        write_json_atomically(args.out, {key: float(value) for key, value in metrics.items()}, indent=1)
    # the files are listed before a refusal too: they hold what the user needs to find the broken faces
    print(describe_written_files(files_written_since(start_time, [cfg.work_dir, args.out, args.dump, args.show_dir])))
    if not args.allow_nonfinite:
        refuse_nonfinite_predictions(metrics, runner.test_evaluator)


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from mmpose_face.apis.cli import run_tool
    sys.exit(run_tool(main, parse_args()))
