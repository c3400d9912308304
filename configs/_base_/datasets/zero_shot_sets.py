# Zero-shot evaluation sets of the ViFi-CLIP protocol (DESIGN 3): UCF-101 and
# HMDB-51 splits 1-3 over their full class lists, and the three 160-class
# Kinetics-600 splits (classes absent from K400). Every set is scored against
# its own class list; the loop logs `<set>/acc/top1` per set and
# `<group>/top1_mean`, `<group>/top1_std` over the 3 splits of each dataset.
#
# Files (published protocol, unchanged, under data/vifi_protocol/):
#   labels/{ucf_101,hmdb_51}_labels.csv, labels/ZS_split{1,2,3}_K600.csv
#   datasets_splits/{ucf,hmdb}_splits/val{1,2,3}.txt
#   datasets_splits/k600_splits/ZS_split{1,2,3}_K600_eval.txt
# Videos: data/ucf101/videos/, data/hmdb51/videos/ (flat, file names as in
# the split files), data/kinetics600/videos/ (train/..., as in the splits).
#
# A config puts the cell on top of a method's recipe; the sets use the
# recipe's single-view val_pipeline (its frame count):
#   test_dataloader = dict(_base_.zero_shot_cell[0],
#                          dataset=dict(pipeline=_base_.val_pipeline))
#   test_cfg, test_evaluator = _base_.zero_shot_cell[1:]
_protocol = 'data/vifi_protocol'
# (prefix, group, annotation file, class names, video folder)
_sets = [
    (f'{ds}_s{i}', ds, f'{_protocol}/datasets_splits/{sp}/{ann}',
     f'{_protocol}/labels/{names}', videos)
    for ds, sp, ann_tmpl, names_tmpl, videos in (
        ('ucf', 'ucf_splits', 'val{}.txt', 'ucf_101_labels.csv',
         'data/ucf101/videos'),
        ('hmdb', 'hmdb_splits', 'val{}.txt', 'hmdb_51_labels.csv',
         'data/hmdb51/videos'),
        ('k600', 'k600_splits', 'ZS_split{}_K600_eval.txt',
         'ZS_split{}_K600.csv', 'data/kinetics600/videos'))
    for i in (1, 2, 3)
    for ann, names in ((ann_tmpl.format(i), names_tmpl.format(i)), )
]
zero_shot_cell = [
    # a template for the 9 sets; workers are not persistent: 9 sets x 8 idle
    # workers would pile up
    dict(batch_size=8, num_workers=8, persistent_workers=False),
    dict(type='MultiSetTestLoop',
         sets=[dict(prefix=prefix, group=group, ann_file=ann,
                    data_prefix=dict(video=videos), class_names=names)
               for prefix, group, ann, names, videos in _sets]),
    dict(type='AccMetric')
]
del _sets, _protocol  # helpers only, not config keys
