"""to_fast_path_config: the published config on the fast path differs only in loader, loop, precision
and batch."""
import os.path as osp

from mmengine.config import Config

from mmpose_face.fast_path import to_fast_path_config

from fast_path_samples import PUBLISHED_CONFIG, REPO

FAST_CONFIG = osp.join(REPO, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                       'td-reg_res50_fastpath-210e_wflw-256x256.py')


def test_fast_path_config_differs_from_the_published_one_only_in_loader_loop_precision_and_batch():
    published = Config.fromfile(PUBLISHED_CONFIG)
    fast = Config.fromfile(FAST_CONFIG)
    # the loader wraps the published training set, pipeline included: the augmentation is configured once
    assert fast.train_dataloader.dataset.type == 'CachedFaceDataset'
    assert fast.train_dataloader.dataset.dataset == published.train_dataloader.dataset
    assert 'fast_augment' not in fast
    # the model: the same but for the preprocessor's type and the per-step loss check the loop replaces
    fast_model, published_model = fast.model.to_dict(), published.model.to_dict()
    assert fast_model.pop('train_cfg') == dict(check_finite_loss_every_step=False)
    assert fast_model.pop('data_preprocessor') == dict(published_model.pop('data_preprocessor'),
                                                        type='FastPoseDataPreprocessor')
    assert fast_model == published_model
    # one GPU x 512 = the published 8 x 64, so the learning rate is the published one
    assert fast.train_dataloader.batch_size == 8 * published.train_dataloader.batch_size
    assert fast.auto_scale_lr.base_batch_size == 512
    assert fast.optim_wrapper.optimizer == published.optim_wrapper.optimizer
    assert fast.optim_wrapper.type == 'AutocastOptimWrapper'
    assert fast.param_scheduler == published.param_scheduler
    assert fast.train_cfg.type == 'FastEpochBasedTrainLoop' and fast.train_cfg.max_epochs == 210
    assert fast.val_dataloader.dataset == published.val_dataloader.dataset
    assert fast.val_evaluator == published.val_evaluator
    # to_fast_path_config makes the same changes to any config
    generated = to_fast_path_config(published, batch_size=512)
    assert generated.model == fast.model and generated.train_cfg == fast.train_cfg
    for key in ('dataset', 'sampler', 'batch_sampler', 'collate_fn', 'batch_size'):
        assert generated.train_dataloader[key] == fast.train_dataloader[key], key
