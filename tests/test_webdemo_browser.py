"""tools/webdemo.py in a real browser: headless Chromium loads the page,
picks the example video, presses Classify and finds the charts.

Runs where Debian's ``chromium`` and ``chromium-driver`` are installed
(``/usr/bin/chromium``, ``/usr/bin/chromedriver``) and selenium is
importable; skips elsewhere. No browser is downloaded (selenium is given
both paths, so Selenium Manager is not asked).

On the tiny random model by default. With ``MMVLP_WEBDEMO_SCREENSHOT=FILE``
it serves the trained ViLT-CLIP of ``make demo`` instead (skipping if
``make demo`` has not run) and saves the page there: that is how
``docs/en/_static/webdemo.png`` is made.
"""
import os
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from webdemo_helpers import DemoServer, world_video

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMEDRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'
pytestmark = pytest.mark.skipif(
    not (os.path.isfile(CHROMIUM) and os.path.isfile(CHROMEDRIVER)),
    reason='headless browser test: needs Debian chromium and '
    'chromium-driver (apt-get install -y chromium chromium-driver)')
webdriver = pytest.importorskip('selenium.webdriver',
                                reason='needs selenium (requirements/'
                                'webdemo.txt)')
pytest.importorskip('gradio', reason='needs requirements/webdemo.txt')
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SCREENSHOT = os.environ.get('MMVLP_WEBDEMO_SCREENSHOT')
DEMO_DIR = REPO / os.environ.get('DEMO_DIR', 'work_dirs/demo')
WORLD = REPO / os.environ.get('MMVLP_WORLD_V2_ROOT', 'data/world_v2')
TINY_NAMES = ['a red square sliding', 'a blue cross blinking',
              'a green triangle spinning', 'a yellow circle bouncing']
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu',
                  '--disable-quic', '--no-first-run',
                  '--disable-background-networking',
                  '--disable-component-update', '--disable-sync',
                  '--window-size=1400,1400']


@pytest.fixture(scope='module')
def served(tmp_path_factory, tiny_clip_path):
    """``(server, example file name, sampled frames, bars per ranking)``:
    the page asks for top-5 (capped at the number of class names); uploads
    up to 1 MB."""
    work = tmp_path_factory.mktemp('webdemo_browser')
    if SCREENSHOT:
        checkpoint = DEMO_DIR / 'vilt-clip' / 'epoch_2.pth'
        if not checkpoint.is_file() or not WORLD.is_dir():
            pytest.skip(f'{checkpoint} or {WORLD} missing: run `make demo`')
        videos = WORLD / 'videos'
        server = DemoServer(
            work, tiny_clip_path, [
                '--max-file-size-mb', '1', '--examples',
                str(videos / 'b2n_novel_test'),
                str(videos / 'b2n_base_test'), '--class-file',
                str(WORLD / 'classes_b2n_base.txt'),
                str(WORLD / 'classes_b2n_novel.txt')],
            config='configs/demo/vilt-clip_world_v2.py',
            checkpoint=str(checkpoint))
        example, frames, bars = 'orange_crescent_002.mp4', 8, 5
    else:
        video = world_video(work / 'red_square.mp4')
        (work / 'names.txt').write_text('\n'.join(TINY_NAMES) + '\n')
        server = DemoServer(work, tiny_clip_path, [
            '--max-file-size-mb', '1', '--examples', str(video),
            '--class-file', str(work / 'names.txt')])
        example, frames, bars = video.name, 4, len(TINY_NAMES)
    server.wait_ready()
    yield server, example, frames, bars
    server.stop()


@pytest.fixture
def browser(tmp_path):
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path / 'chromium-profile'  # new and empty
    profile.mkdir()
    for flag in CHROMIUM_FLAGS + [f'--user-data-dir={profile}']:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_page_classifies_an_example_and_draws_the_charts(served, browser,
                                                         tmp_path):
    server, example, num_frames, num_bars = served
    wait = WebDriverWait(browser, 60)
    browser.get(server.url)
    classify = wait.until(EC.element_to_be_clickable((By.ID, 'classify')))
    names = browser.find_element(By.CSS_SELECTOR, '#class-names textarea')
    assert names.get_attribute('value').strip() != ''  # from --class-file
    browser.find_element(  # the example's button in gr.Examples
        By.XPATH, f"//button[normalize-space(.)='{example}']").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, 'video'),
                                                Path(example).stem))
    classify.click()

    # the ranking of each model: top-k bars, longest first
    for ranking in ('model-ranking', 'zero-shot-ranking'):
        wait.until(lambda d: len(d.find_elements(
            By.CSS_SELECTOR, f'#{ranking} meter')) == num_bars)
        bars = browser.find_elements(By.CSS_SELECTOR, f'#{ranking} meter')
        values = [float(b.get_attribute('value')) for b in bars]
        assert values == sorted(values, reverse=True), values
        assert 0 < values[0] <= 1
        assert '%' in browser.find_element(By.ID, ranking).text
    # the sampled frames and the per-frame bar chart (vega draws an svg)
    wait.until(lambda d: len(d.find_elements(
        By.CSS_SELECTOR, '#frames img')) == num_frames)
    wait.until(lambda d: len(d.find_elements(
        By.CSS_SELECTOR, '#frame-match svg .mark-rect path')) == num_frames)
    info = browser.find_element(By.ID, 'info').text
    assert example in info and f'{num_frames} sampled' in info
    shot = Path(SCREENSHOT) if SCREENSHOT else tmp_path / 'webdemo.png'
    shot.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(shot))
    assert 'Traceback' not in server.log_text()


def _toasts(browser):
    return [t.text for t in browser.find_elements(
        By.CSS_SELECTOR, '[data-testid="toast-body"]')]


def test_bad_input_gets_a_message_on_the_page(served, browser, tmp_path):
    """A file that is not a video: the refusal is shown on the page, naming
    the file. An upload over the limit: refused on the page, naming the
    limit and the file. The page still classifies after both. A label map
    with a blank line inside: refused by file and line."""
    server, example, num_frames, _ = served
    wait = WebDriverWait(browser, 60)
    browser.get(server.url)
    classify = wait.until(EC.element_to_be_clickable((By.ID, 'classify')))
    notes = tmp_path / 'notes.mp4'
    notes.write_text('not a video\n' * 10)
    browser.find_element(By.CSS_SELECTOR,
                         '#video input[type=file]').send_keys(str(notes))
    wait.until(EC.text_to_be_present_in_element((By.ID, 'video'), 'notes'))
    classify.click()
    wait.until(lambda d: any("'notes.mp4' cannot be read as a video" in t
                             for t in _toasts(d)))
    for close in browser.find_elements(By.CSS_SELECTOR,
                                       '[data-testid="toast-close"]'):
        close.click()
    wait.until(lambda d: _toasts(d) == [])

    big = tmp_path / 'big.mp4'
    big.write_bytes(os.urandom(int(1.5 * 2**20)))
    browser.find_element(By.CSS_SELECTOR, '#video button').click()  # clear
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR,
                                         '#video input[type=file]'))
    browser.find_element(By.CSS_SELECTOR,
                         '#video input[type=file]').send_keys(str(big))
    wait.until(lambda d: any('maximum allowed size of 1.0 Mb' in t and
                             'big.mp4' in t for t in _toasts(d)))
    assert 'big.mp4' not in browser.find_element(By.ID, 'video').text

    browser.find_element(
        By.XPATH, f"//button[normalize-space(.)='{example}']").click()
    wait.until(EC.text_to_be_present_in_element((By.ID, 'video'),
                                                Path(example).stem))
    classify.click()
    wait.until(lambda d: example in d.find_element(By.ID, 'info').text)

    # a label map: one with a blank line inside is refused by file and
    # line; a good one fills the class-name box
    for close in browser.find_elements(By.CSS_SELECTOR,
                                       '[data-testid="toast-close"]'):
        close.click()
    bad_map = tmp_path / 'gappy.txt'
    bad_map.write_text('a red square\n\na blue cross\n')
    upload = '#label-map input[type=file]'
    browser.find_element(By.CSS_SELECTOR, upload).send_keys(str(bad_map))
    wait.until(lambda d: any('gappy.txt' in t and ':2' in t
                             for t in _toasts(d)))
    good_map = tmp_path / 'names.txt'
    good_map.write_text('a red square\na blue cross, sliding\n')
    browser.find_element(By.CSS_SELECTOR, '#label-map button').click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, upload))
    browser.find_element(By.CSS_SELECTOR, upload).send_keys(str(good_map))
    box = '#class-names textarea'
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, box).get_attribute(
        'value') == 'a red square\na blue cross, sliding')
    assert server.proc.poll() is None
