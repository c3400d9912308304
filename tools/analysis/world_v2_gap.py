"""Zero-shot CLIP on stills versus videos of the same classes (world v2).

Gate G2a of ``docs/en/benchmark/world_v2.md``: the tiny CLIP's zero-shot top-1
on fresh still pictures of a class set, drawn in its pretraining style
(``mmvlprompt.worlds.scene.render_picture``, resized as in pretraining),
against the same classes' videos. As a diagnostic, the videos are rendered here
too, each scene once without and once with world v2's camera (frame features
mean-pooled, as the recognizer does), so the table shows how much of the gap
the camera makes. The gate's video number itself is the recognizer's
(``tools/test.py configs/benchmark/world_v2/properties.py none``), on the
world's test files.

Example::

    python tools/analysis/world_v2_gap.py --set world_a --per-class 40 \
        --json work_dirs/world_v2/gap_world_a.json
"""
import argparse
import json
import os.path as osp
import sys
import time

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

# CLIP's normalisation on the 0-255 scale (as the configs and pretraining)
MEAN = np.array([122.771, 116.746, 104.094], dtype=np.float32)
STD = np.array([68.500, 66.632, 70.323], dtype=np.float32)


def to_tensor(images, image_size, interpolation):
    """``(N, H, W, 3)`` uint8 RGB -> normalised ``(N, 3, S, S)``."""
    import cv2
    import torch
    images = np.stack([cv2.resize(im, (image_size, image_size),
                                  interpolation=interpolation)
                       for im in images])
    x = (images.astype(np.float32) - MEAN) / STD
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--set', default='world_a',
                        help='appearance class set (default: world_a)')
    parser.add_argument('--per-class', type=int, default=40)
    parser.add_argument('--arch', default='vlp-bench')
    parser.add_argument('--clip', default='checkpoints/vlp-bench/'
                        'vlp-bench.pt')
    parser.add_argument('--template', default='a video of {}.')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--frames', type=int, default=8)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--version', default=None,
                        help='world version (default: the newest)')
    parser.add_argument('--json', help='write the numbers here')
    args = parser.parse_args(argv)
    if args.per_class <= 0:
        parser.error('--per-class must be positive.')

    import cv2
    import open_clip
    import torch
    import torch.nn.functional as F

    from mmvlprompt.worlds import scene as bw
    from mmvlprompt.evaluation.bootstrap import (bootstrap_interval,
                                                 paired_difference)
    from mmvlprompt.models.utils import build_clip
    from mmvlprompt.worlds import world_v2

    torch.set_num_threads(args.threads)
    sets = bw.class_sets()
    if args.set not in sets or len(sets[args.set][0]) != 2:
        parser.error(f'--set {args.set}: use an appearance set '
                     f'({[k for k, v in sets.items() if len(v[0]) == 2]}).')
    classes = sets[args.set]
    model = build_clip(args.arch, pretrained=args.clip)
    image_size = model.visual.image_size[0]
    tokenizer = open_clip.get_tokenizer(args.arch)
    start = time.time()
    with torch.no_grad():
        text = F.normalize(model.encode_text(tokenizer(
            [args.template.format(bw.class_name(t)) for t in classes])),
            dim=-1)

        def top1(feats, label):
            return float((F.normalize(feats, dim=-1) @ text.t()).argmax()
                         == label)

        scores = {'stills': [], 'video, no camera': [],
                  'video, camera': []}
        for label, (colour, shape) in enumerate(classes):
            for i in range(args.per_class):
                rng = np.random.default_rng([args.seed, 7, label, i])
                still = bw.render_picture(colour, shape, args.size, rng)
                scores['stills'].append(top1(model.encode_image(to_tensor(
                    still[None], image_size, cv2.INTER_AREA))[0], label))
                for name, camera in (('video, no camera', False),
                                     ('video, camera', True)):
                    scene_rng, camera_rng = world_v2.video_generators(
                        f'gap_{args.set}', label, i, args.seed)
                    frames = world_v2.render_video(
                        (colour, shape), args.frames, args.size, scene_rng,
                        camera_rng if camera else None,
                        args.version or world_v2.VERSION)
                    feats = model.encode_image(to_tensor(
                        frames, image_size, cv2.INTER_LINEAR)).mean(0)
                    scores[name].append(top1(feats, label))
            print(f'  [{time.time() - start:.0f}s] class {label + 1}/'
                  f'{len(classes)}', flush=True)
    out = {name: bootstrap_interval(v, seed=args.seed)
           for name, v in scores.items()}
    out['no camera - camera (paired)'] = paired_difference(
        scores['video, no camera'], scores['video, camera'], seed=args.seed)
    out['meta'] = dict(set=args.set, per_class=args.per_class,
                       template=args.template, clip=args.clip,
                       version=args.version or world_v2.VERSION,
                       seed=args.seed, seconds=round(time.time() - start, 1))
    for name, r in out.items():
        if name != 'meta':
            print(f'{name:>28}: {r["mean"]:5.1f}  95% CI [{r["low"]:.1f}, '
                  f'{r["high"]:.1f}]  (n={r["n"]})')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
