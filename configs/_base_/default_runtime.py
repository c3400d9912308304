# Runtime shared by every mmvlprompt config: MMAction2's defaults plus the
# plugin import. Checkpoints are saved every epoch and the best one by top-1.
_base_ = ['mmaction::_base_/default_runtime.py']

custom_imports = dict(imports=['mmvlprompt'], allow_failed_imports=False)

default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='auto',
                    max_keep_ckpts=3),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False))

# Robustness (docs/en/user_guides/robustness.md): count unreadable
# training videos and stop above 1 %; check every loader's labels against
# the model's class set;
# reseed at each epoch start so that a resumed run matches an uninterrupted
# one; stop at the first NaN/inf loss or gradient (the step is not applied)
# and never save non-finite weights (`skip_nonfinite=N` skips up to N bad
# steps).
custom_hooks = [
    dict(type='SkippedVideoHook', max_fraction=0.01),
    dict(type='LabelRangeHook'),
    dict(type='EpochSeedHook'),
    dict(type='NonFiniteCheckHook', skip_nonfinite=0),
]
