"""Start and stop ``tools/webdemo.py`` for the tests, on a tiny model.

The model is ``configs/demo/vlprompt_tiny_synthetic.py`` on the tests'
seeded random tiny CLIP (``conftest.tiny_clip_path``); its checkpoint is
written here. Nothing is downloaded. The server runs in its own process on
a free port of 127.0.0.1, with ``TMPDIR`` pointing at a folder of the test,
so that the test can see its upload folder appear and disappear.
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

from conftest import REPO, free_port

TINY_CONFIG = 'configs/demo/vlprompt_tiny_synthetic.py'
SERVING = 'webdemo: serving '


def tiny_checkpoint(clip_path: str, out: Path) -> Path:
    """A prompt-only checkpoint of the tiny config (random prompts)."""
    import torch

    from mmvlprompt.apis import init_recognizer
    _, model = init_recognizer(str(REPO / TINY_CONFIG), None, ['unused'],
                               cfg_options={'model.clip.pretrained':
                                            clip_path})
    torch.save(dict(state_dict=model.state_dict()), out)
    return out


def world_video(path: Path, num_frames: int = 12, size: int = 64,
                seed: int = 0) -> Path:
    """A world v2 clip of 'a red square' (world A's class 0)."""
    from mmvlprompt.datasets import write_video
    from mmvlprompt.worlds import render_pool_video
    write_video(path, render_pool_video('world_a_test', 0, 0, num_frames,
                                        size, seed))
    return path


def long_video(path: Path, num_frames: int = 20000) -> Path:
    """A long video that costs little to write: 20,000 frames (11 min at
    30 fps) of 32 px, about 0.4 MB."""
    from mmvlprompt.datasets import write_video
    frames = np.zeros((num_frames, 32, 32, 3), np.uint8)
    frames[..., 0] = (np.arange(num_frames) % 251)[:, None, None]
    write_video(path, frames, fps=30)
    return path


class DemoServer:
    """A running ``tools/webdemo.py`` process.

    Args:
        workdir: Folder for the checkpoint, the log and ``TMPDIR``.
        clip_path: The tiny CLIP state dict.
        extra_args: More command-line options.
        config, checkpoint: Another model (default: the tiny one).
    """

    def __init__(self, workdir: Path, clip_path: str, extra_args=(),
                 config: str = None, checkpoint: str = None,
                 cfg_options=None) -> None:
        self.workdir = Path(workdir)
        self.tmpdir = self.workdir / 'tmp'
        self.tmpdir.mkdir(parents=True, exist_ok=True)
        if config is None:
            config = TINY_CONFIG
            checkpoint = str(tiny_checkpoint(clip_path,
                                             self.workdir / 'tiny.pth'))
            cfg_options = [f'model.clip.pretrained={clip_path}']
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}/'
        self.log_path = self.workdir / 'server.log'
        env = dict(os.environ, TMPDIR=str(self.tmpdir), OMP_NUM_THREADS='1',
                   PYTHONPATH=str(REPO), GRADIO_ANALYTICS_ENABLED='False')
        cmd = [sys.executable, 'tools/webdemo.py', config, checkpoint,
               '--port', str(self.port), *extra_args]
        if cfg_options:
            cmd += ['--cfg-options', *cfg_options]
        self.log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 240) -> 'DemoServer':
        """Wait for the 'serving' line; fail with the log if it exits."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f'webdemo exited with {self.proc.returncode}'
                                   f':\n{self.log_text()}')
            if SERVING in self.log_text():
                return self
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f'webdemo not serving after {timeout} s:\n'
                           f'{self.log_text()}')

    def log_text(self) -> str:
        return self.log_path.read_text(errors='replace')

    def upload_dirs(self):
        """The server's upload folders under its ``TMPDIR``."""
        return sorted(self.tmpdir.glob('mmvlprompt-webdemo-*'))

    def alive(self) -> bool:
        """The page is served (HTTP 200)."""
        with urllib.request.urlopen(self.url, timeout=30) as response:
            return response.status == 200

    def stop(self, sig=signal.SIGTERM, timeout: float = 60) -> int:
        """Send ``sig``, wait for the exit, return the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def http_classify(url: str, data: list, timeout: float = 60) -> tuple:
    """Call ``classify`` over plain HTTP, as the curl example of the docs
    does: POST the inputs, then read the event stream of the result.

    Returns:
        tuple: ``('complete', answer)`` or ``('error', message)``.
    """
    request = urllib.request.Request(
        url + 'gradio_api/call/classify',
        data=json.dumps(dict(data=data)).encode(),
        headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        event_id = json.loads(response.read())['event_id']
    with urllib.request.urlopen(
            url + f'gradio_api/call/classify/{event_id}',
            timeout=timeout) as response:
        event = None
        for raw in response:
            line = raw.decode().strip()
            if line.startswith('event:'):
                event = line.split(':', 1)[1].strip()
            elif line.startswith('data:') and event in ('complete', 'error'):
                payload = json.loads(line.split(':', 1)[1])
                if event == 'complete':
                    return event, payload[0]
                return event, payload
    raise RuntimeError('the event stream ended without a result')
