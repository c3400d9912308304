"""Open-vocabulary video recognition in the browser, and over HTTP.

Serves a page (Gradio) where a video, uploaded or picked from the examples,
is scored against class names typed on the page (comma-separated, or one per
line) or read from a label map::

    python tools/webdemo.py CONFIG CHECKPOINT [--port 7860] \
        [--host 127.0.0.1] [--examples VIDEO_OR_FOLDER ...] \
        [--class-file LABEL_MAP ...] [--max-file-size-mb 200] \
        [--max-classes 1000] [--max-topk 20] [--num-clips 1] \
        [--zero-shot-config CONFIG] [--device cpu] [--cfg-options ...]

The page shows the top-k of the model of CONFIG and CHECKPOINT as bars,
beside the same ranking by zero-shot CLIP (the same frozen CLIP with the
hand-crafted template: CONFIG without its prompt learner, no checkpoint,
unless ``--zero-shot-config`` names another config), the sampled frames,
and how well each sampled frame alone matches the top class.

The same answer, as JSON, comes from the API endpoint ``classify``
(``video``, ``class_names``, ``topk``), e.g. with ``gradio_client``::

    Client('http://127.0.0.1:7860/').predict(
        handle_file('clip.mp4'), 'a red circle, a blue star', 5,
        api_name='/classify')

Videos are sampled as ``tools/infer.py`` samples them (the shared helpers of
:mod:`mmvlprompt.apis`): ``--num-clips K`` clips of ``T`` frames, only those
frames decoded, so a long video costs what a short one costs.

Limits, each a flag: uploads over ``--max-file-size-mb`` are refused by the
server before they are stored; more than ``--max-classes`` class names are
refused; top-k is capped at ``--max-topk`` (and at the number of classes),
and the answer says so. Bad input (not a video, a damaged video, no class
names, duplicates) is answered with a message naming the file or value, and
the server keeps serving. Uploads are stored in a new temporary folder,
removed when the server stops (Ctrl-C or SIGTERM); while it runs, files older
than ``--upload-ttl`` seconds are deleted.

The server listens on 127.0.0.1 only, unless ``--host`` says otherwise.
"""
import argparse
import os
import os.path as osp
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import mmvlprompt  # noqa: E402,F401  (registers modules, compat shims)
import numpy as np  # noqa: E402

VIDEO_EXTS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.m4v')
EXAMPLES_PER_FOLDER = 3
MB = 1024 * 1024
# the scoring of both models is one job at a time (the class set is
# switched on the shared heads): the page and the API share this group
CONCURRENCY_ID = 'recognizers'
ZERO_SHOT_OPTIONS = {'model.neck': None, 'model.cls_head.loss_scenario': None}


class DemoInputError(ValueError):
    """A request the demo refuses; the message is shown to the user."""


def positive(kind):
    """argparse type: a positive ``kind`` (int or float)."""
    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f'expected > 0, got {text}')
        return value
    return parse


def parse_args(argv=None):
    """Command-line options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help='checkpoint, or "none" for the '
                        'model as built')
    parser.add_argument('--host', default='127.0.0.1',
                        help='address to listen on (default 127.0.0.1, this '
                        'machine only; 0.0.0.0 opens it to the network)')
    parser.add_argument('--port', type=int, default=7860)
    parser.add_argument('--examples', nargs='+', default=[],
                        help='example videos, or folders from which '
                        f'{EXAMPLES_PER_FOLDER} videos are picked')
    parser.add_argument('--class-file', nargs='+', default=[],
                        help='label maps whose names fill the class-name box '
                        'at start (one name per line, or an id,name CSV)')
    parser.add_argument('--max-file-size-mb', type=positive(float),
                        default=200.0, help='largest upload, in MB (2^20 '
                        'bytes); default 200')
    parser.add_argument('--max-classes', type=positive(int), default=1000,
                        help='most class names in one request; default 1000')
    parser.add_argument('--max-topk', type=positive(int), default=20,
                        help='cap on top-k; default 20')
    parser.add_argument('--num-clips', type=positive(int), default=1,
                        help='clips sampled per video, one per segment')
    parser.add_argument('--zero-shot-config',
                        help='config of the zero-shot CLIP shown beside the '
                        'model (default: CONFIG without its prompts)')
    parser.add_argument('--upload-ttl', type=positive(int), default=3600,
                        help='seconds an upload is kept while the server '
                        'runs; default 3600')
    parser.add_argument('--device', default='cpu')
    from mmvlprompt.engine import add_cfg_options
    add_cfg_options(parser)
    args = parser.parse_args(argv)
    files = [('config', args.config)]
    if args.checkpoint != 'none':
        files.append(('checkpoint', args.checkpoint))
    if args.zero_shot_config:
        files.append(('--zero-shot-config', args.zero_shot_config))
    files += [('--class-file', path) for path in args.class_file]
    for what, path in files:
        if not osp.isfile(path):
            parser.error(f'{what} {path!r} does not exist.')
    for path in args.examples:
        if not osp.exists(path):
            parser.error(f'--examples {path!r} does not exist.')
    if not 0 < args.port < 65536:
        parser.error(f'--port {args.port}: expected 1-65535.')
    return args


def split_class_text(text: Optional[str]) -> List[str]:
    """Class names typed in one box: one per line when there are several
    lines (label-map names may hold commas), else comma-separated."""
    text = (text or '').strip()
    parts = text.splitlines() if '\n' in text else text.split(',')
    return [p.strip() for p in parts if p.strip()]


def example_videos(paths: Sequence[str]) -> List[str]:
    """The example videos: files as given, and from each folder
    ``EXAMPLES_PER_FOLDER`` videos spread over its sorted listing."""
    videos = []
    for path in paths:
        if osp.isfile(path):
            videos.append(osp.abspath(path))
            continue
        found = sorted(f for f in os.listdir(path)
                       if f.lower().endswith(VIDEO_EXTS))
        step = max(1, len(found) // EXAMPLES_PER_FOLDER)
        videos += [osp.abspath(osp.join(path, f))
                   for f in found[::step][:EXAMPLES_PER_FOLDER]]
    return videos


def display_frame(frame: np.ndarray, low: int = 128,
                  high: int = 320) -> np.ndarray:
    """A decoded frame resized for the page: small frames enlarged (nearest
    neighbour, so that pixels stay sharp), large ones shrunk."""
    import cv2
    h, w = frame.shape[:2]
    if min(h, w) < low:
        scale = int(np.ceil(low / min(h, w)))
        return cv2.resize(frame, (w * scale, h * scale),
                          interpolation=cv2.INTER_NEAREST)
    if max(h, w) > high:
        scale = high / max(h, w)
        return cv2.resize(frame, (round(w * scale), round(h * scale)),
                          interpolation=cv2.INTER_AREA)
    return frame


class Recognizer:
    """One recognizer with its post-decode pipeline and clip length."""

    def __init__(self, name: str, config: str, checkpoint: Optional[str],
                 device: str, cfg_options: Optional[Dict]) -> None:
        from mmvlprompt.apis import init_recognizer, post_decode_pipeline
        self.name = name
        # placeholder classes: every request sets its own (test_classes)
        self.cfg, self.model = init_recognizer(config, checkpoint, ['video'],
                                               device, cfg_options)
        self.pipeline = post_decode_pipeline(self.cfg)
        self.clip_len = int(self.cfg.model.backbone.get('num_frames', 8))


class OpenVocabDemo:
    """The demo's answers: two recognizers, the request limits and the
    checks of each request, without any web code.

    Args:
        args: Options from :func:`parse_args`.
        upload_dir: The folder the web server stores uploads in; a video
            path from a request must lie inside it or be an example.
    """

    def __init__(self, args, upload_dir: str) -> None:
        self.args = args
        self.upload_dir = osp.realpath(upload_dir)
        self.examples = example_videos(args.examples)
        self.max_bytes = int(args.max_file_size_mb * MB)
        options = dict(args.cfg_options or {})
        self.model = Recognizer(
            osp.splitext(osp.basename(args.config))[0], args.config,
            args.checkpoint, args.device, options)
        if args.zero_shot_config:
            self.zero_shot = Recognizer('zero-shot CLIP',
                                        args.zero_shot_config, None,
                                        args.device, options)
        else:
            self.zero_shot = Recognizer('zero-shot CLIP', args.config, None,
                                        args.device,
                                        {**options, **ZERO_SHOT_OPTIONS})
        self.lock = threading.Lock()
        self.last_names: List[str] = []

    def default_class_text(self) -> str:
        """The names of the ``--class-file`` label maps, one per line."""
        names = []
        for path in self.args.class_file:
            names += self.read_label_map(path)
        return '\n'.join(names)

    @staticmethod
    def read_label_map(path: str) -> List[str]:
        """Names of a label map, as written; errors name file and line."""
        from mmvlprompt.utils import read_class_name_file
        try:
            return [name for name, _ in read_class_name_file(path)]
        except (ValueError, UnicodeDecodeError) as err:
            name = osp.basename(path)  # not the server's folder
            raise DemoInputError(f'label map {name!r}: '
                                 f'{str(err).replace(path, name)}') from None

    # ------------------------------------------------------------------
    # request checks
    # ------------------------------------------------------------------
    def check_video(self, path: Optional[str]) -> str:
        """The video path of a request: present, stored by this server (or
        an example) and within the size limit."""
        if not path:
            raise DemoInputError('No video: upload one or pick an example.')
        real = osp.realpath(path)
        inside = osp.commonpath([real, self.upload_dir]) == self.upload_dir
        if not inside and real not in map(osp.realpath, self.examples):
            raise DemoInputError(f'{osp.basename(path)!r} was not uploaded '
                                 'to this server; upload the video first.')
        if not osp.isfile(real):
            raise DemoInputError(f'{osp.basename(path)!r} is no longer on '
                                 'the server (uploads expire); upload it '
                                 'again.')
        size = osp.getsize(real)
        if size > self.max_bytes:
            raise DemoInputError(
                f'{osp.basename(path)!r} is {size / MB:.3g} MB; this server '
                f'takes videos up to {self.args.max_file_size_mb:g} MB '
                '(--max-file-size-mb).')
        return real

    def check_classes(self, text: Optional[str]) -> List[str]:
        """Class names of a request, within the class-count limit."""
        from mmvlprompt.utils import load_class_names
        names = split_class_text(text)
        if not names:
            raise DemoInputError('No class names: type at least one '
                                 '(comma-separated, or one per line) or '
                                 'load a label map.')
        limit = self.args.max_classes
        if len(names) > limit:
            raise DemoInputError(
                f'{len(names)} class names: this server scores at most '
                f'{limit} in one request (--max-classes).')
        try:  # duplicates, also after normalisation
            load_class_names(names, 'class names')
        except ValueError as err:
            raise DemoInputError(str(err)) from None
        return names

    def check_topk(self, topk, num_classes: int) -> tuple:
        """``(k, note)``: top-k capped at ``--max-topk`` and the number of
        classes, with a note saying so (empty when not capped)."""
        try:
            asked = int(topk)
        except (TypeError, ValueError):
            raise DemoInputError(f'top-k {topk!r} is not a whole number.') \
                from None
        if asked < 1:
            raise DemoInputError(f'top-k must be at least 1, got {asked}.')
        k = min(asked, self.args.max_topk, num_classes)
        if k == asked:
            return k, ''
        why = (f'the cap of {self.args.max_topk} (--max-topk)'
               if k == self.args.max_topk else
               f'the {num_classes} class names given')
        return k, f'top-{asked} asked; showing top-{k}, {why}.'

    # ------------------------------------------------------------------
    # scoring
    # ------------------------------------------------------------------
    def classify(self, video: Optional[str], class_text: Optional[str],
                 topk=5) -> tuple:
        """Score one video against typed class names with both models.

        Returns:
            tuple: the answer (a JSON-ready dict: rankings, sampled frames,
            per-frame match of the top class, seconds) and the decoded
            sampled frames ``(K*T, H, W, 3)`` for display.

        Raises:
            DemoInputError: with a message for the user.
        """
        start = time.perf_counter()
        path = self.check_video(video)
        names = self.check_classes(class_text)
        k, note = self.check_topk(topk, len(names))
        with self.lock:
            scored = self._score(path, names)
        model_probs, zs_probs, frame_probs, frames, inds, length = scored
        top = int(np.argmax(model_probs))

        def ranking(probs):
            order = np.argsort(-probs, kind='stable')[:k]
            return [dict(label=names[c], probability=round(float(probs[c]), 6))
                    for c in order]

        answer = dict(
            video=osp.basename(path),
            num_frames=int(length),
            sampled_frames=[int(i) for i in inds],
            num_classes=len(names),
            topk=k,
            model=self.model.name,
            ranking=ranking(model_probs),
            zero_shot_ranking=ranking(zs_probs),
            frame_match=dict(
                label=names[top],
                probabilities=[round(float(p), 6)
                               for p in frame_probs[:, top]]),
            notes=[note] if note else [],
            seconds=round(time.perf_counter() - start, 3))
        return answer, frames

    def _score(self, path: str, names: List[str]) -> tuple:
        from mmvlprompt.apis import (frame_probabilities, prepare_clips,
                                     read_clips, score_clips)
        from mmvlprompt.datasets.transforms import short_error
        num_clips, name = self.args.num_clips, osp.basename(path)
        decoded = {}

        def clips(recognizer):
            if recognizer.clip_len not in decoded:
                try:
                    decoded[recognizer.clip_len] = read_clips(
                        path, num_clips, recognizer.clip_len)
                except Exception as err:  # decord's errors share no base
                    reason = short_error(err).replace(path, name)
                    raise DemoInputError(
                        f'{name!r} cannot be read as a video '
                        f'({type(err).__name__}: {reason}). Is it a video '
                        'file, and complete?') from None
            frames, inds, _ = decoded[recognizer.clip_len]
            return prepare_clips(frames, inds, recognizer.pipeline,
                                 num_clips, recognizer.clip_len, path)

        if names != self.last_names:  # cache the text of one class set
            for recognizer in (self.model, self.zero_shot):
                recognizer.model.cls_head.clear_text_caches()
            self.last_names = names
        data = clips(self.model)
        head = self.model.model.cls_head
        with head.test_classes(names, 'class names'):
            model_probs = score_clips(self.model.model, data)
            frame_probs = frame_probabilities(
                self.model.model, data, num_clips * self.model.clip_len)
        with self.zero_shot.model.cls_head.test_classes(names, 'class names'):
            zs_probs = score_clips(self.zero_shot.model,
                                   clips(self.zero_shot))
        frames, inds, length = decoded[self.model.clip_len]
        return model_probs, zs_probs, frame_probs, frames, inds, length


# ----------------------------------------------------------------------
# the web page
# ----------------------------------------------------------------------
PAGE_INTRO = """\
# Open-vocabulary video recognition
Upload a video (or pick an example), type the class names you want it
scored against, and press **Classify**. Left: **{model}** (prompts learned
on its training classes); right: **zero-shot CLIP**, the same frozen CLIP
with the hand-written template. Any class names work, also ones never
trained on. The same answer comes as JSON from the API endpoint
`classify` (see *Use via API* at the bottom of the page).
"""


def build_app(demo: OpenVocabDemo):
    """The Gradio Blocks of the page and the ``classify`` API endpoint."""
    import gradio as gr
    import pandas as pd
    from gradio.data_classes import FileData

    def answer_or_message(video, class_text, topk):
        try:
            return demo.classify(video, class_text, topk)
        except DemoInputError as err:  # the user's to mend: one log line
            print(f'webdemo: refused: {err}', flush=True)
            raise gr.Error(str(err), title='Cannot classify',
                           print_exception=False) from None
        except Exception as err:  # keep serving; the log has the details
            traceback.print_exc()
            raise gr.Error(f'Internal error: {type(err).__name__}: {err}',
                           title='Cannot classify',
                           print_exception=False) from None

    def classify_page(video, class_text, topk):
        answer, frames = answer_or_message(video, class_text, topk)

        def bars(ranking):
            return {r['label']: r['probability'] for r in ranking}

        match = answer['frame_match']
        probs, inds = match['probabilities'], answer['sampled_frames']
        gallery = [(display_frame(f), f'#{i}: {p:.0%}')
                   for f, i, p in zip(frames, inds, probs)]
        per_frame = pd.DataFrame(dict(
            frame=[f'{n + 1}: #{i}' for n, i in enumerate(inds)],
            probability=probs))
        info = (f"**{answer['video']}**: {answer['num_frames']} frames, "
                f"{len(inds)} sampled; {answer['num_classes']} class names; "
                f"answered in {answer['seconds']:.2f} s." +
                ''.join(f'\n\n{n}' for n in answer['notes']))
        k = answer['topk']
        return (info,
                gr.Label(value=bars(answer['ranking']), num_top_classes=k),
                gr.Label(value=bars(answer['zero_shot_ranking']),
                         num_top_classes=k),
                gallery,
                gr.BarPlot(value=per_frame,
                           label=f"Each sampled frame alone: probability of "
                                 f"'{match['label']}'"),
                answer)

    def load_label_map(path):
        if not path:
            return gr.update()
        try:
            if osp.getsize(path) > demo.max_bytes:
                raise DemoInputError(f'label map {osp.basename(path)!r} is '
                                     'over the upload limit.')
            return '\n'.join(demo.read_label_map(path))
        except DemoInputError as err:
            raise gr.Error(str(err), title='Cannot read the label map',
                           print_exception=False) from None

    def classify(video: FileData, class_names: str, topk: int = 5) -> dict:
        """Rank class names for one video by the model and by zero-shot CLIP.

        video: the video file. class_names: comma-separated, or one per
        line. topk: how many classes to return (capped; see `notes`).
        Returns `ranking` and `zero_shot_ranking` (label, probability),
        `frame_match` (the top class and each sampled frame's probability
        of it), `sampled_frames`, `num_frames`, `notes` and `seconds`.
        """
        path = video.get('path') if isinstance(video, dict) else video
        return answer_or_message(path, class_names, topk)[0]

    with gr.Blocks(title='mmvlprompt: open-vocabulary video recognition',
                   delete_cache=(max(60, demo.args.upload_ttl // 4),
                                 demo.args.upload_ttl)) as app:
        gr.Markdown(PAGE_INTRO.format(model=demo.model.name))
        with gr.Row():
            with gr.Column(scale=2):
                # a file box, not a player: browsers play few of the
                # codecs a recognizer reads (mp4v, avi); the sampled frames
                # on the right show what the model saw
                video = gr.File(label='Video', file_types=list(VIDEO_EXTS),
                                type='filepath', elem_id='video', height=120)
                classes = gr.Textbox(
                    label='Class names (comma-separated, or one per line)',
                    value=demo.default_class_text(), lines=4, max_lines=12,
                    elem_id='class-names')
                label_map = gr.File(
                    label='... or load a label map (one name per line)',
                    file_types=['.txt', '.csv'], type='filepath', height=120,
                    elem_id='label-map')
                topk = gr.Slider(1, demo.args.max_topk, value=min(
                    5, demo.args.max_topk), step=1, label='Top-k')
                run = gr.Button('Classify', variant='primary',
                                elem_id='classify')
                if demo.examples:
                    gr.Examples(examples=[[v] for v in demo.examples],
                                inputs=[video], label='Examples (test '
                                'videos)', examples_per_page=12)
            with gr.Column(scale=3):
                info = gr.Markdown(elem_id='info')
                with gr.Row():
                    model_bars = gr.Label(label=demo.model.name,
                                          elem_id='model-ranking')
                    zs_bars = gr.Label(label='zero-shot CLIP',
                                       elem_id='zero-shot-ranking')
                gallery = gr.Gallery(label='Sampled frames (frame index: '
                                     'probability of the top class, the '
                                     'frame alone)', columns=8,
                                     height=190, object_fit='contain',
                                     elem_id='frames')
                per_frame = gr.BarPlot(x='frame', y='probability',
                                       y_lim=[0, 1], sort=None,
                                       label='Each sampled frame alone',
                                       elem_id='frame-match', height=220)
                with gr.Accordion('Answer as JSON (what the API returns)',
                                  open=False):
                    raw = gr.JSON()
        label_map.upload(load_label_map, label_map, classes,
                         api_visibility='private')
        run.click(classify_page, [video, classes, topk],
                  [info, model_bars, zs_bars, gallery, per_frame, raw],
                  api_visibility='private', concurrency_id=CONCURRENCY_ID)
        gr.api(classify, api_name='classify', concurrency_id=CONCURRENCY_ID)
    return app


def serve(args) -> int:
    """Build the models and the page, serve until SIGINT or SIGTERM, then
    remove the upload folder."""
    upload_dir = tempfile.mkdtemp(prefix='mmvlprompt-webdemo-')
    # Gradio reads both when it is imported: uploads go to our folder, and
    # nothing is sent home
    os.environ['GRADIO_TEMP_DIR'] = upload_dir
    os.environ.setdefault('GRADIO_ANALYTICS_ENABLED', 'False')
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    app = None
    try:
        demo = OpenVocabDemo(args, upload_dir)
        app = build_app(demo)
        app.queue(default_concurrency_limit=1)
        _, url, _ = app.launch(
            server_name=args.host, server_port=args.port,
            max_file_size=int(args.max_file_size_mb * MB),
            prevent_thread_lock=True, quiet=True, share=False,
            ssr_mode=False, mcp_server=False, show_error=False,
            footer_links=['api'])
        if args.host not in ('127.0.0.1', 'localhost', '::1'):
            print(f'WARNING: listening on {args.host}: other machines can '
                  'reach this demo.', flush=True)
        print(f'webdemo: serving {url} (uploads in {upload_dir}, removed at '
              f'exit; API endpoint "classify"); Ctrl-C stops it.',
              flush=True)
        while not stop.wait(0.5):
            pass
        print('webdemo: stopping.', flush=True)
    finally:
        if app is not None:
            app.close()
        shutil.rmtree(upload_dir, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def main(argv=None) -> int:
    """Entry point: parse the options and serve."""
    return serve(parse_args(argv))


if __name__ == '__main__':
    sys.exit(main())
