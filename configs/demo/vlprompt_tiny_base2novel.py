# Tiny base-to-novel run: the smoke-test recipe (random-init 'vlp-tiny'
# CLIP) on a tiny world v2, trained on base classes and evaluated on base and
# novel classes in one run, with MultiSetValLoop / MultiSetTestLoop and
# checkpoint selection by the harmonic mean. Used by
# tests/test_protocol_acceptance.py, which writes world v2's base-to-novel
# files (tools/data/make_world_v2.py --pools b2n_train b2n_base_test
# b2n_novel_test, with few classes and videos) into MMVLP_SYNTHETIC_ROOT
# (default data/synthetic):
#   videos/                                the videos
#   classes_b2n_base.txt, classes_b2n_novel.txt
#   b2n_base_k16_s1.txt, b2n_base_test.txt labels index classes_b2n_base.txt
#   b2n_novel_test.txt                     labels index classes_b2n_novel.txt
#
# Train, then test with one prediction dump per set:
#   python tools/train.py configs/demo/vlprompt_tiny_base2novel.py
#   python tools/test.py configs/demo/vlprompt_tiny_base2novel.py \
#       work_dirs/vlprompt_tiny_base2novel/best_b2n_hm_epoch_2.pth \
#       --dump work_dirs/b2n_preds.pkl   # writes b2n_preds_{base,novel}.pkl
_base_ = ['./vlprompt_tiny_synthetic.py']

data_root = '{{$MMVLP_SYNTHETIC_ROOT:data/synthetic}}'
b2n_sets = [
    dict(prefix='base', ann_file=data_root + '/b2n_base_test.txt',
         class_names=data_root + '/classes_b2n_base.txt'),
    dict(prefix='novel', ann_file=data_root + '/b2n_novel_test.txt',
         class_names=data_root + '/classes_b2n_novel.txt')
]
b2n_hm = dict(base='base', novel='novel', name='b2n/hm')

model = dict(cls_head=dict(class_names=data_root + '/classes_b2n_base.txt'))
train_dataloader = dict(
    dataset=dict(ann_file=data_root + '/b2n_base_k16_s1.txt'))
val_cfg = dict(type='MultiSetValLoop', sets=b2n_sets, harmonic_mean=b2n_hm)
test_cfg = dict(type='MultiSetTestLoop', sets=b2n_sets, harmonic_mean=b2n_hm)
default_hooks = dict(checkpoint=dict(save_best='b2n/hm', rule='greater'))
