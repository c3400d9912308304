"""configs/retrieval: every config loads, the peers differ only where they
should, the datasets and pipelines build, and the models build."""
import json
from pathlib import Path

import pytest
from mmaction.registry import DATASETS, MODELS
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[1]
CONFIGS = sorted((REPO / 'configs' / 'retrieval').glob('*.py'))
WORLD_CLIP = REPO / 'checkpoints' / 'vlp-bench' / 'vlp-bench.pt'


def _load(path) -> Config:
    return Config.fromfile(str(path))


def test_all_configs_are_there():
    names = {p.stem for p in CONFIGS}
    for method in ('zeroshot-clip', 'ivlp', 'vilt-clip'):
        for data in ('msrvtt-9k_8f', 'msrvtt-9k_12f', 'msvd_8f',
                     'world-v2'):
            assert f'{method}_{data}' in names


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.stem)
def test_config_loads_with_header_and_consistent_frames(path, tmp_path):
    text = path.read_text()
    assert text.startswith('#') and 'tools/' in text.split('_base_')[0], \
        f'{path.name}: header with the commands missing'
    cfg = _load(path)
    model = cfg.model
    assert model.type == 'VLPromptSimilarity'
    assert model.cls_head.type == 'PromptedCaptionHead'
    assert model.cls_head.template == '{}'  # the plain caption
    method = path.stem.split('_')[0]
    if method == 'zeroshot-clip':
        assert model.neck is None and model.cls_head.loss_scenario is None
    elif method == 'ivlp':
        assert model.neck.mapping == 'none'
        assert model.cls_head.loss_scenario is None
    else:
        assert model.neck.mapping == 'both'
        assert model.cls_head.loss_scenario.type == 'ScenarioGuidedLoss'
    frames = 12 if '12f' in path.stem else 8
    assert model.backbone.num_frames == frames
    for loader, grouped in (('train_dataloader', False),
                            ('test_dataloader', True)):
        dataset = cfg[loader].dataset
        assert dataset.get('group_captions', False) is grouped
        sample = [t for t in dataset.pipeline if t.type == 'UniformSample']
        assert sample[0].clip_len == frames
        pack = dataset.pipeline[-1]
        assert {'text', 'video_id'} <= set(pack.meta_keys)
        # the dataset and its pipeline build on a stand-in annotation file
        ann = tmp_path / f'{loader}.json'
        ann.write_text(json.dumps({'v.mp4': ['a caption']}))
        built = DATASETS.build(dict(dataset, ann_file=str(ann),
                                    data_root=''))
        assert len(built) == 1
    assert cfg.test_evaluator.type == 'VideoTextRetrievalMetric'
    expected_root = {'msrvtt': 'data/video_retrieval/msrvtt',
                     'msvd': 'data/video_retrieval/msvd'}
    for key, root in expected_root.items():
        if key in path.stem:
            assert cfg.test_dataloader.dataset.data_root == root


@pytest.mark.parametrize('method', ['zeroshot-clip', 'ivlp', 'vilt-clip'])
def test_world_v2_models_build(method):
    cfg = _load(REPO / f'configs/retrieval/{method}_world-v2.py')
    cfg.model.clip.pretrained = str(WORLD_CLIP)
    model = MODELS.build(cfg.model)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert all(n.startswith('neck.') for n in trainable)
    assert bool(trainable) == (method != 'zeroshot-clip')


def test_msrvtt_vit_b16_builds_with_prompts_only_trainable():
    cfg = _load(REPO / 'configs/retrieval/vilt-clip_msrvtt-9k_8f.py')
    cfg.model.clip.pretrained = None  # random init, nothing downloaded
    model = MODELS.build(cfg.model)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    # prompts 9 x 8 x (512 + 768) + both mappings at 9 layers
    assert trainable == 9 * 8 * (512 + 768) + 9 * (512 * 768 + 768) + \
        9 * (768 * 512 + 512)
    # 'a video of' ends P_t^0, next to the caption
    phrase = model.cls_head.embed_context('a video of')
    assert (model.neck.text_prompts[0, -3:] == phrase).all()
