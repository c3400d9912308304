"""Open-vocabulary video recognition with any class names you type.

Scores each video against the given class names with a trained (or
zero-shot) mmvlprompt model and prints the top-k labels with probabilities::

    python tools/infer.py CONFIG CHECKPOINT VIDEO_OR_FOLDER \
        (--classes "a,b,c" | --class-file F) [--topk 5] [--num-clips 4] \
        [--out OUT]

Long videos are streamed, never loaded whole: ``--num-clips K`` clips of
``T`` frames (``T`` = the model's ``backbone.num_frames``) are sampled, one
from each of ``K`` equal segments of the video, with the frames of a clip
spread evenly over its segment; the printed line names the sampled frame
indices. The clips' softmax scores are averaged. The config's test pipeline
after ``DecordDecode`` (resize, crops, format) prepares the frames, so any
config and checkpoint work, not only the demo's.

``--out`` writes a copy of the video (``.mp4``, OpenCV ``mp4v``) with the
top predictions drawn on every frame and a dot on the sampled frames; the
copy is streamed frame by frame too, with the same frame count and fps.
Frames smaller than 256 px are enlarged (nearest neighbour) so that the
text is readable. For a folder input, ``--out`` is a folder.

A video that cannot be read (missing frames, damaged data that fails in the
middle of decoding) is reported with its name and the reason; the other
videos are still scored (and written). The exit status is 1 if any video
failed, after all were tried.
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmvlprompt  # noqa: E402,F401  (registers modules, compat shims)
import numpy as np  # noqa: E402
# sample_clip_indices and post_decode_pipeline are used by name by the tests
from mmvlprompt.apis import (init_recognizer,  # noqa: E402,F401
                             post_decode_pipeline, predict_video,
                             sample_clip_indices)

VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.m4v')
MIN_OUT_SIDE = 256


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('input', help='a video file or a folder of videos')
    names = parser.add_mutually_exclusive_group(required=True)
    names.add_argument('--classes',
                       help='comma-separated class names, e.g. '
                       '"a red square spinning,a blue cross sliding"')
    names.add_argument('--class-file',
                       help='label-map file, one class name per line')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument('--num-clips', type=int, default=1,
                        help='clips sampled per video (one per segment)')
    parser.add_argument('--out', help='output video (.mp4), or a folder '
                        'when the input is a folder')
    parser.add_argument('--device', default='cpu')
    from mmvlprompt.engine import add_cfg_options
    add_cfg_options(parser)
    args = parser.parse_args(argv)
    if args.topk <= 0:
        parser.error(f'--topk must be positive, got {args.topk}.')
    if args.num_clips <= 0:
        parser.error(f'--num-clips must be positive, got {args.num_clips}.')
    for key in ('config', 'checkpoint'):
        if not osp.isfile(getattr(args, key)):
            parser.error(f'{key} {getattr(args, key)!r} does not exist.')
    if not osp.exists(args.input):
        parser.error(f'input {args.input!r} does not exist.')
    if args.out and osp.isfile(args.input) and \
            not args.out.lower().endswith('.mp4'):
        parser.error(f'--out {args.out!r}: expected an .mp4 file.')
    return args


def read_class_names(args) -> List[str]:
    """Class names from ``--classes`` or ``--class-file``."""
    from mmvlprompt.utils.class_names import load_class_names
    if args.classes is not None:
        source = [c for c in args.classes.split(',') if c.strip()]
        names, _ = load_class_names(source, '--classes')
    else:
        names, _ = load_class_names(args.class_file, '--class-file')
    return names


def list_videos(path: str) -> List[str]:
    """The video itself, or the videos of a folder (sorted)."""
    if osp.isfile(path):
        return [path]
    videos = sorted(osp.join(path, f) for f in os.listdir(path)
                    if f.lower().endswith(VIDEO_EXTS))
    if not videos:
        raise FileNotFoundError(f'{path}: no videos ({", ".join(VIDEO_EXTS)})'
                                ' in this folder.')
    return videos


def build_model(args, class_names: Sequence[str]):
    """The recognizer of ``args.config`` scoring ``class_names``."""
    return init_recognizer(args.config, args.checkpoint, class_names,
                           args.device, args.cfg_options)


def draw_predictions(frame: np.ndarray, lines: Sequence[str],
                     sampled: bool) -> np.ndarray:
    """Frame (BGR) enlarged to >= 256 px with text lines drawn on it."""
    import cv2
    h, w = frame.shape[:2]
    scale = max(1, int(np.ceil(MIN_OUT_SIDE / min(h, w))))
    if scale > 1:
        frame = cv2.resize(frame, (w * scale, h * scale),
                           interpolation=cv2.INTER_NEAREST)
    h, w = frame.shape[:2]
    font = max(0.35, min(h, w) / 700)
    step = int(28 * font) + 4
    for i, line in enumerate(lines):
        org = (6, step * (i + 1))
        cv2.putText(frame, line, org, cv2.FONT_HERSHEY_SIMPLEX, font,
                    (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(frame, line, org, cv2.FONT_HERSHEY_SIMPLEX, font,
                    (255, 255, 255), 1, cv2.LINE_AA)
    if sampled:
        cv2.circle(frame, (w - 12, 12), 6, (0, 0, 255), -1)
    return frame


def write_annotated(src: str, dst: str, lines: Sequence[str],
                    sampled: Sequence[int]) -> int:
    """Stream ``src`` into ``dst`` with ``lines`` drawn; returns frames."""
    import cv2
    cap = cv2.VideoCapture(src)
    if not cap.isOpened():
        raise RuntimeError(f'OpenCV cannot open {src}.')
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    sampled, writer, count = set(int(i) for i in sampled), None, 0
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frame = draw_predictions(frame, lines, count in sampled)
        if writer is None:
            writer = cv2.VideoWriter(dst, cv2.VideoWriter_fourcc(*'mp4v'),
                                     fps, (frame.shape[1], frame.shape[0]))
            if not writer.isOpened():
                raise RuntimeError(f'OpenCV cannot write {dst}.')
        writer.write(frame)
        count += 1
    cap.release()
    if writer is not None:
        writer.release()
    return count


def score_video(path: str, args, model, pipeline, names, clip_len: int):
    """Print the top-k of one video and write ``--out``; raises on failure."""
    probs, inds, length = predict_video(path, model, pipeline, clip_len,
                                        args.num_clips)
    order = np.argsort(-probs)[:min(args.topk, len(names))]
    shown = ', '.join(map(str, inds[:24].tolist())) + \
        (', ...' if len(inds) > 24 else '')
    print(f'{path}: {length} frames; sampled {args.num_clips} clip(s) '
          f'x {clip_len} frames at indices [{shown}]')
    lines = []
    for rank, c in enumerate(order, 1):
        print(f'  {rank}. {probs[c]:.3f}  {names[c]}')
        lines.append(f'{probs[c]:.2f} {names[c]}')
    if args.out:
        dst = args.out if osp.isfile(args.input) else osp.join(
            args.out, osp.splitext(osp.basename(path))[0] + '_pred.mp4')
        count = write_annotated(path, dst, lines, inds)
        if count != length:
            raise RuntimeError(f'wrote {dst} with {count} of {length} '
                               'frames: OpenCV stopped reading early')
        print(f'  wrote {dst} ({count} frames)')


def main(argv=None) -> int:
    from mmvlprompt.datasets.transforms import short_error
    args = parse_args(argv)
    names = read_class_names(args)
    videos = list_videos(args.input)
    cfg, model = build_model(args, names)
    pipeline = post_decode_pipeline(cfg)
    clip_len = int(cfg.model.backbone.get('num_frames', 8))
    topk = min(args.topk, len(names))
    print(f'{len(videos)} video(s), {len(names)} classes, top-{topk}, '
          f'{args.num_clips} clip(s) x {clip_len} frames per video')
    failed = []
    for path in videos:
        try:
            score_video(path, args, model, pipeline, names, clip_len)
        except Exception as err:  # decord's errors share no base class
            reason = f'{type(err).__name__}: {short_error(err)}'
            failed.append((path, reason))
            print(f'{path}: FAILED, not scored' +
                  (' or written' if args.out else '') + f': {reason}',
                  flush=True)
    if failed:
        print(f'\n{len(failed)} of {len(videos)} video(s) failed:',
              file=sys.stderr)
        for path, reason in failed:
            print(f'  {path}: {reason}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
