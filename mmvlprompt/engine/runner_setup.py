"""Shared set-up of the tools: ``tools/train.py``, ``tools/test.py`` and the
analysis tools that build a model from a config."""
import argparse
import os
import os.path as osp
from typing import Optional, Sequence

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from ..compat import setup_cpu_distributed
from ..models.utils import choose_quick_gelu
from .cfg_options import add_cfg_options
from .compile import apply_compile


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Options both tools take: work dir, config overrides, launcher."""
    parser.add_argument('--work-dir',
                        help='the dir to save logs, checkpoints and metrics')
    add_cfg_options(parser)
    parser.add_argument('--launcher',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument('--compile', action='store_true',
                        help="torch.compile the model's step (MMEngine's "
                        '`compile` key; options with --cfg-options '
                        'compile.backend=... compile.mode=...)')


def parse_with_common(parser: argparse.ArgumentParser,
                      argv: Optional[Sequence[str]] = None):
    """Parse ``argv`` and export ``LOCAL_RANK`` like MMAction2's tools."""
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def check_file(path: str, what: str) -> None:
    """Fail early, naming the file, when an input file is missing."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} file {path!r} not found.')


def load_config(args) -> Config:
    """Read ``args.config``, apply ``--cfg-options``, launcher, work dir.

    The work dir is, by priority, ``--work-dir``, the config's ``work_dir``,
    then ``./work_dirs/<config name>``.
    """
    check_file(args.config, 'config')
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    message = apply_compile(cfg, getattr(args, 'compile', False))
    if message and os.environ.get('RANK', '0') == '0':
        print(message, flush=True)
    return cfg


def build_runner(cfg: Config) -> Runner:
    """Set up CPU distribution if needed and build the (custom) Runner."""
    setup_cpu_distributed(cfg.launcher, cfg)
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    from mmengine.registry import RUNNERS
    return RUNNERS.build(cfg)


def load_model_config(path: str, cfg_options: Optional[dict] = None,
                      random_clip: bool = True) -> Config:
    """Read a config for a tool that builds its model directly.

    Applies ``--cfg-options``, switches to a seeded random CLIP
    (``model.clip.pretrained=None``, so nothing is downloaded, with the
    activation the weights would have had) unless ``random_clip=False``,
    and sets the registry scope, so that ``MODELS.build(cfg.model)`` works
    next.
    """
    check_file(path, 'config')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if random_clip:  # same activation as the real weights would get
        clip = cfg.model.clip
        clip.quick_gelu = choose_quick_gelu(clip.arch, clip.get('pretrained'),
                                            clip.get('quick_gelu'))
        clip.pretrained = None
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    return cfg
