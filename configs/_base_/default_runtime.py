default_scope = 'mmpose_face'

# The console shows progress bars with ETA, results and warnings; the config
# dump, the environment and hook tables and the iteration lines go to the log
# file only (tools/train.py / tools/test.py --verbose show them all).
runner_type = 'QuietConsoleRunner'

# hooks
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=10),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='PoseVisualizationHook', enable=False),
    progress_bar=dict(type='ProgressBarHook'),  # a default hook, so that configs' custom_hooks keep it
)
custom_hooks = [
    dict(type='SyncBuffersHook'),
    dict(type='RandomStateCheckpointHook'),
    dict(type='TrainingDataRecordHook'),  # meta['trained_on']: data set name, synthetic or not
]

# multi-processing and distributed training
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

# visualizer
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='PoseLocalVisualizer', vis_backends=vis_backends, name='visualizer')

# logger
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True, num_digits=6)
log_level = 'INFO'
load_from = None
resume = False

# file I/O backend
backend_args = dict(backend='local')

# training/validation/testing progress
train_cfg = dict(by_epoch=True)
val_cfg = dict()
test_cfg = dict()
