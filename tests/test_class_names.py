"""Class names: the prompt-text normaliser, .txt/.csv/list loading, and
file:line errors for bad class-name files."""
import pytest
from mmaction.registry import MODELS

from conftest import tiny_model_cfg
from mmvlprompt.utils import (load_class_names, normalize_class_name,
                              read_class_name_file)


@pytest.mark.parametrize('name, text', [
    # the three conventions of the issue
    ('ApplyEyeMakeup', 'apply eye makeup'),
    ('brush_hair', 'brush hair'),
    ('Pushing [something] from left to right',
     'pushing something from left to right'),
    # CamelCase words are split; other words stay whole
    ('YoYo', 'yo yo'),
    ('PlayingDaf', 'playing daf'),
    ('Skijet', 'skijet'),
    ('HandStandPushups', 'hand stand pushups'),
    ('PlayingTV', 'playing tv'),  # an upper-case run stays one word
    ('TVRemote', 'tv remote'),
    ('Top10Tricks', 'top 10 tricks'),  # digits inside CamelCase
    ('mp3 player', 'mp3 player'),  # ... but not inside ordinary words
    ('3D printing', '3d printing'),
    ('iPad', 'ipad'),
    # Kinetics: parentheses and apostrophes kept, case folded
    ('dancing (ballet)', 'dancing (ballet)'),
    ('passing American football (in game)',
     'passing american football (in game)'),
    ("massaging person's head", "massaging person's head"),
    # SSv2 with several placeholders, one of several words
    ('Putting [part of something] into [something]',
     'putting part of something into something'),
    ('  kick__ball  ', 'kick ball'),  # white space runs collapse
    ('', ''),
])
def test_normaliser(name, text):
    """Dataset names become prompt text; normalising twice changes
    nothing."""
    assert normalize_class_name(name) == text
    assert normalize_class_name(text) == text


def test_txt_csv_and_list_give_the_same_names(tmp_path):
    """A label map, an id,name CSV (CRLF, quoted, any row order) and a list
    load to the same normalised names; normalize=False keeps them as
    written."""
    raw = ['ApplyEyeMakeup', 'brush_hair', 'Putting something, something '
           'and something on the table']
    txt = tmp_path / 'map.txt'
    txt.write_text('\n'.join(raw) + '\n')
    csv_path = tmp_path / 'map.csv'
    csv_path.write_bytes(
        b'id,name\r\n1,brush_hair\r\n0,ApplyEyeMakeup\r\n'
        b'2,"Putting something, something and something on the table"\r\n')
    expected = ['apply eye makeup', 'brush hair',
                'putting something, something and something on the table']
    for source in (str(txt), csv_path, raw):
        assert load_class_names(source)[0] == expected
        assert load_class_names(source, normalize=False)[0] == raw
    assert [line for _, line in read_class_name_file(csv_path)] == [3, 2, 4]


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    return path


@pytest.mark.parametrize('name, content, message', [
    ('empty.txt', '', 'no class names'),
    ('empty.csv', 'id,name\n', 'no class names'),
    ('dup.txt', 'a\nb\na\n', r"duplicate class name 'a' at \S*dup.txt:1 and "
     r'\S*dup.txt:3'),
    ('norm_dup.txt', 'a\nKickBall\nkick_ball\n',
     r"'kick ball' at \S*:2 and \S*:3 \('KickBall' and 'kick_ball' are equal "
     'after normalisation'),
    ('blank.txt', 'a\n\nb\n', r'blank.txt:2: blank line'),
    ('blank.csv', 'id,name\n0,a\n\n1,b\n', r'blank.csv:3: blank line'),
    ('header.csv', 'index,label\n0,a\n', r'header.csv:1: expected the header'),
    ('fields.csv', 'id,name\n0,a\n1,b,c\n', r'fields.csv:3: expected 2 '
     'fields'),
    ('id.csv', 'id,name\n0,a\none,b\n', r"id.csv:3: id 'one' is not an "
     'integer'),
    ('twice.csv', 'id,name\n0,a\n0,b\n', r'twice.csv:3: id 0 already used at '
     'line 2'),
    ('gap.csv', 'id,name\n0,a\n2,b\n', r'gap.csv: ids must be 0..1.*missing '
     r'\[1\], out of range \[2\]'),
    ('noname.csv', 'id,name\n0,a\n1, \n', r'noname.csv:3: empty class name'),
])
def test_bad_class_name_files_give_file_and_line(tmp_path, name, content,
                                                 message):
    """Each malformed file fails naming the key, the file and the line."""
    path = write(tmp_path, name, content)
    with pytest.raises(ValueError, match=message) as info:
        load_class_names(str(path), key='cls_head.class_names')
    assert str(info.value).startswith('cls_head.class_names: ')


def test_trailing_blank_lines_and_normalisation_off(tmp_path):
    """Trailing blank lines are fine; names equal only after normalisation
    are kept apart with normalize=False; list errors give the index."""
    path = write(tmp_path, 'ok.txt', 'KickBall\nkick_ball\n\n\n')
    assert load_class_names(path, normalize=False)[0] == ['KickBall',
                                                          'kick_ball']
    with pytest.raises(ValueError, match=r'class_names\[0\] and '
                       r'class_names\[2\]'):
        load_class_names(['a', 'b', 'A'])
    with pytest.raises(ValueError, match=r'empty class name at '
                       r'class_names\[1\]'):
        load_class_names(['a', ' _ '])


def test_head_normalize_class_names_key(tiny_clip_path):
    """cls_head.normalize_class_names is on by default, can be switched
    off, and is validated."""
    names = ['ApplyEyeMakeup', 'brush_hair']
    head = MODELS.build(tiny_model_cfg(
        tiny_clip_path, class_names=names,
        test_class_names=['PlayingDaf'])).cls_head
    assert head.train_names == ['apply eye makeup', 'brush hair']
    assert head.test_names == ['playing daf']
    raw = MODELS.build(tiny_model_cfg(tiny_clip_path, class_names=names,
                                      normalize_class_names=False)).cls_head
    assert raw.train_names == names
    # the text the encoder sees differs: CLIP lower-cases but cannot split
    assert not raw._tokens(raw.train_names, 0).equal(
        head._tokens(head.train_names, 0))
    with pytest.raises(TypeError, match='cls_head.normalize_class_names='
                       "'yes'"):
        MODELS.build(tiny_model_cfg(tiny_clip_path,
                                    normalize_class_names='yes'))
