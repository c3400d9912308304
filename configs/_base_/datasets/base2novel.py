# Base-to-novel cells of the ViFi-CLIP protocol (DESIGN 3), one per dataset
# and published seed: train on the 16-shot base-class list
# fs_base_s<seed>_train.txt with the base class names; validate and test
# base_val.txt against the base names and novel_val.txt against the novel
# names, logging base/acc/top1, novel/acc/top1 and their harmonic mean b2n/hm
# (checkpoint selection: save_best='b2n/hm').
#
# A cell is the data of one method-independent experiment; a config puts it
# on top of a method's recipe (model, schedule, frames) with
#   (model, train_dataloader, val_dataloader, test_dataloader, val_cfg,
#    test_cfg, default_hooks, randomness) = _base_.b2n_cells['ucf101_s1']
# The evaluation dataloaders are templates: each set of the loops puts in
# its own ann_file. SSv2 configs also set the no-flip train pipeline.
_protocol = 'data/vifi_protocol'


def _cell(videos, splits, labels, seed):
    split_dir = f'{_protocol}/datasets_splits/base2novel_splits/{splits}'
    base = f'{_protocol}/labels/{labels}_base_labels.csv'
    sets = [
        dict(prefix='base', ann_file=f'{split_dir}/base_val.txt',
             class_names=base),
        dict(prefix='novel', ann_file=f'{split_dir}/novel_val.txt',
             class_names=f'{_protocol}/labels/{labels}_novel_labels.csv')
    ]
    hm = dict(base='base', novel='novel', name='b2n/hm')
    video = dict(dataset=dict(data_prefix=dict(video=videos)))
    return [
        dict(cls_head=dict(class_names=base)),
        dict(dataset=dict(ann_file=f'{split_dir}/fs_base_s{seed}_train.txt',
                          data_prefix=dict(video=videos))),
        video, video,
        dict(type='MultiSetValLoop', sets=sets, harmonic_mean=hm),
        dict(type='MultiSetTestLoop', sets=sets, harmonic_mean=hm),
        dict(checkpoint=dict(save_best='b2n/hm', rule='greater')),
        dict(seed=seed)
    ]


b2n_cells = {
    f'{name}_s{seed}': _cell(videos, splits, labels, seed)
    for name, videos, splits, labels in (
        ('k400', 'data/kinetics400/videos', 'k400_splits', 'kinetics_400'),
        ('hmdb51', 'data/hmdb51/videos', 'hmdb_splits', 'hmdb_51'),
        ('ucf101', 'data/ucf101/videos', 'ucf_splits', 'ucf_101'),
        ('ssv2', 'data/sthv2/videos', 'ssv2_splits', 'ssv2_174'))
    for seed in (1, 2, 3)
}
del _protocol
