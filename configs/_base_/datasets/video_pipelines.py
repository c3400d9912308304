# Video pipelines for T frames sampled uniformly over each video, at 224 px,
# for T in 8, 16 and 32, and the dataloader overrides that switch a config
# to another T. Every data config takes its pipelines from here.
#
# video_pipelines['<T>f'] = dict(
#   train:        RandomResizedCrop + horizontal flip,
#   train_noflip: the same without the flip (SSv2: a flip swaps "left" and
#                 "right" in the class names),
#   val:          1 clip, centre crop (single view; also the zero-shot sets),
#   test:         2 clips x 3 crops, fused by cls_head.average_clips)
# Unreadable training videos are logged, replaced and counted
# (SkippedVideoHook); at evaluation they fail with the file named.
#
# A config that runs at T frames (the ViFi-CLIP recipes: 16 or 32) sets
#   (train_dataloader, val_dataloader, test_dataloader, train_pipeline,
#    train_pipeline_noflip, val_pipeline, test_pipeline) = \
#       _base_.video_frames['32f']
# and model.backbone.num_frames to the same T.


def _pipelines(frames):

    def decode(skip=False, **sample):
        errors = dict(on_error='skip') if skip else {}  # default: 'raise'
        return [
            dict(type='CheckedDecordInit', io_backend='disk', **errors),
            dict(type='UniformSample', clip_len=frames, **sample),
            dict(type='CheckedDecordDecode', **errors)
        ]

    pack = [dict(type='FormatShape', input_format='NCHW'),
            dict(type='PackActionInputs')]
    train = decode(skip=True, num_clips=1) + [
        dict(type='Resize', scale=(-1, 256)),
        dict(type='RandomResizedCrop'),
        dict(type='Resize', scale=(224, 224), keep_ratio=False)
    ]
    return dict(
        train=train + [dict(type='Flip', flip_ratio=0.5)] + pack,
        train_noflip=train + pack,
        val=decode(num_clips=1, test_mode=True) + [
            dict(type='Resize', scale=(-1, 224)),
            dict(type='CenterCrop', crop_size=224)
        ] + pack,
        test=decode(num_clips=2, test_mode=True) + [
            dict(type='Resize', scale=(-1, 224)),
            dict(type='ThreeCrop', crop_size=224)
        ] + pack)


def _frames(p):
    return [
        dict(dataset=dict(pipeline=p['train'])),
        dict(dataset=dict(pipeline=p['val'])),
        dict(dataset=dict(pipeline=p['test'])),
        p['train'], p['train_noflip'], p['val'], p['test']
    ]


video_pipelines = {f'{t}f': _pipelines(t) for t in (8, 16, 32)}
video_frames = {key: _frames(p) for key, p in video_pipelines.items()}
