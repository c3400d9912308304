"""Train a recognizer with an mmvlprompt (or any MMAction2) config.

Same interface as MMAction2's ``tools/train.py``::

    python tools/train.py configs/vlprompt_k400.py [--work-dir DIR]
        [--resume [auto|CKPT]] [--amp] [--auto-scale-lr] [--seed N]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm}]
        [--compile]
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmvlprompt  # noqa: E402,F401  (compat shims before mmaction)
from mmengine.config import Config  # noqa: E402

from mmvlprompt.engine import (RunSession, add_common_args,  # noqa: E402
                               apply_amp, build_runner, check_file,
                               find_resumable_checkpoint, load_config,
                               parse_with_common)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or, with no value, from the '
        'latest checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision: bf16 autocast where the device supports '
                        'it (CPU, GPUs of compute capability >= 8.0), else '
                        'fp16 with dynamic loss scaling; a frozen CLIP is '
                        'held in that dtype (model.frozen_dtype)')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip validation during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the lr linearly with the total batch')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument('--diff-rank-seed', action='store_true',
                        help='use a different seed on each rank')
    parser.add_argument('--deterministic', action='store_true',
                        help='deterministic cuDNN / algorithms')
    add_common_args(parser)
    return parse_with_common(parser, argv)


def merge_args(cfg: Config, args) -> Config:
    """Fold the training options into the config."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.amp:
        for message in apply_amp(cfg):
            print(message)
    if args.resume == 'auto':
        # the newest readable checkpoint; an unreadable latest one (e.g.
        # truncated) is reported and the previous one used
        rank0 = os.environ.get('RANK', '0') == '0'
        cfg.resume = True
        cfg.load_from = find_resumable_checkpoint(
            cfg.work_dir, log=lambda msg: print(msg, flush=True) if rank0
            else None)
    elif args.resume is not None:
        check_file(args.resume, '--resume checkpoint')
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or \
                'base_batch_size' not in cfg.auto_scale_lr:
            raise KeyError('--auto-scale-lr needs `auto_scale_lr = '
                           'dict(base_batch_size=...)` in the config.')
        cfg.auto_scale_lr.enable = True
    if args.seed is not None or args.deterministic or args.diff_rank_seed:
        cfg.randomness = dict(seed=args.seed,
                              diff_rank_seed=args.diff_rank_seed,
                              deterministic=args.deterministic)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = merge_args(load_config(args), args)
    # RunSession ends the run cleanly: workers, barrier, process group
    with RunSession(cfg, build_runner) as runner:
        # every rank reports, so multi-process set-ups can be checked
        print(f'rank={runner.rank} world_size={runner.world_size}',
              flush=True)
        runner.train()


if __name__ == '__main__':
    main()
