"""The web demo's answers without the web: tools/webdemo.py's
``OpenVocabDemo`` in this process, on the tiny random model, and the
helpers of ``mmvlprompt.apis`` it adds (per-frame scoring, cache bound)."""
import importlib.util

import numpy as np
import pytest

from conftest import REPO
from webdemo_helpers import TINY_CONFIG, tiny_checkpoint, world_video


def _tool(relpath):
    spec = importlib.util.spec_from_file_location('webdemo_tool',
                                                  REPO / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


webdemo = _tool('tools/webdemo.py')
NAMES = ['a red square sliding', 'a blue cross blinking', 'a green star']


@pytest.fixture(scope='module')
def demo(tmp_path_factory, tiny_clip_path):
    """``(OpenVocabDemo, upload folder, example video)``."""
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')  # module fixtures run before conftest's
    work = tmp_path_factory.mktemp('webdemo_core')
    ckpt = tiny_checkpoint(tiny_clip_path, work / 'tiny.pth')
    example = world_video(work / 'example.mp4')
    args = webdemo.parse_args([
        TINY_CONFIG, str(ckpt), '--examples', str(example),
        '--max-file-size-mb', '0.01', '--cfg-options',
        f'model.clip.pretrained={tiny_clip_path}'])
    uploads = work / 'uploads'
    uploads.mkdir()
    return webdemo.OpenVocabDemo(args, str(uploads)), uploads, example


def test_class_text_lines_or_commas():
    split = webdemo.split_class_text
    assert split(' a, b ,, c ') == ['a', 'b', 'c']
    # label-map names may hold commas: one per line wins
    assert split('putting a, b and c on a table\nb\n\n') == [
        'putting a, b and c on a table', 'b']
    assert split('') == split(None) == split(' ,\n ') == []


def test_zero_shot_model_is_the_config_without_prompts(demo):
    demo, _, _ = demo
    assert demo.model.model.with_neck
    assert not demo.zero_shot.model.with_neck
    assert demo.zero_shot.clip_len == demo.model.clip_len == 4


def test_only_uploads_and_examples_are_read(demo, tmp_path):
    """A path outside the upload folder is refused by name, before any
    decoding; the examples are allowed; the size limit holds for them."""
    demo, uploads, example = demo
    outside = world_video(tmp_path / 'outside.mp4')
    with pytest.raises(webdemo.DemoInputError,
                       match="'outside.mp4' was not uploaded"):
        demo.classify(str(outside), ', '.join(NAMES), 2)
    inside = uploads / 'inside.mp4'
    inside.write_bytes(outside.read_bytes())
    assert demo.classify(str(inside), ', '.join(NAMES), 2)[0]['topk'] == 2
    big = uploads / 'big.mp4'
    big.write_bytes(b'\0' * 20000)  # over the 0.01 MB limit
    with pytest.raises(webdemo.DemoInputError,
                       match=r"'big.mp4' is 0.0191 MB; this server takes "
                       r'videos up to 0.01 MB \(--max-file-size-mb\)'):
        demo.classify(str(big), 'a, b', 1)
    with pytest.raises(webdemo.DemoInputError, match='No video'):
        demo.classify(None, 'a, b', 1)


def test_frame_scores_of_a_still_video_equal_the_video_scores(demo):
    """Every frame of a still video is the video: each frame alone gets the
    probabilities that the recognizer's test_step gives the whole clip."""
    from mmvlprompt.datasets import write_video
    demo, uploads, _ = demo
    still = uploads / 'still.mp4'
    frame = np.zeros((1, 32, 32, 3), np.uint8)
    frame[0, 8:24, 8:24] = (200, 30, 30)
    write_video(still, np.repeat(frame, 6, 0))
    answer, frames = demo.classify(str(still), ', '.join(NAMES), 3)
    assert frames.shape == (4, 32, 32, 3)
    top = answer['ranking'][0]['probability']
    assert answer['frame_match']['probabilities'] == pytest.approx(
        [top] * 4, abs=1e-4)


def test_text_caches_hold_one_class_set(demo):
    """A server that sees ever new class sets keeps the text of one."""
    demo, _, example = demo
    heads = [r.model.cls_head for r in (demo.model, demo.zero_shot)]
    for i in range(3):
        demo.classify(example, f'thing {i}, other thing {i}', 1)
        for head in heads:
            assert len(head._eval_cache) == 1
            assert len(head._token_cache) == 1
    again = demo.classify(example, 'thing 2, other thing 2', 1)[0]
    assert again['ranking'][0]['label'].startswith(('thing', 'other'))


def test_clear_text_caches_recomputes_the_same_features(demo):
    demo, _, _ = demo
    head = demo.model.model.cls_head
    prompts = demo.model.model.prompts()['text']
    import torch
    with torch.no_grad():
        first = head.text_features(NAMES, prompts).clone()
        head.clear_text_caches()
        assert head._eval_cache == {} and head._token_cache == {}
        assert torch.allclose(head.text_features(NAMES, prompts), first)
