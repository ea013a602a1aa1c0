"""init_model: the config's dataset description wins over one saved in the checkpoint that
describes other keypoints; one that fits is used, as mmpose does."""
import os.path as osp
import warnings

import numpy as np
import pytest
import torch

from mmpose_face.apis import inference_topdown, init_model

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_res18_tiny_wflw-64x64.py')  # flip test on
IMAGE = osp.join(REPO, 'tests', 'data', '7_Cheering_Cheering_7_16.jpg')


@pytest.fixture(scope='module')
def model_and_weights():
    model = init_model(CONFIG)
    return model, model.state_dict()


def save_with_meta(path, state_dict, dataset_meta) -> str:
    torch.save({'state_dict': state_dict, 'meta': {'dataset_meta': dataset_meta}}, path)
    return str(path)


@pytest.mark.parametrize('change', ['68-keypoints', 'other-flip-table'])
def test_a_saved_dataset_meta_that_disagrees_is_said_once_and_the_config_wins(model_and_weights, tmp_path, change):
    model, weights = model_and_weights
    config_meta = model.dataset_meta
    if change == '68-keypoints':
        saved = dict(num_keypoints=68, flip_indices=list(range(68)))
    else:
        flip = list(config_meta['flip_indices'])
        flip[0], flip[1] = flip[1], flip[0]
        saved = dict(num_keypoints=config_meta['num_keypoints'], flip_indices=flip)
    path = save_with_meta(tmp_path / 'saved_meta.pth', weights, saved)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        loaded = init_model(CONFIG, path)
    said = [str(w.message) for w in caught if 'dataset_meta' in str(w.message)]
    assert len(said) == 1 and said[0].startswith(f'{path}: the dataset_meta saved in the checkpoint differs from '
                                                 "the config's") and "using the config's" in said[0], said
    assert list(loaded.dataset_meta['flip_indices']) == list(config_meta['flip_indices'])
    assert loaded.checkpoint_meta['dataset_meta']['num_keypoints'] == saved['num_keypoints']  # kept, not used
    keypoints = inference_topdown(loaded, IMAGE)[0].pred_instances.keypoints  # the flip test runs
    assert keypoints.shape == (1, config_meta['num_keypoints'], 2) and np.isfinite(keypoints).all()


def test_a_saved_dataset_meta_that_fits_is_used_without_a_word(model_and_weights, tmp_path):
    model, weights = model_and_weights
    path = save_with_meta(tmp_path / 'same_meta.pth', weights, dict(
        num_keypoints=model.dataset_meta['num_keypoints'], flip_indices=np.asarray(model.dataset_meta['flip_indices']),
        sigmas=np.full(98, 0.5, np.float32)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        loaded = init_model(CONFIG, path)
    assert not [w for w in caught if 'dataset_meta' in str(w.message)]
    assert (loaded.dataset_meta['sigmas'] == 0.5).all()  # the checkpoint's, as mmpose's init_model
