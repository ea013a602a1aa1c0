"""The inferencer's model table: mmpose's model-zoo names, config names and short aliases find the
released models (case-insensitive), each naming a shipped config and a hash-named checkpoint URL; the
RTMPose entries as mmpose 1.3.2's metafiles name them; offline, one clear error."""
import glob
import os.path as osp
import re
import urllib.error
import urllib.request

import pytest
import yaml

from mmpose_face.apis.inferencer import resolve_model
from mmpose_face.apis.model_aliases import (DEMO_MODEL, MODELS, RELEASED_RTMPOSE_MODELS, RELEASED_WFLW_MODELS,
                                            find_model, model_names)
from mmpose_face.errors import CheckpointDownloadError

METAFILES = sorted(glob.glob('configs/face_2d_keypoint/rtmpose/*/*.yml'))


def metafile_models():
    """{config path under configs/: (weights URL, NME, data set)} from the shipped metafiles."""
    models = {}
    for path in METAFILES:
        with open(path) as f:
            for model in yaml.safe_load(f)['Models']:
                result, = model['Results']
                models[model['Config'][len('configs/'):]] = (model['Weights'], result['Metrics']['NME'],
                                                             result['Dataset'])
    return models


def test_every_rtmpose_model_of_the_metafiles_is_in_the_table():
    published = metafile_models()
    assert len(METAFILES) == 4 and len(published) == 6
    table = {entry.config[len('mmpose_face::'):]: entry for entry in RELEASED_RTMPOSE_MODELS}
    assert set(table) == set(published)
    for config, (weights, nme, dataset) in published.items():
        entry = table[config]
        assert entry.weights == weights and entry.nme == nme
        assert entry.tested_on == dataset or (config.startswith('face_2d_keypoint/rtmpose/lapa/') and
                                              dataset == 'WFLW' and entry.tested_on == 'LaPa')  # mmpose's typo
        assert entry.config_path().endswith(config)


@pytest.mark.parametrize('alias, config', [
    ('face', 'face6/rtmpose-m_8xb256-120e_face6-256x256.py'),
    ('rtmpose-face6-m', 'face6/rtmpose-m_8xb256-120e_face6-256x256.py'),
    ('rtmpose-face6-s', 'face6/rtmpose-s_8xb256-120e_face6-256x256.py'),
    ('rtmpose-face6-t', 'face6/rtmpose-t_8xb256-120e_face6-256x256.py'),
    ('RTMPose-WFLW', 'wflw/rtmpose-m_8xb64-60e_wflw-256x256.py')])
def test_mmpose_aliases(alias, config):
    assert find_model(alias).config.endswith('/rtmpose/' + config)


def test_names_are_unique():
    names = [name.lower() for name in model_names()]
    assert len(names) == len(set(names)) and len(MODELS) == 3 + 6 + 1


def test_offline_the_one_downloader_names_the_file_and_where_it_goes(monkeypatch, tmp_path):
    def no_network(url, timeout=None):
        raise urllib.error.URLError('no network')
    monkeypatch.setattr(urllib.request, 'urlopen', no_network)
    with pytest.raises(CheckpointDownloadError) as error:
        resolve_model('rtmpose-face6-t', cache_dir=str(tmp_path))
    message = str(error.value)
    assert find_model('rtmpose-face6-t').weights in message
    assert str(tmp_path / 'rtmpose-t_simcc-face6_pt-in1k_120e-256x256-df79d9a5_20230529.pth') in message


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
