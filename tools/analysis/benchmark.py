"""Side-by-side cost of a training and an inference step against baselines.

Times, in one process and on the same random inputs, these cases:

* ``ours_train`` / ``ours_infer``: the config's model (random CLIP weights);
  inference with the text-feature cache warm;
* ``limit_train`` / ``limit_infer``: the physical limit, a frozen CLIP with no
  prompts, frame mean and precomputed text features; for training, a
  learnable tensor added to the input so that backward runs through the
  vision tower;
* ``peer_train``: the same method run the way public prompt-learning video
  code runs it: the text encoder on all 77 positions every step, without
  truncation or prefix sharing;
* ``full_ft_train``: ViFi-CLIP-style full fine-tuning, every CLIP weight
  trainable, no prompts.

After a warm-up step each, the cases are run round-robin, ``--iters``
times, so that machine noise hits every case alike; the table shows the
median, min and max step time, clips/s, the ratios to the limit and to the
peer-style step, the peak memory and the trainable parameters::

    python tools/analysis/benchmark.py configs/vlprompt_k400.py \
        --num-classes 400 --frames 8 --batch-size 1 --threads 2 --iters 3 \
        --json work_dirs/benchmark.json

Peak memory is measured in a separate pass, one step per case: the case's
resident state (parameters, buffers, gradients, optimizer state) plus the
step's peak working memory above it (CUDA allocator peak, or on CPU the peak
RSS after resetting it through ``/proc/self/clear_refs``). The data
preprocessor is not part of any case: inputs are already-normalised frames.
"""
import argparse
import copy
import ctypes
import gc
import json
import os
import os.path as osp
import statistics
import sys
import time
from contextlib import nullcontext
from datetime import datetime, timezone

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import mmvlprompt  # noqa: E402,F401  (compat shims before mmaction)
import open_clip  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from mmaction.registry import MODELS  # noqa: E402
from mmaction.structures import ActionDataSample  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmvlprompt.compat import amp_settings  # noqa: E402
from mmvlprompt.engine import (add_cfg_options, apply_amp,  # noqa: E402
                               apply_compile, compile_function,
                               compile_options, load_model_config)
from mmvlprompt.models.utils import (build_clip,  # noqa: E402
                                     hold_frozen_weights, parse_frozen_dtype)
from mmvlprompt.utils import (generated_class_names,  # noqa: E402
                              load_class_names)

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from op_count import count_launches, format_top, gpu_busy  # noqa: E402

CASES = ('ours_train', 'ours_infer', 'limit_train', 'limit_infer',
         'peer_train', 'full_ft_train')
MIB = 2**20


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', default='configs/vlprompt_k400.py')
    parser.add_argument('--num-classes', type=int, default=400)
    parser.add_argument('--label-map', default=None,
                        help='class names (first --num-classes lines); '
                        "default: the config's label map if it exists, "
                        'else generated names')
    parser.add_argument('--frames', type=int, default=8)
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--arch', default=None,
                        help="CLIP architecture (default: the config's)")
    parser.add_argument('--device', default=None,
                        help='cpu or cuda (default: cuda if available)')
    parser.add_argument('--amp', action='store_true',
                        help='what tools/train.py --amp trains with: '
                        'autocast in its dtype, frozen CLIP weights held in '
                        'it (the limit case too)')
    parser.add_argument('--compile', action='store_true',
                        help="torch.compile every case's forward, with the "
                        "options of the config's `compile` key (as "
                        'tools/train.py --compile)')
    parser.add_argument('--with-cp', action='store_true',
                        help='gradient checkpointing in both encoders')
    parser.add_argument('--iters', type=int, default=3,
                        help='timed rounds after one warm-up round')
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed steps per case before timing '
                        '(inference cases always get one, to fill the '
                        'text cache)')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads')
    parser.add_argument('--cases', default=','.join(CASES),
                        help='comma-separated subset of ' + ','.join(CASES))
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak-memory pass')
    parser.add_argument('--count-ops', action='store_true',
                        help='count, per case, the operators one step '
                        'launches and its copy_ (one profiled step after '
                        'the timing; see tools/analysis/op_count.py)')
    parser.add_argument('--profile-steps', type=int, default=0,
                        help='on a GPU: profile this many steps of each '
                        'case and report kernel time against wall time per '
                        'step (how much of a step the GPU computes)')
    parser.add_argument('--json', default=None, help='write results here')
    add_cfg_options(parser)
    args = parser.parse_args(argv)
    cases = [c for c in args.cases.split(',') if c]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f'--cases: unknown {unknown}; choose from {CASES}.')
    args.cases = [c for c in CASES if c in cases]
    if args.warmup < 0:
        parser.error('--warmup must be >= 0.')
    for key in ('num_classes', 'frames', 'batch_size', 'iters'):
        if getattr(args, key) < 1:
            parser.error(f'--{key.replace("_", "-")} must be >= 1.')
    return args


# ----------------------------------------------------------------------------
# memory
# ----------------------------------------------------------------------------
def _proc_status_kib(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    return None


class PeakMemory:
    """Peak working memory of a block of code above what was held before."""

    def __init__(self, device):
        self.device = device
        self.cpu_ok = device.type == 'cpu' and self._can_reset_rss()

    @staticmethod
    def _can_reset_rss():
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')
            return _proc_status_kib('VmHWM') is not None
        except OSError:
            return False

    @property
    def available(self):
        return self.device.type == 'cuda' or self.cpu_ok

    def measure(self, fn):
        """Run ``fn`` and return its peak extra memory in bytes."""
        gc.collect()
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            torch.cuda.empty_cache()
            base = torch.cuda.memory_allocated(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            fn()
            torch.cuda.synchronize(self.device)
            return torch.cuda.max_memory_allocated(self.device) - base
        try:  # hand freed heap pages back so that RSS is live memory
            ctypes.CDLL('libc.so.6').malloc_trim(0)
        except OSError:
            pass
        base = _proc_status_kib('VmRSS')
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        fn()
        return (_proc_status_kib('VmHWM') - base) * 1024


def state_bytes(modules, optimizer=None, extra=()):
    """Bytes of the distinct parameters, buffers, gradients and optimizer
    state of a case."""
    seen, total = set(), 0

    def add(t):
        nonlocal total
        if isinstance(t, torch.Tensor) and t.data_ptr() not in seen:
            seen.add(t.data_ptr())
            total += t.numel() * t.element_size()

    for module in modules:
        for t in list(module.parameters()) + list(module.buffers()):
            add(t)
            add(t.grad)
    for t in extra:
        add(t)
        add(t.grad)
    if optimizer is not None:
        for state in optimizer.state.values():
            for t in state.values():
                add(t)
    return total


# ----------------------------------------------------------------------------
# cases
# ----------------------------------------------------------------------------
class Case:
    """One benchmarked step: ``step()`` runs it, ``trainable`` and
    ``state_bytes()`` describe it."""

    def __init__(self, name, step, trainable, state_fn, sync):
        self.name, self._step, self.trainable = name, step, trainable
        self.state_fn, self._sync = state_fn, sync
        self.times = []

    def step(self):
        self._step()
        self._sync()

    def timed_step(self):
        start = time.perf_counter()
        self.step()
        self.times.append(time.perf_counter() - start)


def share_frozen_weights(reference, model):
    """Point ``model``'s frozen tensors at ``reference``'s equal ones to save
    memory (all cases build CLIP from the same seed)."""
    ref = dict(reference.named_parameters())
    for name, param in model.named_parameters():
        other = ref.get(name)
        if other is not None and not param.requires_grad and \
                not other.requires_grad and other.shape == param.shape and \
                other.dtype == param.dtype and torch.equal(other, param):
            param.data = other.data


class CaseFactory:
    """Builds every case on one device from one config and one input."""

    def __init__(self, args, cfg, names, device):
        self.args, self.cfg, self.names, self.device = args, cfg, names, device
        amp = amp_settings() if args.amp else None
        if amp and device.type == 'cpu':
            amp = dict(amp, dtype='bfloat16')
        self.autocast = (lambda: torch.autocast(
            device.type, dtype=getattr(torch, amp['dtype']))) if amp \
            else nullcontext
        self.amp_dtype = amp['dtype'] if amp else 'float32'
        if amp:  # as tools/train.py --amp: wrapper, frozen CLIP held
            apply_amp(cfg)
        self.frozen_dtype = cfg.model.get('frozen_dtype')
        self.compile = compile_options(cfg)  # None: eager
        size = build_clip(cfg.model.clip.arch, seed=0).visual.image_size
        gen = torch.Generator().manual_seed(0)
        self.inputs = torch.randn(args.batch_size, args.frames, 3, *size,
                                  generator=gen).to(device)
        labels = torch.randint(0, len(names), (args.batch_size,),
                               generator=gen)
        self.samples = [ActionDataSample().set_gt_label(int(lb))
                        for lb in labels]
        self.labels = labels.to(device)
        self.reference = None

    def sync(self):
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)

    def _model(self, **changes):
        cfg = copy.deepcopy(self.cfg.model)
        for key, value in changes.items():
            node = cfg
            *path, last = key.split('.')
            for part in path:
                node = node[part]
            node[last] = value
        model = MODELS.build(cfg).to(self.device)
        if self.reference is None:
            self.reference = model
        else:
            share_frozen_weights(self.reference, model)
        return model

    def _optim_wrapper(self, module):
        """The config's optim wrapper (after --amp, as tools/train.py
        builds it): optimizer, gradient clipping, autocast context."""
        return build_optim_wrapper(module, copy.deepcopy(
            self.cfg.optim_wrapper))

    def _train_case(self, name, model):
        model.train()
        params = [p for p in model.parameters() if p.requires_grad]
        wrapper = self._optim_wrapper(model)
        loss = compile_function(model.loss, self.compile)

        def step():
            with wrapper.optim_context(model):
                losses = loss(self.inputs, self.samples)
            wrapper.update_params(sum(losses.values()))

        return Case(name, step, sum(p.numel() for p in params),
                    lambda: state_bytes([model], wrapper.optimizer),
                    self.sync)

    def ours_train(self):
        return self._train_case('ours_train', self._model())

    def ours_infer(self):
        model = self._model().eval()
        predict = compile_function(model.predict, self.compile)

        def step():
            with torch.no_grad(), self.autocast():
                predict(self.inputs, self.samples)

        return Case('ours_infer', step, 0, lambda: state_bytes([model]),
                    self.sync)

    def peer_train(self):
        return self._train_case(
            'peer_train', self._model(**{'cls_head.share_prefix': False,
                                         'cls_head.truncate_text': False}))

    def full_ft_train(self):
        return self._train_case(
            'full_ft_train', self._model(neck=None, freeze_backbone=False,
                                         frozen_dtype=None))

    def _limit(self):
        if getattr(self, '_limit_parts', None) is None:
            # the model's CLIP: same activation (quick_gelu) and weights
            clip = build_clip(self.cfg.model.clip.arch, seed=0,
                              quick_gelu=self.cfg.model.clip.get(
                                  'quick_gelu'))
            clip = clip.to(self.device).requires_grad_(False)
            template = self.cfg.model.cls_head.get(
                'template', 'a video of a person doing {}.')
            tokens = open_clip.get_tokenizer(self.cfg.model.clip.arch)(
                [template.format(n) for n in self.names]).to(self.device)
            with torch.no_grad():
                text = F.normalize(clip.encode_text(tokens), dim=-1)
            held = parse_frozen_dtype(self.frozen_dtype)
            if held is not None:  # as the model's frozen towers
                hold_frozen_weights(clip, held)
                text = text.to(held)
            if self.reference is not None:
                share_frozen_weights(self.reference.backbone,
                                     _Prefixed('visual', clip.visual))
            self._limit_parts = (clip, text)
        return self._limit_parts

    def _limit_logits(self, clip, text, frames):
        if self.compile is not None and not hasattr(self, '_limit_fn'):
            self._limit_fn = compile_function(self._limit_logits_eager,
                                              self.compile)
        fn = getattr(self, '_limit_fn', self._limit_logits_eager)
        return fn(clip, text, frames)

    def _limit_logits_eager(self, clip, text, frames):
        feats = clip.visual(frames.flatten(0, 1))  # (B*T, D)
        video = feats.view(frames.shape[0], frames.shape[1], -1).mean(1)
        video = F.normalize(video, dim=-1)  # (B, D)
        return (clip.logit_scale.exp() * video @ text.t()).float()  # (B, C)

    def limit_train(self):
        clip, text = self._limit()
        holder = torch.nn.Module()  # the input offset, the one trained tensor
        holder.delta = torch.nn.Parameter(torch.zeros(
            self.inputs.shape[-3:], device=self.device))  # (3, H, W)
        wrapper = self._optim_wrapper(holder)

        def step():
            with wrapper.optim_context(holder):
                logits = self._limit_logits(clip, text,
                                            self.inputs + holder.delta)
            wrapper.update_params(F.cross_entropy(logits, self.labels))

        return Case('limit_train', step, holder.delta.numel(),
                    lambda: state_bytes([clip.visual], wrapper.optimizer,
                                        [holder.delta, text]),
                    self.sync)

    def limit_infer(self):
        clip, text = self._limit()

        def step():
            with torch.no_grad(), self.autocast():
                self._limit_logits(clip, text, self.inputs).softmax(-1)

        return Case('limit_infer', step, 0,
                    lambda: state_bytes([clip.visual], None, [text]),
                    self.sync)


class _Prefixed(torch.nn.Module):
    """Expose ``module``'s parameters under ``prefix.`` (name matching)."""

    def __init__(self, prefix, module):
        super().__init__()
        self.add_module(prefix, module)


# ----------------------------------------------------------------------------
# driver
# ----------------------------------------------------------------------------
def load_model_cfg(args):
    """The config with random CLIP weights and the benchmark's overrides,
    and the class names."""
    cfg = load_model_config(args.config, args.cfg_options)  # random CLIP
    model = cfg.model
    if args.arch:
        model.clip.arch = args.arch
    model.backbone.num_frames = args.frames
    if args.with_cp:
        model.backbone.with_cp = True
        model.cls_head.with_cp = True
    source = args.label_map
    configured = model.cls_head.get('class_names')
    if source is None and isinstance(configured, str) and \
            osp.isfile(configured):
        source = configured
    if source is not None:
        names, origin = load_class_names(source, '--label-map')
        names = names[:args.num_classes]
        if len(names) < args.num_classes:
            extra = generated_class_names(args.num_classes)
            names += extra[len(names):]
            origin += ' + generated'
    else:
        names, origin = generated_class_names(args.num_classes), 'generated'
    model.cls_head.class_names = names
    model.cls_head.pop('test_class_names', None)
    apply_compile(cfg, args.compile)
    return cfg, names, origin


def summarise(cases, clips):
    """``{name: stats}`` with medians, ratios and clips/s."""
    out = {}
    for case in cases:
        t = case.times
        out[case.name] = dict(median_s=statistics.median(t), min_s=min(t),
                              max_s=max(t), clips_per_s=clips /
                              statistics.median(t), peak_mib=case.peak_mib,
                              trainable=case.trainable)
        if getattr(case, 'gpu', None) is not None:
            out[case.name]['gpu_profile'] = case.gpu
        counts = getattr(case, 'op_counts', None)
        if counts is not None:
            out[case.name].update(launch_ops=counts['ops'],
                                  copy_ops=counts['copies'],
                                  top_ops=counts['top'])
    for name, stats in out.items():
        kind = name.rsplit('_', 1)[1]
        limit = out.get(f'limit_{kind}')
        peer = out.get('peer_train') if kind == 'train' else None
        stats['x_limit'] = stats['median_s'] / limit['median_s'] \
            if limit else None
        stats['x_peer'] = stats['median_s'] / peer['median_s'] \
            if peer else None
        if 'launch_ops' in stats:
            stats['ops_x_limit'] = stats['launch_ops'] / \
                limit['launch_ops'] if limit and 'launch_ops' in limit \
                else None
            stats['ops_x_peer'] = stats['launch_ops'] / \
                peer['launch_ops'] if peer and 'launch_ops' in peer else None
    return out


def format_table(results):
    def num(value, fmt):
        return '-' if value is None else format(value, fmt)

    counted = any('launch_ops' in s for s in results.values())
    head = ('| case | median s | min s | max s | clips/s | x limit | x peer '
            '| peak MiB | trainable |')
    rule = '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
    if counted:
        head += ' ops | copy_ | ops x limit | ops x peer |'
        rule += '---:|---:|---:|---:|'
    lines = [head, rule]
    for name, s in results.items():
        line = (f"| {name} | {s['median_s']:.3f} | {s['min_s']:.3f} | "
                f"{s['max_s']:.3f} | {s['clips_per_s']:.3f} | "
                f"{num(s['x_limit'], '.2f')} | {num(s['x_peer'], '.3f')} | "
                f"{num(s['peak_mib'], ',.0f')} | {s['trainable']:,} |")
        if counted:
            line += (f" {num(s.get('launch_ops'), ',d')} | "
                     f"{num(s.get('copy_ops'), ',d')} | "
                     f"{num(s.get('ops_x_limit'), '.2f')} | "
                     f"{num(s.get('ops_x_peer'), '.2f')} |")
        lines.append(line)
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device or
                          ('cuda' if torch.cuda.is_available() else 'cpu'))
    cfg, names, origin = load_model_cfg(args)
    factory = CaseFactory(args, cfg, names, device)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    cases = []
    for name in args.cases:
        log(f'building {name} ...')
        cases.append(getattr(factory, name)())
    for case in cases:
        steps = max(args.warmup, 1 if case.name.endswith('infer') else 0)
        for _ in range(steps):
            log(f'warm-up {case.name} ...')
            case.step()
    for it in range(args.iters):
        for case in cases:
            case.timed_step()
            log(f'round {it + 1}/{args.iters}: {case.name} '
                f'{case.times[-1]:.3f} s')
    memory = PeakMemory(device)
    for case in cases:
        case.peak_mib = None
        if memory.available and not args.no_memory:
            extra = memory.measure(case.step)
            case.peak_mib = (case.state_fn() + extra) / MIB
            log(f'memory {case.name}: {case.peak_mib:,.0f} MiB')
    if args.count_ops:
        for case in cases:
            case.op_counts = count_launches(case.step)
            log(f"ops {case.name}: {case.op_counts['ops']:,} launching, "
                f"{case.op_counts['copies']:,} copy_ "
                f"({format_top(case.op_counts['top'])})")
    if args.profile_steps and device.type == 'cuda':
        for case in cases:
            case.gpu = gpu_busy(case.step, args.profile_steps)
            log(f"profile {case.name}: GPU {case.gpu['gpu_ms']:.1f} ms of "
                f"{case.gpu['wall_ms']:.1f} ms per step "
                f"({100 * case.gpu['busy']:.0f} % busy)")
    elif args.profile_steps:
        log('--profile-steps: needs a CUDA device; skipped')
    results = summarise(cases, args.batch_size)
    device_name = torch.cuda.get_device_name(device) \
        if device.type == 'cuda' else 'cpu'
    config = dict(config=args.config, arch=cfg.model.clip.arch,
                  num_classes=len(names), class_names=origin,
                  frames=args.frames, batch_size=args.batch_size,
                  device=device_name, threads=torch.get_num_threads(),
                  amp=factory.amp_dtype, frozen_dtype=factory.frozen_dtype,
                  with_cp=args.with_cp,
                  count_ops=args.count_ops,
                  compile=factory.compile,
                  iters=args.iters, warmup=args.warmup, torch=torch.__version__,
                  date=datetime.now(timezone.utc).strftime('%Y-%m-%d'))
    print(f"{config['arch']}, {args.batch_size} clip(s) x {args.frames} "
          f'frames, {len(names)} classes ({origin}), {device_name}, '
          f"{config['threads']} threads, {factory.amp_dtype} "
          f'(frozen weights {factory.frozen_dtype or "float32"}), '
          f"with_cp={args.with_cp}; median/min/max of {args.iters} "
          f'interleaved steps after {args.warmup} warm-up')
    print(format_table(results))
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(dict(config=config, cases=results), f, indent=1)
    return results


if __name__ == '__main__':
    main()
