"""tools/analysis/retrieval_table.py: the CSV of `make retrieval` from
dumped embeddings, and the chance row."""
import csv
import sys

import mmengine
import pytest
import torch

from conftest import REPO

sys.path.insert(0, str(REPO / 'tools' / 'analysis'))
import retrieval_table  # noqa: E402


def test_chance_of_a_random_ranking():
    assert retrieval_table.chance(48) == pytest.approx(
        dict(R1=100 / 48, R5=500 / 48, R10=1000 / 48, MdR=24))
    two = retrieval_table.chance(96, 2)  # best of 2 targets among 96
    assert two['R5'] == pytest.approx(100 * (1 - 91 / 96 * 90 / 95))
    assert two['MdR'] == 28


def test_csv_from_dumps(tmp_path):
    perfect = [dict(video_feature=torch.eye(4)[i],
                    text_feature=torch.eye(4)[i][None].repeat(2, 1))
               for i in range(4)]
    reversed_ = [dict(video_feature=torch.eye(4)[i],
                      text_feature=torch.eye(4)[3 - i][None])
                 for i in range(4)]
    for name, preds in (('a', perfect), ('b', reversed_)):
        mmengine.dump(preds, str(tmp_path / f'{name}.pkl'))
    retrieval_table.main([str(tmp_path), '--method', 'zero-shot',
                          str(tmp_path / 'a.pkl'), '--method', 'vilt-clip',
                          str(tmp_path / 'b.pkl')])
    rows = list(csv.reader(open(tmp_path / 'results_retrieval.csv')))
    assert rows[0] == ['method', 't2v_r1', 't2v_r5', 't2v_r10', 'v2t_r1',
                       'v2t_r5', 'v2t_r10', 't2v_mdr', 'v2t_mdr']
    assert rows[1] == ['zero-shot', '100.00', '100.00', '100.00', '100.00',
                       '100.00', '100.00', '1.00', '1.00']
    # each text scores 0 with its own video; the index tie-break puts it
    # after the lower-index videos
    assert rows[2][0] == 'vilt-clip' and rows[2][1] != '100.00'
    assert 'chance' in (tmp_path / 'results_retrieval.md').read_text()
    with pytest.raises(FileNotFoundError, match='nope.pkl'):
        retrieval_table.main([str(tmp_path), '--method', 'x',
                              str(tmp_path / 'nope.pkl')])
