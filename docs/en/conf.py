"""Sphinx configuration of the mmvlprompt documentation (MyST Markdown).

Build with ``make docs`` from the repository root (HTML in
``docs/_build/html``, warnings are errors).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, ROOT)  # the checkout's mmvlprompt, for the API reference
sys.path.insert(0, HERE)  # _ext: local extensions

from mmvlprompt.version import __version__  # noqa: E402

project = 'mmvlprompt'
copyright = 'mmvlprompt contributors'
author = 'mmvlprompt contributors'
version = release = __version__

extensions = [
    'myst_parser',
    'sphinx.ext.autodoc',
    'sphinx.ext.autosummary',
    'sphinx.ext.napoleon',
    'sphinx.ext.viewcode',
    '_ext.repo_links',
]

source_suffix = {'.md': 'markdown', '.rst': 'restructuredtext'}
root_doc = 'index'
exclude_patterns = ['_build', 'Thumbs.db', '.DS_Store', '_ext']
templates_path = ['_templates']

# MyST: GitHub-style heading anchors, so that `page.md#a-heading` links are
# resolved (and a missing anchor is a warning, hence an error under -W).
myst_heading_anchors = 4
myst_enable_extensions = ['colon_fence', 'deflist']

# API reference: generated from the docstrings of the registered modules.
autosummary_generate = True
autodoc_default_options = {
    'members': True,
    'show-inheritance': True,
}
autodoc_member_order = 'bysource'
autodoc_typehints = 'description'
# Import the real packages (they import offline: nothing is downloaded at
# import time); only an absent optional GUI package would be mocked.
autodoc_mock_imports = []
napoleon_google_docstring = True
napoleon_numpy_docstring = True

html_theme = 'furo'
html_title = f'mmvlprompt {release}'
html_static_path = ['_static']

# Relative links that leave docs/en (to configs/, tools/, ...) must name an
# existing file (MyST reports a missing one); _ext/repo_links.py points them
# at <repo_url>/blob/main/<path>, or at the checkout's file when unset.
repo_url = os.environ.get('MMVLP_REPO_URL', '')
