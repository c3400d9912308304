# Few-shot cells of the ViFi-CLIP protocol (DESIGN 3), one per dataset and
# K: train on the published split-1 list train1_few_shot_<K>.txt (K clips of
# every class, all classes), validate and test on the split-1 test list,
# top-1.
#
# A config puts a cell on top of a method's recipe with
#   (model, train_dataloader, val_dataloader,
#    test_dataloader) = _base_.fs_cells['ucf101_k16']
# SSv2 configs also set the no-flip train pipeline.
_protocol = 'data/vifi_protocol'


def _cell(videos, splits, labels, test_list, shots):
    split_dir = f'{_protocol}/datasets_splits/{splits}'
    test = dict(dataset=dict(ann_file=f'{split_dir}/{test_list}',
                             data_prefix=dict(video=videos)))
    return [
        dict(cls_head=dict(class_names=f'{_protocol}/labels/{labels}')),
        dict(dataset=dict(ann_file=f'{split_dir}/train1_few_shot_{shots}.txt',
                          data_prefix=dict(video=videos))),
        test, test
    ]


fs_cells = {
    f'{name}_k{shots}': _cell(videos, splits, labels, test_list, shots)
    for name, videos, splits, labels, test_list in (
        ('hmdb51', 'data/hmdb51/videos', 'hmdb_splits', 'hmdb_51_labels.csv',
         'val1.txt'),
        ('ucf101', 'data/ucf101/videos', 'ucf_splits', 'ucf_101_labels.csv',
         'val1.txt'),
        ('ssv2', 'data/sthv2/videos', 'ssv2_splits', 'ssv2_labels.csv',
         'validation.txt'))
    for shots in (2, 4, 8, 16)
}
del _protocol
