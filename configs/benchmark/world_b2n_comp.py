# The compositional extra row: world A split by parity of the colour and
# shape indices (13 base, 12 novel classes), so the novel classes are unseen
# combinations of seen words (the rule of the demo's older world). 16 shots
# per base class, seeds 1-3 (comp_base_k16_s{1,2,3}.txt):
#   python tools/train.py configs/benchmark/world_b2n_comp.py
_base_ = ['./world_b2n_appearance.py']
bench_root = '{{$MMVLP_BENCH_ROOT:data/bench_world}}'

model = dict(
    cls_head=dict(class_names=bench_root + '/classes_comp_base.txt'))
train_dataloader = dict(
    dataset=dict(ann_file=bench_root + '/comp_base_k16_s1.txt'))
test_dataloader = dict(
    dataset=dict(ann_file=bench_root + '/comp_base_test.txt'))
val_dataloader = test_dataloader
test_cfg = dict(sets=[
    dict(prefix='base', ann_file=bench_root + '/comp_base_test.txt',
         class_names=bench_root + '/classes_comp_base.txt'),
    dict(prefix='novel', ann_file=bench_root + '/comp_novel_test.txt',
         class_names=bench_root + '/classes_comp_novel.txt')])
train_cfg = dict(max_epochs=4)  # 26 iterations an epoch
