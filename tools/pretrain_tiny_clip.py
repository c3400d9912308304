"""Pretrain a tiny open_clip CLIP on synthetic image-caption pairs.

The pairs come from a picture-caption corpus (``--corpus``), never videos
and never class labels:

* ``bench`` (the only one since the older synthetic world retired):
  web-like pictures of the benchmark worlds' scenes
  (``mmvlprompt.worlds.scene``, the stills that world v2's videos
  differ from by its camera): clutter, noise, blur, varied backgrounds and
  scales, every colour, shape and motion word.

The loss is CLIP's symmetric
contrastive loss; captions that are identical strings count as positives of
each other. The result is an open_clip state dict that loads through
``model.clip.pretrained=<path>``, plus ``<path>.json`` with the command, the
seed and the image-to-text accuracy on fresh pictures.

Deterministic on CPU for a given seed and thread count: the data of step
``s`` comes from ``numpy.random.default_rng([seed, s])``.

Example (the committed checkpoint)::

    python tools/pretrain_tiny_clip.py checkpoints/vlp-bench/vlp-bench.pt \
        --arch vlp-bench --corpus bench --steps 900 --seed 0
"""
import argparse
import hashlib
import json
import math
import os.path as osp
import platform
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from mmvlprompt.worlds import scene as bench_world  # noqa: E402
from mmvlprompt.models.utils import build_clip  # noqa: E402

# CLIP's normalisation on the 0-255 scale (the demo configs use the same)
MEAN = np.array([122.771, 116.746, 104.094], dtype=np.float32)
STD = np.array([68.500, 66.632, 70.323], dtype=np.float32)
RENDER_SIZE = 64  # pictures are drawn at the video frame size, then resized


def _bench_eval(rng, label):
    colour, shape = _BENCH_OBJECTS[label]
    return bench_world.render_picture(colour, shape, RENDER_SIZE, rng)


_BENCH_OBJECTS = [(c, s) for c in bench_world.COLOURS
                  for s in bench_world.SHAPES]
# corpus name -> (batch(size, rng) -> (images, captions), evaluation
# phrases, render(rng, label) -> one fresh evaluation picture)
CORPORA = {
    'bench': (lambda n, rng: bench_world.picture_caption_batch(
        n, RENDER_SIZE, rng),
              [bench_world.appearance_name(*t) for t in _BENCH_OBJECTS],
              _bench_eval),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out', help='output state dict (.pt)')
    parser.add_argument('--arch', default='vlp-bench',
                        help='open_clip architecture (default: vlp-bench)')
    parser.add_argument('--corpus', default='bench', choices=sorted(CORPORA),
                        help='picture-caption corpus (default: bench)')
    parser.add_argument('--steps', type=int, default=600)
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--lr', type=float, default=2e-3)
    parser.add_argument('--warmup', type=int, default=50,
                        help='linear warm-up steps, then cosine to 0')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads (results are reproducible '
                        'for a fixed thread count)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--log-interval', type=int, default=25)
    parser.add_argument('--eval-images', type=int, default=480,
                        help='fresh pictures for the final image-to-text '
                        'accuracy over all object phrases of the corpus')
    args = parser.parse_args(argv)
    for key in ('steps', 'batch_size', 'threads', 'eval_images'):
        if getattr(args, key) <= 0:
            parser.error(f'--{key.replace("_", "-")} must be positive.')
    return args


def images_to_tensor(images: np.ndarray, image_size: int,
                     device) -> torch.Tensor:
    """``(N, H, W, 3)`` uint8 RGB -> normalised ``(N, 3, S, S)`` float."""
    import cv2
    if images.shape[1] != image_size:
        images = np.stack([cv2.resize(im, (image_size, image_size),
                                      interpolation=cv2.INTER_AREA)
                           for im in images])
    x = (images.astype(np.float32) - MEAN) / STD
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().to(device)


def contrastive_loss(image_feats: torch.Tensor, text_feats: torch.Tensor,
                     logit_scale: torch.Tensor,
                     captions) -> torch.Tensor:
    """Symmetric InfoNCE; identical captions are positives of each other.

    Args:
        image_feats, text_feats: ``(N, D)`` unnormalised features.
        logit_scale: CLIP's log temperature (scalar).
        captions: ``N`` caption strings.
    """
    img = F.normalize(image_feats, dim=-1)
    txt = F.normalize(text_feats, dim=-1)
    logits = logit_scale.exp().clamp(max=100) * img @ txt.t()  # (N, N)
    ids = {c: i for i, c in enumerate(dict.fromkeys(captions))}
    key = torch.tensor([ids[c] for c in captions], device=logits.device)
    target = (key[:, None] == key[None, :]).float()
    target = target / target.sum(1, keepdim=True)
    return 0.5 * (F.cross_entropy(logits, target) +
                  F.cross_entropy(logits.t(), target))


@torch.no_grad()
def image_to_text_accuracy(model, tokenizer, image_size: int, count: int,
                           seed: int, device, corpus: str = 'bench') -> float:
    """Top-1 of fresh pictures against every phrase ('a photo of')."""
    _, phrases, render = CORPORA[corpus]
    texts = [f'a photo of {p}.' for p in phrases]
    text = F.normalize(model.encode_text(tokenizer(texts).to(device)), dim=-1)
    rng = np.random.default_rng([seed, 10**6])
    correct = 0
    for i in range(count):
        label = i % len(phrases)
        image = render(rng, label)
        feat = model.encode_image(images_to_tensor(image[None], image_size,
                                                   device))
        correct += int((F.normalize(feat, dim=-1) @ text.t()).argmax()
                       == label)
    return correct / count


def main(argv=None):
    args = parse_args(argv)
    import open_clip
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    model = build_clip(args.arch, pretrained=None, seed=args.seed)
    model.to(args.device).train()
    image_size = model.visual.image_size[0]
    tokenizer = open_clip.get_tokenizer(args.arch)
    optim = torch.optim.AdamW(model.parameters(), lr=args.lr,
                              betas=(0.9, 0.98), weight_decay=0.1)

    def lr_at(step):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        frac = (step - args.warmup) / max(args.steps - args.warmup, 1)
        return args.lr * 0.5 * (1 + math.cos(math.pi * frac))

    start = time.time()
    print(f'pretraining {args.arch} for {args.steps} steps of '
          f'{args.batch_size} {args.corpus!r} image-caption pairs (seed '
          f'{args.seed}, {args.threads} thread(s), {args.device})', flush=True)
    for step in range(args.steps):
        rng = np.random.default_rng([args.seed, step])
        images, captions = CORPORA[args.corpus][0](args.batch_size, rng)
        for group in optim.param_groups:
            group['lr'] = lr_at(step)
        img = model.encode_image(images_to_tensor(images, image_size,
                                                  args.device))
        txt = model.encode_text(tokenizer(captions).to(args.device))
        loss = contrastive_loss(img, txt, model.logit_scale, captions)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
        if (step + 1) % args.log_interval == 0 or step + 1 == args.steps:
            elapsed = time.time() - start
            eta = elapsed / (step + 1) * (args.steps - step - 1)
            print(f'step {step + 1}/{args.steps}  loss {loss.item():.4f}  '
                  f'lr {lr_at(step):.2e}  {elapsed:.0f}s elapsed, '
                  f'eta {eta:.0f}s', flush=True)
    train_seconds = time.time() - start
    model.eval()
    acc = image_to_text_accuracy(model, tokenizer, image_size,
                                 args.eval_images, args.seed, args.device,
                                 args.corpus)
    num_phrases = len(CORPORA[args.corpus][1])
    print(f'image-to-text top-1 on {args.eval_images} fresh pictures, '
          f'{num_phrases} phrases: {100 * acc:.1f}% '
          f'(chance {100 / num_phrases:.1f}%)')
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save(state, args.out)
    with open(args.out, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    meta = dict(
        command='python tools/pretrain_tiny_clip.py ' + ' '.join(
            sys.argv[1:] if argv is None else argv),
        arch=args.arch, corpus=args.corpus, seed=args.seed, steps=args.steps,
        batch_size=args.batch_size, lr=args.lr, warmup=args.warmup,
        threads=args.threads, device=args.device,
        final_loss=round(loss.item(), 4),
        image_to_text_top1=round(100 * acc, 2),
        train_seconds=round(train_seconds, 1), sha256=digest,
        torch=torch.__version__, open_clip=open_clip.__version__,
        python=platform.python_version())
    with open(args.out + '.json', 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    print(f'saved {args.out} (sha256 {digest[:12]}...) and {args.out}.json')


if __name__ == '__main__':
    main()
