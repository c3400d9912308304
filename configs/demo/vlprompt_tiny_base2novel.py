# Tiny base-to-novel run: the demo recipe (random-init 'vlp-tiny' CLIP,
# synthetic videos) trained on base classes and evaluated on base and novel
# classes in one run, with MultiSetValLoop / MultiSetTestLoop and checkpoint
# selection by the harmonic mean. Used by tests/test_protocol_acceptance.py,
# which writes these files into MMVLP_SYNTHETIC_ROOT (default data/synthetic):
#   videos/                       the synthetic clips
#   base_labels.txt, novel_labels.txt
#   base_train.txt, base_val.txt  labels index base_labels.txt
#   novel_val.txt                 labels index novel_labels.txt
#
# Train, then test with one prediction dump per set:
#   python tools/train.py configs/demo/vlprompt_tiny_base2novel.py
#   python tools/test.py configs/demo/vlprompt_tiny_base2novel.py \
#       work_dirs/vlprompt_tiny_base2novel/best_b2n_hm_epoch_2.pth \
#       --dump work_dirs/b2n_preds.pkl   # writes b2n_preds_{base,novel}.pkl
_base_ = ['./vlprompt_tiny_synthetic.py']

data_root = '{{$MMVLP_SYNTHETIC_ROOT:data/synthetic}}'
b2n_sets = [
    dict(prefix='base', ann_file=data_root + '/base_val.txt',
         class_names=data_root + '/base_labels.txt'),
    dict(prefix='novel', ann_file=data_root + '/novel_val.txt',
         class_names=data_root + '/novel_labels.txt')
]
b2n_hm = dict(base='base', novel='novel', name='b2n/hm')

model = dict(cls_head=dict(class_names=data_root + '/base_labels.txt'))
train_dataloader = dict(dataset=dict(ann_file=data_root + '/base_train.txt'))
val_cfg = dict(type='MultiSetValLoop', sets=b2n_sets, harmonic_mean=b2n_hm)
test_cfg = dict(type='MultiSetTestLoop', sets=b2n_sets, harmonic_mean=b2n_hm)
default_hooks = dict(checkpoint=dict(save_best='b2n/hm', rule='greater'))
