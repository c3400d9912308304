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
# Names here do not collide with other bases; a config uses them with
#   test_dataloader = {{_base_.zero_shot_test_dataloader}}
#   test_cfg = {{_base_.zero_shot_test_cfg}}
#   test_evaluator = {{_base_.zero_shot_test_evaluator}}
zero_shot_protocol = 'data/vifi_protocol'
zero_shot_frames = 8
# one clip, centre crop (single view)
zero_shot_pipeline = [
    dict(type='CheckedDecordInit'),
    dict(type='UniformSample', clip_len=zero_shot_frames, num_clips=1,
         test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
# (prefix, group, annotation file, class names, video folder)
_zs_sets = [
    (f'{ds}_s{i}', ds, f'{zero_shot_protocol}/datasets_splits/{sp}/{ann}',
     f'{zero_shot_protocol}/labels/{names}', videos)
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
# workers are not persistent: 9 sets x 8 idle workers would pile up
zero_shot_test_dataloader = [
    dict(batch_size=8,
         num_workers=8,
         persistent_workers=False,
         sampler=dict(type='DefaultSampler', shuffle=False),
         dataset=dict(type='CheckedVideoDataset',
                      ann_file=ann,
                      data_prefix=dict(video=videos),
                      pipeline=zero_shot_pipeline,
                      test_mode=True)) for _, _, ann, _, videos in _zs_sets
]
zero_shot_test_cfg = dict(
    type='MultiSetTestLoop',
    sets=[dict(prefix=prefix, group=group, class_names=names)
          for prefix, group, _, names, _ in _zs_sets])
zero_shot_test_evaluator = dict(type='AccMetric')
del _zs_sets  # helper only, not a config key
