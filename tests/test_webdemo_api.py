"""tools/webdemo.py through its HTTP API, as scripts use it.

One server (tiny random CLIP, see ``webdemo_helpers``) answers a generated
video, a real one (when ``shared/real_videos`` is there) and each bad input,
and must still answer a good request after every bad one. The last test
stops the server and checks that its upload folder is gone.
"""
import json
import os
import signal
import socket
import sys
import urllib.error
import urllib.request
import uuid

import pytest

pytest.importorskip('gradio', reason='the web demo needs requirements/'
                    'webdemo.txt')
from gradio_client import Client, handle_file  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

from conftest import REPO  # noqa: E402
from webdemo_helpers import (DemoServer, http_classify,  # noqa: E402
                             long_video, world_video)

NAMES = ['a red square sliding', 'a blue cross blinking',
         'a green triangle spinning', 'a yellow circle bouncing']
MAX_MB = 1  # the test server's upload limit
MAX_CLASSES = 1000
MAX_TOPK = 20


def _real_videos():
    for candidate in (os.environ.get('MMVLP_REAL_VIDEOS'),
                      REPO.parent / 'shared' / 'real_videos'):
        if candidate and os.path.isdir(candidate):
            return candidate
    return None


REAL = _real_videos()


BOUNDARY = uuid.uuid4().hex


def _multipart(data: bytes, filename: str) -> bytes:
    """A ``files`` form field, as ``curl -F files=@FILE`` sends it."""
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files";'
            f' filename="{filename}"\r\nContent-Type: video/mp4\r\n\r\n')
    return head.encode() + data + f'\r\n--{BOUNDARY}--\r\n'.encode()


@pytest.fixture(scope='module')
def server(tmp_path_factory, tiny_clip_path):
    work = tmp_path_factory.mktemp('webdemo')
    good = world_video(work / 'good.mp4')
    demo = DemoServer(work, tiny_clip_path, [
        '--max-file-size-mb', str(MAX_MB), '--max-classes', str(MAX_CLASSES),
        '--max-topk', str(MAX_TOPK), '--examples', str(good)]).wait_ready()
    yield demo
    demo.stop()


@pytest.fixture(scope='module')
def client(server):
    return Client(server.url, verbose=False, download_files=False)


@pytest.fixture(scope='module')
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp('videos')
    good = world_video(root / 'red_square.mp4')
    truncated = root / 'truncated.mp4'  # an interrupted download
    data = good.read_bytes()
    truncated.write_bytes(data[:len(data) // 2])
    notes = root / 'notes.mp4'
    notes.write_text('not a video, whatever the name says\n' * 20)
    big = root / 'big.mp4'
    big.write_bytes(os.urandom(int(1.5 * MAX_MB * 2**20)))
    return dict(good=good, truncated=truncated, notes=notes, big=big,
                long=long_video(root / 'long.mp4'))


def classify(client, video, names, topk=3):
    text = names if isinstance(names, str) else ', '.join(names)
    return client.predict(handle_file(str(video)), text, topk,
                          api_name='/classify')


def still_serves(client, videos):
    """A good request after a bad one gets a full answer."""
    answer = classify(client, videos['good'], NAMES, 2)
    assert [r['label'] for r in answer['ranking']] != []
    return answer


def check_answer(answer, names, topk, num_frames, clip_len=4):
    for key in ('ranking', 'zero_shot_ranking'):
        ranking = answer[key]
        assert len(ranking) == topk
        probs = [r['probability'] for r in ranking]
        assert probs == sorted(probs, reverse=True)
        assert 0 < sum(probs) <= 1 + 1e-4
        assert {r['label'] for r in ranking} <= set(names)
    assert answer['num_frames'] == num_frames
    assert answer['num_classes'] == len(names)
    assert len(answer['sampled_frames']) == clip_len  # 1 clip of T=4
    match = answer['frame_match']
    assert match['label'] == answer['ranking'][0]['label']
    assert len(match['probabilities']) == clip_len
    assert all(0 <= p <= 1 for p in match['probabilities'])


def test_generated_video_ranked_by_both_models(client, videos):
    """The trained and the zero-shot model rank the typed names; the
    prompts change the ranking's numbers (they are not the same model)."""
    answer = classify(client, videos['good'], NAMES, 3)
    check_answer(answer, NAMES, 3, num_frames=12)
    assert answer['video'] == 'red_square.mp4' and answer['notes'] == []
    assert answer['sampled_frames'] == [1, 4, 7, 10]
    model = {r['label']: r['probability'] for r in answer['ranking']}
    zero = {r['label']: r['probability'] for r in answer['zero_shot_ranking']}
    assert model != zero


def test_plain_http_call_as_in_the_docs(server, videos):
    """Upload, then call/classify and read the event stream (curl's way)."""
    request = urllib.request.Request(
        server.url + 'gradio_api/upload',
        data=_multipart(videos['good'].read_bytes(), 'clip.mp4'),
        headers={'Content-Type': f'multipart/form-data; boundary={BOUNDARY}'})
    with urllib.request.urlopen(request, timeout=60) as response:
        uploaded = json.loads(response.read())[0]
    event, answer = http_classify(server.url, [
        dict(path=uploaded, meta={'_type': 'gradio.FileData'}),
        'a red square sliding, a blue cross blinking', 1])
    assert event == 'complete', answer
    assert answer['video'] == 'clip.mp4' and len(answer['ranking']) == 1


@pytest.mark.skipif(REAL is None, reason='real videos not found '
                    '(../shared/real_videos or $MMVLP_REAL_VIDEOS)')
@pytest.mark.parametrize('name,frames', [
    ('short_340x256_32frames.mp4', 32), ('clip_320x240_25fps.avi', None)])
def test_real_video(client, videos, name, frames):
    """Real camera files (mp4 and avi) under the 1 MB test limit."""
    import decord
    path = os.path.join(REAL, name)
    if not os.path.isfile(path):
        pytest.skip(f'{path} not found')
    frames = frames or len(decord.VideoReader(path))
    answer = classify(client, path, ['people arm wrestling', 'a street',
                                     'a room'], 2)
    check_answer(answer, ['people arm wrestling', 'a street', 'a room'], 2,
                 num_frames=frames)
    still_serves(client, videos)


@pytest.mark.parametrize('video,names,message', [
    ('notes', NAMES, "'notes.mp4' cannot be read as a video"),
    ('truncated', NAMES, "'truncated.mp4' cannot be read as a video"),
    ('good', '', 'No class names'),
    ('good', ' , ,\n', 'No class names'),
    ('good', 'a cat, b dog, a cat', "duplicate class name 'a cat'"),
    ('good', [f'class {i}' for i in range(MAX_CLASSES + 1)],
     f'{MAX_CLASSES + 1} class names: this server scores at most '
     f'{MAX_CLASSES} in one request (--max-classes)'),
])
def test_bad_input_is_refused_by_name_and_server_goes_on(
        client, videos, video, names, message):
    with pytest.raises(AppError) as info:
        classify(client, videos[video], names)
    assert message in str(info.value)
    still_serves(client, videos)


def test_topk_below_one_refused(client, videos):
    with pytest.raises(AppError, match='top-k must be at least 1, got 0'):
        classify(client, videos['good'], NAMES, 0)
    still_serves(client, videos)


def test_thousand_classes_accepted_topk_capped(client, videos):
    """1,000 class names are scored; top-50 is cut to the cap, and the
    answer says so."""
    names = [f'class number {i}' for i in range(MAX_CLASSES)]
    answer = classify(client, videos['good'], names, 50)
    check_answer(answer, names, MAX_TOPK, num_frames=12)
    assert answer['topk'] == MAX_TOPK
    assert answer['notes'] == [f'top-50 asked; showing top-{MAX_TOPK}, the '
                               f'cap of {MAX_TOPK} (--max-topk).']
    few = classify(client, videos['good'], NAMES[:2], 5)
    assert few['topk'] == 2 and 'the 2 class names given' in few['notes'][0]


def test_long_video_sampled_not_read_whole(client, videos):
    """20,000 frames: answered, with the 4 sampled frames spread over the
    whole video."""
    answer = classify(client, videos['long'], NAMES, 2)
    check_answer(answer, NAMES, 2, num_frames=20000)
    assert answer['sampled_frames'] == [2500, 7500, 12500, 17500]
    assert answer['seconds'] < 30
    still_serves(client, videos)


def test_upload_over_limit_refused_before_it_is_stored(server, client,
                                                        videos):
    """1.5 MB against a 1 MB limit: HTTP 413 naming the limit, nothing
    stored, and the server goes on."""
    before = {p.name for d in server.upload_dirs() for p in d.rglob('*')}
    request = urllib.request.Request(
        server.url + 'gradio_api/upload',
        data=_multipart(videos['big'].read_bytes(), 'big.mp4'),
        headers={'Content-Type': f'multipart/form-data; boundary={BOUNDARY}'})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=60)
    assert info.value.code == 413
    assert f'{MAX_MB * 2**20} bytes' in info.value.read().decode()
    after = {p.name for d in server.upload_dirs() for p in d.rglob('*')}
    assert 'big.mp4' not in after - before
    # gradio_client reads the limit from the server and refuses first
    with pytest.raises(Exception, match=f'maximum file size of '
                       f'{MAX_MB * 2**20} bytes'):
        classify(client, videos['big'], NAMES)
    still_serves(client, videos)


def test_path_not_uploaded_is_refused(server, client, videos):
    """A file path the client made up (not an upload) is not read."""
    secret = server.workdir / 'secret.mp4'
    secret.write_bytes(videos['good'].read_bytes())
    event, message = http_classify(server.url, [
        dict(path=str(secret), meta={'_type': 'gradio.FileData'}),
        'a,b', 1])
    assert event == 'error', message
    still_serves(client, videos)


def test_listens_on_loopback_only(server):
    """Default address 127.0.0.1: another address of this machine is
    refused."""
    if sys.platform.startswith('linux'):  # all of 127/8 is local on Linux
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(('127.0.0.2', server.port), timeout=5)
    socket.create_connection(('127.0.0.1', server.port), timeout=5).close()


def test_stop_removes_uploads_last(server, client, videos):
    """Uploads lie in one new folder under TMPDIR, which SIGINT removes;
    nothing else is left there. Runs last (pytest keeps the file's order):
    it stops the module's server, to spare a second start-up (~15 s)."""
    classify(client, videos['good'], NAMES, 1)
    folders = server.upload_dirs()
    assert len(folders) == 1
    names = {p.name for p in folders[0].rglob('*')}
    assert {'red_square.mp4', 'truncated.mp4', 'notes.mp4'} <= names
    code = server.stop(signal.SIGINT)
    assert code == 0, server.log_text()[-3000:]
    assert list(server.tmpdir.iterdir()) == [], server.log_text()[-3000:]
