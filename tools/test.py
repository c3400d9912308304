"""Evaluate a checkpoint with an mmvlprompt (or any MMAction2) config.

Same interface as MMAction2's ``tools/test.py``::

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--dump FILE.pkl]
        [--cfg-options KEY=VALUE ...] [--launcher {none,pytorch,slurm}]
        [--compile]
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmvlprompt  # noqa: E402,F401  (compat shims before mmaction)
from mmengine.config import Config  # noqa: E402

from mmvlprompt.engine import (RunSession, add_common_args,  # noqa: E402
                               build_runner, check_file, compile_test_step,
                               load_config, parse_with_common)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file, or "none" to '
                        'test the model as built (e.g. zero-shot CLIP)')
    parser.add_argument('--dump', type=str,
                        help='dump predictions to a pickle file (.pkl); with '
                        'several evaluation sets, one FILE_<prefix>.pkl each')
    add_common_args(parser)
    return parse_with_common(parser, argv)


def merge_args(cfg: Config, args) -> Config:
    """Fold the test options into the config."""
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump {args.dump}: expected a .pkl file.')
        dump_metric = dict(type='DumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, (list, tuple)):
            cfg.test_evaluator = [*evaluator, dump_metric]
        else:
            cfg.test_evaluator = [evaluator, dump_metric]
    cfg.load_from = None if args.checkpoint == 'none' else args.checkpoint
    return cfg


def main(argv=None):
    args = parse_args(argv)
    if args.checkpoint != 'none':
        check_file(args.checkpoint, 'checkpoint')
    cfg = merge_args(load_config(args), args)
    # RunSession ends the run cleanly: workers, barrier, process group
    with RunSession(cfg, build_runner) as runner:
        compile_test_step(runner)  # --compile / cfg.compile
        runner.test()


if __name__ == '__main__':
    main()
