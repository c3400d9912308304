"""Measure the text branch with and without its exact shortcuts.

Runs the prompted text encoder on every class name of a label map (or on
generated names) three ways, side by side on the same inputs: on the full
context length, truncated to the longest EOT position, and truncated with
the class-shared prefix (``share_prefix``); prints a table of median times
and the largest feature difference to the full run::

    python tools/analysis/benchmark_text_encoder.py --arch ViT-B-16 \
        --label-map data/kinetics400/label_map_k400.txt --repeats 3

Weights are random unless --pretrained is given; timing does not depend on
them.
"""
import argparse
import statistics
import time

import torch

from mmvlprompt.models.heads import PromptedTextEncoder
from mmvlprompt.models.heads.prompted_text_encoder import placeholder_texts
from mmvlprompt.models.utils import build_clip
from mmvlprompt.utils import generated_class_names, load_class_names


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--arch', default='ViT-B-16')
    parser.add_argument('--pretrained', default=None)
    parser.add_argument('--label-map', help='label-map file; default: '
                        'generated names of 2-5 words')
    parser.add_argument('--num-classes', type=int, default=400,
                        help='number of generated names without a label map')
    parser.add_argument('--tokens', type=int, default=8,
                        help='text context tokens (prompts)')
    parser.add_argument('--depth', type=int, default=9,
                        help='prompted text layers')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None)
    return parser.parse_args()


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    names = load_class_names(args.label_map)[0] if args.label_map \
        else generated_class_names(args.num_classes)
    encoder = PromptedTextEncoder(build_clip(args.arch, args.pretrained),
                                  args.arch).eval()
    prompts = [torch.randn(args.tokens, encoder.width) * 0.02
               for _ in range(args.depth)]
    tokens = encoder.tokenize(
        placeholder_texts(names, args.tokens, 'a video of a person doing {}.'))
    length = int(tokens.argmax(-1).max()) + 1
    print(f'{len(names)} classes, {args.arch}, {args.tokens} context tokens '
          f'x {args.depth} layers, {torch.get_num_threads()} threads, '
          f'median of {args.repeats}')
    modes = (('full context', False, False), ('truncated', True, False),
             ('truncated + shared prefix', True, True))
    results = []
    with torch.no_grad():
        for _, truncate, share in modes:
            encoder.truncate, encoder.share_prefix = truncate, share
            encoder(tokens[:2], prompts)  # warm-up
            results.append(median_time(lambda: encoder(tokens, prompts),
                                       args.repeats))
    print('| mode | positions | median s | speed-up | max abs diff |')
    print('|---|---|---|---|---|')
    full = results[0]
    for (label, truncate, _), (seconds, feats) in zip(modes, results):
        positions = length if truncate else tokens.shape[1]
        diff = (feats - full[1]).abs().max().item()
        print(f'| {label} | {positions} | {seconds:.3f} | '
              f'{full[0] / seconds:.2f}x | {diff:.1e} |')

if __name__ == '__main__':
    main()
