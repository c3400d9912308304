"""tools/analysis/protocol_table.py on fabricated results with known
numbers."""
import csv
import importlib.util
import io
import json
import pickle
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location(
        'protocol_table', REPO / 'tools' / 'analysis' / 'protocol_table.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _json(work_dirs, name, metrics, stamp='20260101_000000'):
    folder = work_dirs / name / stamp
    folder.mkdir(parents=True)
    # mmengine writes one JSON object per line; the tool reads the last
    (folder / f'{stamp}.json').write_text(
        json.dumps({'acc/top1': -1.0}) + '\n' + json.dumps(metrics) + '\n')


def _dump(path, scores, labels):
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [dict(pred_score=torch.tensor(s), gt_label=torch.tensor([lb]))
            for s, lb in zip(scores, labels)]
    with open(path, 'wb') as f:
        pickle.dump(rows, f)


@pytest.fixture
def results(tmp_path):
    work = tmp_path / 'work_dirs'
    # zero-shot: UCF splits 0.70, 0.80, 0.90; HMDB 0.50 x3; no K600
    _json(work, 'vlprompt_k400_zs', {
        'ucf_s1/acc/top1': 0.7, 'ucf_s2/acc/top1': 0.8,
        'ucf_s3/acc/top1': 0.9, 'hmdb_s1/acc/top1': 0.5,
        'hmdb_s2/acc/top1': 0.5, 'hmdb_s3/acc/top1': 0.5,
        'ucf/top1_mean': 0.8, 'data_time': 0.1})
    # an older run of the same work dir is ignored
    _json(work, 'vlprompt_k400_zs', {'ucf_s1/acc/top1': 0.0},
          stamp='20250101_000000')
    # few-shot
    _json(work, 'vlprompt_fs_ucf101_k2', {'acc/top1': 0.6})
    _json(work, 'vlprompt_fs_ucf101_k16', {'acc/top1': 0.9})
    _json(work, 'vificlip_fs_hmdb51_k4', {'acc/top1': 0.55})
    # base-to-novel: seeds 1 and 2 from JSONs, seed 3 from dumps
    _json(work, 'vlprompt_b2n_ucf101_s1', {'base/acc/top1': 0.9,
                                           'novel/acc/top1': 0.7})
    _json(work, 'vlprompt_b2n_ucf101_s2', {'base/acc/top1': 0.8,
                                           'novel/acc/top1': 0.5})
    # base: 3 of 4 right; novel: 1 of 2 right (3 classes)
    _dump(work / 'vlprompt_b2n_ucf101_s3' / 'preds_base.pkl',
          [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]], [0, 1, 0, 0])
    _dump(work / 'vlprompt_b2n_ucf101_s3' / 'preds_novel.pkl',
          [[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]], [2, 1])
    # fully supervised, from a single-set dump with 6 classes
    _dump(work / 'vlprompt_k400' / 'preds.pkl',
          [[0.5, 0.1, 0.1, 0.1, 0.1, 0.1], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]],
          [0, 1])  # second: label 1 is 5th of 6, so top-5 only
    return work


def test_tables_have_the_known_numbers(tool, results, tmp_path, capsys):
    out = tmp_path / 'tables'
    tables = tool.main([str(results), '--out-dir', str(out)])
    assert set(tables) == {'zero_shot', 'few_shot', 'base2novel',
                           'supervised'}

    header, rows = tables['zero_shot']
    assert header == ['method', 'UCF-101', 'HMDB-51', 'K600']
    # std of 0.7/0.8/0.9 with ddof=0 is 8.16 points
    assert rows == [['vlprompt', '80.0 ± 8.2', '50.0 ± 0.0', '']]

    header, rows = tables['few_shot']
    cols = dict(zip(header, zip(*rows)))
    assert cols['method'] == ('vificlip', 'vlprompt')
    assert cols['UCF-101 K=2'] == ('', '60.0')
    assert cols['UCF-101 K=16'] == ('', '90.0')
    assert cols['HMDB-51 K=4'] == ('55.0', '')
    assert len(header) == 1 + 3 * 4

    header, rows = tables['base2novel']
    row = dict(zip(header, rows[0]))
    # base (0.9 + 0.8 + 0.75) / 3 = 0.8167; novel (0.7 + 0.5 + 0.5) / 3
    # = 0.5667; HM of the averages = 0.6691
    assert row['UCF-101 base'] == '81.7'
    assert row['UCF-101 novel'] == '56.7'
    b, n = 2.45 / 3, 1.7 / 3
    assert row['UCF-101 HM'] == f'{100 * 2 * b * n / (b + n):.1f}' == '66.9'
    assert row['K-400 base'] == ''

    assert tables['supervised'][1] == [['vlprompt_k400', '50.0', '100.0']]

    md = (out / 'base2novel.md').read_text()
    assert md.splitlines()[0].startswith('| method | K-400 base |')
    assert '| vlprompt |' in md
    rows = list(csv.reader(io.StringIO((out / 'few_shot.csv').read_text())))
    assert rows[0][:2] == ['method', 'HMDB-51 K=2'] and len(rows) == 3
    assert '## zero_shot' in capsys.readouterr().out


def test_cell_names(tool):
    assert tool.parse_cell('ivlp_b2n_k400_s3') == dict(
        protocol='base2novel', method='ivlp', dataset='k400', seed='3')
    assert tool.parse_cell('zeroshot-clip_b2n_ssv2') == dict(
        protocol='base2novel', method='zeroshot-clip', dataset='ssv2')
    assert tool.parse_cell('vlprompt_fs_ssv2_k8') == dict(
        protocol='few_shot', method='vlprompt', dataset='ssv2', k='8')
    assert tool.parse_cell('maple_k400_zs')['protocol'] == 'zero_shot'
    assert tool.parse_cell('vlprompt_k400')['protocol'] == 'supervised'


def test_missing_path_is_named(tool, tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'):
        tool.main([str(tmp_path / 'nowhere')])
