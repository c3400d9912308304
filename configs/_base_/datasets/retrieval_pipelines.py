# Video-text retrieval pipelines, after MMAction2's CLIP4Clip configs:
# frames sampled uniformly over the whole video (UniformSample), short side
# resized to 224 and a centre crop, the same in training and testing (no
# flip: a caption may say "left" or "right"). Captions travel as metainfo
# `text` (tokenized by the model, which puts the learned context first) and
# the video's index as `video_id`. Variants: `<name>` 8 frames at 224 px,
# `<name>_12f` 12 frames, `<name>_world` the synthetic world (48 px).
retrieval_meta_keys = ('img_shape', 'video_id', 'text')


def _pipelines(num_frames, resize, crop):
    def pipeline(test_mode):
        return [
            dict(type='CheckedDecordInit'),
            dict(type='UniformSample', clip_len=num_frames, num_clips=1,
                 test_mode=test_mode),
            dict(type='CheckedDecordDecode'),
            resize,
            *([dict(type='CenterCrop', crop_size=crop)] if crop else []),
            dict(type='FormatShape', input_format='NCHW'),
            dict(type='PackActionInputs', meta_keys=retrieval_meta_keys)
        ]

    return pipeline(False), pipeline(True)


train_pipeline, test_pipeline = _pipelines(
    8, dict(type='Resize', scale=(-1, 224)), 224)
train_pipeline_12f, test_pipeline_12f = _pipelines(
    12, dict(type='Resize', scale=(-1, 224)), 224)
train_pipeline_world, test_pipeline_world = _pipelines(
    8, dict(type='Resize', scale=(48, 48), keep_ratio=False), None)
