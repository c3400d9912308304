"""Install mmvlprompt: ``pip install -e .`` (see README for the pinned set)."""
import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent


def read_version() -> str:
    text = (HERE / 'mmvlprompt' / 'version.py').read_text()
    return re.search(r"__version__ = '([^']+)'", text).group(1)


setup(
    name='mmvlprompt',
    version=read_version(),
    description='Multimodal prompt learning on CLIP for video recognition, '
    'as an MMAction2 plugin (ViLT-CLIP).',
    long_description=(HERE / 'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    python_requires='>=3.9',
    packages=find_packages(include=['mmvlprompt', 'mmvlprompt.*']),
    package_data={'mmvlprompt': ['clip_configs/*.json']},
    install_requires=[
        'torch>=2.1', 'mmengine>=0.10.0,<0.11',
        'mmaction2>=1.2.0,<1.3', 'open-clip-torch>=3.0', 'decord>=0.6.0',
        'importlib_metadata'
    ],
    # PyAV: tools/data/reencode_videos.py and its tests
    extras_require={'tests': ['pytest', 'av>=14'], 'tools': ['av>=14']},
    license='Apache-2.0',
)
