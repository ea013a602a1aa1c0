"""The model table: mmpose's model-zoo names, config names and short aliases find the released WFLW
models (case-insensitive), each naming a shipped config and a hash-named checkpoint URL."""
import os.path as osp
import re

import pytest

from mmpose_face.apis.model_aliases import DEMO_MODEL, MODELS, RELEASED_WFLW_MODELS, find_model, model_names


@pytest.mark.parametrize('name, nme', [('wflw', 4.44), ('DeepPose-SoftWing-WFLW', 4.44),
                                       ('td-reg_res50_wingloss_8xb64-210e_wflw-256x256', 4.67),
                                       ('td-reg_res50_8x64e-210e_wflw-256x256', 4.88)])
def test_each_name_finds_its_model(name, nme):
    assert find_model(name).nme == nme


def test_an_unknown_name_finds_nothing():
    assert find_model('resnet-50-coco') is None


def test_names_are_unique_and_every_config_ships():
    names = [name.lower() for name in model_names()]
    assert len(names) == len(set(names)) and 'demo' in names
    for entry in MODELS:
        assert entry.config.startswith('mmpose_face::') and osp.isfile(entry.config_path())


def test_released_weights_are_hash_named_urls_and_the_demo_is_a_local_synthetic_model():
    for entry in RELEASED_WFLW_MODELS:
        assert re.search(r'^https://download\.openmmlab\.com/.*-[0-9a-f]{8}_\d{8}\.pth$', entry.weights)
        assert not entry.synthetic and entry.trained_on == 'WFLW'
    assert DEMO_MODEL.synthetic and not DEMO_MODEL.weights.startswith('http')
