"""``--cfg-options`` keeps text values with their spaces in every tool.

mmengine's ``DictAction`` removes every space (``"a video of {}."`` becomes
``"avideoof{}."``); :class:`mmvlprompt.engine.CfgOptionsAction` does not,
while lists, tuples and numbers parse as before.
"""
import importlib.util

import pytest
from mmengine.config import DictAction

from conftest import REPO
from mmvlprompt.engine import CfgOptionsAction, load_config, parse_cfg_value
from mmvlprompt.engine.cfg_options import add_cfg_options

TINY = 'configs/demo/vlprompt_tiny_synthetic.py'
TEXT_OPTIONS = [
    'model.cls_head.template=a video of {}.',
    'model.neck.ctx_init=a photo of a',
    "model.cls_head.class_names=['apply eye makeup','brush hair']",
]
EXPECTED_TEXT = {
    'model.cls_head.template': 'a video of {}.',
    'model.neck.ctx_init': 'a photo of a',
    'model.cls_head.class_names': ['apply eye makeup', 'brush hair'],
}


def _tool(relpath):
    spec = importlib.util.spec_from_file_location(
        relpath.replace('/', '_')[:-3], REPO / relpath)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('text, expected', [
    # text keeps its spaces
    ('a video of {}.', 'a video of {}.'),
    ('a photo of a', 'a photo of a'),
    ('a photo of {}, in action.', 'a photo of {}, in action.'),
    ('"a video of {}."', 'a video of {}.'),
    ('"1,2"', '1,2'),
    ('{}', '{}'),
    ("['apply eye makeup','brush hair']", ['apply eye makeup', 'brush hair']),
    ('[apply eye makeup, brush hair]', ['apply eye makeup', 'brush hair']),
    ("[a, 'b c']", ['a', 'b c']),
    # what mmengine parses keeps its meaning
    ('[1,2]', [1, 2]),
    ('(1,2)', (1, 2)),
    ('(1,)', (1,)),
    ('[(1,2),(3,4)]', [(1, 2), (3, 4)]),
    ('1,2,3', [1, 2, 3]),
    ('1, 2', [1, 2]),
    ('a,b', ['a', 'b']),
    ('[a,b]', ['a', 'b']),
    ('3', 3),
    ('-1', -1),
    ('1e-3', 1e-3),
    ('0.5', 0.5),
    ('True', True),
    ('false', False),
    ('None', None),
    ('[]', []),
    ('x', 'x'),
    # a bare list written with a space after each comma
    ('a, b', ['a', 'b']),
    ('a, b, c', ['a', 'b', 'c']),
    # bools in any case; None only as Python spells it
    ('true', True),
    ('TRUE', True),
    ('False', False),
    ('fAlSe', False),
    ('none', 'none'),
    ('NONE', 'NONE'),
    # text is kept as written, whatever its first and last letters
    ('XOX', 'XOX'),
    ('work_dirs/lr=1e-3', 'work_dirs/lr=1e-3'),
    # quoted text: outer quotes go, inner ones stay; escapes as in Python
    ('"say "hi" now"', 'say "hi" now'),
    ("'a person\\'s {}'", "a person's {}"),
    ('(1)', 1),
    # items inside brackets: nested brackets and quoted commas stay whole
    ('[(a, b), c]', [('a', 'b'), 'c']),
    ('[[a, (b, c)], d]', [['a', ('b', 'c')], 'd']),
    ('[a, "b, c"]', ['a', 'b, c']),
    ('[XL, M, S]', ['XL', 'M', 'S']),
    ('(a, b)', ('a', 'b')),
    # a trailing comma makes no empty item; an explicit empty text stays
    ('(a,)', ('a',)),
    ('(a, b,)', ('a', 'b')),
    ('[a, ""]', ['a', '']),
    ('[ , ]', []),
])
def test_parse_cfg_value(text, expected):
    value = parse_cfg_value(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize('text', ['[1,2]', '(1,2)', '3', '1e-3', 'True',
                                  'None', 'a,b', '[a,b]', '[(1,2),(3,4)]',
                                  'work_dirs/x', 'lr', 'true', 'TRUE',
                                  '[a,]', '(a,)', '[[a,(b,c)],d]',
                                  '[XL,M]'])
def test_same_as_mmengine_without_spaces(text):
    """Values without spaces parse exactly as mmengine's DictAction."""
    assert parse_cfg_value(text) == DictAction._parse_iterable(text)


def test_mmengine_would_lose_the_spaces():
    """The reason this action exists (fails if mmengine ever fixes it)."""
    assert DictAction._parse_iterable('a video of {}.') == 'avideoof{}.'


def test_repeated_option_and_bad_item(capsys):
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    args = parser.parse_args(['--cfg-options', 'a=1', '--cfg-options',
                              'b=x y'])
    assert args.cfg_options == {'a': 1, 'b': 'x y'}
    with pytest.raises(SystemExit):
        parser.parse_args(['--cfg-options', 'no_equals_sign'])
    assert "'no_equals_sign' is not KEY=VALUE" in capsys.readouterr().err


def test_value_may_hold_equals_signs():
    """Only the first ``=`` separates the key from the value."""
    import argparse
    parser = argparse.ArgumentParser()
    add_cfg_options(parser)
    args = parser.parse_args(['--cfg-options', 'work_dir=runs/lr=1e-3',
                              ' model.x = a=b '])
    assert args.cfg_options == {'work_dir': 'runs/lr=1e-3', 'model.x': 'a=b'}
    assert parser.parse_args([]).cfg_options is None


def test_help_shows_the_form_and_an_example(capsys):
    import argparse
    parser = argparse.ArgumentParser()
    add_cfg_options(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(['--help'])
    text = ' '.join(capsys.readouterr().out.split())
    assert '--cfg-options KEY=VALUE [KEY=VALUE ...]' in text
    assert ('override config keys, e.g. model.neck.depth_text=4 or '
            'model.cls_head.template="a video of {}." (text keeps its '
            'spaces; lists, tuples, numbers, bools and None are parsed)'
            ) in text


# --------------------------------------------------------------------------
# through the tools' own parsers
# --------------------------------------------------------------------------
def _parsed_by_main(monkeypatch, relpath, extra=()):
    """Run a tool's main() up to its config loading; return cfg_options."""
    tool = _tool(relpath)
    seen = {}

    class Stop(Exception):
        pass

    def capture(path, cfg_options=None, *args, **kwargs):
        seen['cfg_options'] = cfg_options
        raise Stop

    monkeypatch.setattr(tool, 'load_model_config', capture)
    with pytest.raises(Stop):
        tool.main([TINY, *extra, '--cfg-options', *TEXT_OPTIONS])
    return seen['cfg_options']


@pytest.mark.parametrize('relpath', [
    'tools/train.py', 'tools/test.py', 'tools/infer.py',
    'tools/export_prompts.py', 'tools/analysis/benchmark.py'])
def test_tool_parse_args_keeps_text(relpath, tmp_path):
    tool = _tool(relpath)
    checkpoint = tmp_path / 'ckpt.pth'
    checkpoint.write_bytes(b'')
    positional = {
        'tools/train.py': [TINY],
        'tools/test.py': [TINY, str(checkpoint)],
        'tools/infer.py': [TINY, str(checkpoint), str(checkpoint),
                           '--classes', 'a,b'],
        'tools/export_prompts.py': [TINY, str(checkpoint),
                                    str(tmp_path / 'p.safetensors')],
        'tools/analysis/benchmark.py': [TINY],
    }[relpath]
    args = tool.parse_args([*positional, '--cfg-options', *TEXT_OPTIONS,
                            'train_cfg.max_epochs=3', 'a.b=[1,2]',
                            'a.c=(1,2)', 'optim_wrapper.optimizer.lr=1e-3'])
    assert args.cfg_options == {**EXPECTED_TEXT, 'train_cfg.max_epochs': 3,
                                'a.b': [1, 2], 'a.c': (1, 2),
                                'optim_wrapper.optimizer.lr': 1e-3}


@pytest.mark.parametrize('relpath', [
    'tools/analysis/count_params.py', 'tools/analysis/checkpoint_size.py',
    'tools/analysis/get_flops.py'])
def test_analysis_tools_keep_text(monkeypatch, relpath):
    assert _parsed_by_main(monkeypatch, relpath) == EXPECTED_TEXT


def test_train_config_gets_the_text(tmp_path):
    """tools/train.py's parser and load_config put the text in the config."""
    args = _tool('tools/train.py').parse_args(
        [TINY, '--work-dir', str(tmp_path), '--cfg-options', *TEXT_OPTIONS])
    cfg = load_config(args)
    assert cfg.model.cls_head.template == 'a video of {}.'
    assert cfg.model.neck.ctx_init == 'a photo of a'
    assert cfg.model.cls_head.class_names == ['apply eye makeup',
                                              'brush hair']
