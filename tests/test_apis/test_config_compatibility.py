"""The tools' check of a config before a run: mmpose's scope or an unknown part
is named at once; every part the shipped configs use, initialisers included, passes."""
import glob

import pytest
from mmengine.config import Config

from mmpose_face.apis.config_compatibility import check_config_compatibility, config_parts
from mmpose_face.errors import ConfigCompatibilityError

DEMO = 'configs/face_2d_keypoint/topdown_regression/wflw/td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py'


@pytest.mark.parametrize('path', sorted(glob.glob('configs/face_2d_keypoint/**/*.py', recursive=True)))
def test_every_shipped_config_passes(path):
    check_config_compatibility(Config.fromfile(path), path)


def test_initialisers_are_looked_up_as_initialisers():
    cfg = Config.fromfile(DEMO)
    assert ('model.backbone.init_cfg.0', 'Kaiming') in [part[:2] for part in config_parts(cfg)]
    cfg.model.backbone.init_cfg = [dict(type='Kaimingg', layer=['Conv2d'])]
    with pytest.raises(ConfigCompatibilityError, match=r"init_cfg.0 type='Kaimingg' is not a part"):
        check_config_compatibility(cfg, DEMO)


def test_mmpose_scope_and_unknown_parts_are_named():
    cfg = Config.fromfile(DEMO)
    cfg.default_scope = 'mmpose'
    with pytest.raises(KeyError, match="default_scope='mmpose'"):
        check_config_compatibility(cfg, DEMO)
    cfg = Config.fromfile(DEMO)
    cfg.model.head.type = 'HeatmapHeadThatDoesNotExist'
    with pytest.raises(ConfigCompatibilityError, match=r"model.head type='HeatmapHeadThatDoesNotExist'"):
        check_config_compatibility(cfg, DEMO)


CSPNEXT = 'tests/configs/td-reg_cspnext-t_tiny_wflw-32x32.py'


def test_the_mmdet_scope_is_looked_up_there_in_both_spellings():
    """RTMPose configs: ``dict(_scope_='mmdet', type='CSPNeXt')`` and ``type='mmdet.CSPNeXt'``."""
    cfg = Config.fromfile(CSPNEXT)
    assert ('model.backbone', 'mmdet.CSPNeXt') in [part[:2] for part in config_parts(cfg)]
    check_config_compatibility(cfg, CSPNEXT)
    del cfg.model.backbone['_scope_']
    cfg.model.backbone.type = 'mmdet.CSPNeXt'
    check_config_compatibility(cfg, CSPNEXT)
    cfg.model.backbone.type = 'CSPNeXt'  # mmpose's scope has no CSPNeXt either: it is mmdet's
    with pytest.raises(ConfigCompatibilityError, match=r"model.backbone type='CSPNeXt' is not a part of mmpose_face "
                                                       r"\(no such model in the 'mmpose_face' scope"):
        check_config_compatibility(cfg, CSPNEXT)
    cfg.model.backbone.update(_scope_='mmdet', type='CSPNeXtt')
    with pytest.raises(ConfigCompatibilityError, match=r"type='mmdet.CSPNeXtt' is not a part of mmpose_face \(no such "
                                                       r"model in the 'mmdet' scope"):
        check_config_compatibility(cfg, CSPNEXT)


def test_a_scope_nobody_provides_is_named():
    cfg = Config.fromfile(CSPNEXT)
    cfg.model.backbone._scope_ = 'mmcls'
    with pytest.raises(ConfigCompatibilityError, match=r"model.backbone type='mmcls.CSPNeXt' names another scope"):
        check_config_compatibility(cfg, CSPNEXT)
