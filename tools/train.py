"""Train a model from a config: ``python tools/train.py CONFIG [options]``."""
import argparse
import contextlib
import os
import sys



def parse_args():
    from mmpose_face.apis.cli import CfgOptionsAction
    parser = argparse.ArgumentParser(description='Train a face landmark model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from the latest checkpoint in the work dir, or from CKPT')
    parser.add_argument('--resume-weights-only', action='store_true',
                        help='let --resume continue from a file without optimizer state (a best_*.pth): '
                             'its weights and counters, a fresh optimizer and LR schedule')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument('--no-validate', action='store_true', help='no validation during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the LR by the actual batch size / auto_scale_lr.base_batch_size')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow checkpoints that need unpickling beyond tensors (trusted files only)')
    parser.add_argument('--skip-hash-check', action='store_true',
                        help='load a checkpoint whose name promises another SHA-256 (a renamed or changed file)')
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction,
                        help='override settings, e.g. train_cfg.max_epochs=10')
    parser.add_argument('--verbose', action='store_true',
                        help='every log line on the console (config, environment and hook tables, iteration '
                             'lines), no progress bar')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main(args):
    from mmengine.runner import find_latest_checkpoint

    from mmpose_face.apis import build_runner, prepare_train_config, run_checks
    from mmpose_face.engine.checkpoint_loading import CheckpointMismatchError
    from mmpose_face.engine.quiet_console_runner import show_everything_on_console
    from mmpose_face.engine.resume_checkpoint import check_resumable, recorded_checkpoint, resume_source
    from mmpose_face.engine.work_dir_lock import work_dir_lock
    from mmpose_face.errors import UserInputRuntimeError
    # None: not given on the command line, the environment opt-ins decide (checkpoint_loading)
    trusted, skip_hash_check = args.trust_checkpoint or None, args.skip_hash_check or None
    cfg = run_checks.load_config(prepare_train_config, args.config, args.work_dir, args.resume, args.amp,
                                 args.no_validate, args.auto_scale_lr, args.launcher, args.cfg_options)
    if args.verbose:
        show_everything_on_console(cfg)
    run_checks.check_optimizer_values(cfg, args.config)
    run_checks.check_vis_backends(cfg, args.config)
    run_checks.check_sync_batchnorm(cfg, args.config)
    run_checks.check_work_dir(cfg.work_dir)
    # one run per work dir (the first process of a distributed run holds it for all)
    lock = work_dir_lock(cfg.work_dir) if _process_rank() == 0 else contextlib.nullcontext()
    with lock:
        if args.resume:
            source = resume_source(cfg.work_dir) if args.resume == 'auto' else args.resume
            if source is None:  # a first run: nothing to resume, and nothing for mmengine to look for
                cfg.resume = False
            else:
                finished = check_resumable(source, cfg.get('train_cfg'), args.resume_weights_only,
                                           trusted=trusted, skip_hash_check=skip_hash_check)
                if finished:
                    print(finished)
                    return
                cfg.load_from = source  # mmengine itself would only read last_checkpoint
        runner = build_runner(cfg, trusted=trusted, skip_hash_check=skip_hash_check)
        try:
            runner.train()
        except CheckpointMismatchError as error:  # from load_from / --resume: name the file
            checkpoint = cfg.load_from or find_latest_checkpoint(cfg.work_dir)
            raise CheckpointMismatchError(f'{checkpoint}: {error}') from None
        except KeyboardInterrupt:
            kept = recorded_checkpoint(cfg.work_dir)
            raise UserInputRuntimeError(
                f'interrupted (Ctrl-C): training stopped in epoch {runner.epoch + 1}, after {runner.iter} iterations; '
                + (f'the last complete checkpoint is {kept}: continue with --resume' if kept else
                   'no checkpoint was saved yet')) from None


def _process_rank() -> int:
    """This process's rank in a distributed launch (0 when not launched so)."""
    for name in ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK'):
        value = os.environ.get(name, '')
        if value.isdigit():
            return int(value)
    return 0


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from mmpose_face.apis.cli import run_tool
    sys.exit(run_tool(main, parse_args()))
