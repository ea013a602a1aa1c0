"""Model names the inferencer understands: each maps to a config and its weights.

The released WFLW models are mmpose's DeepPose ResNet-50 checkpoints (the
model zoo in README.md); their names are mmpose 1.x's model-zoo names
(``model-index.yml``, including its spelling ``8x64e`` for the SmoothL1
model), the config names, and short aliases. The RTMPose models are mmpose
1.3.2's, as its metafiles (``configs/face_2d_keypoint/rtmpose/*/*.yml``) name
them: config, checkpoint URL (its name carries the hash prefix the one
downloader checks), published NME; ``face`` is mmpose's inferencer alias
(RTMPose-m on Face6, 106 points). ``demo`` is the quick-start model that
``make demo`` trains on synthetic faces (offline, not for photos).
"""
from dataclasses import dataclass, field

from mmpose_face.installation import CHECKOUT_DIR, find_config

# A local ``weights`` path (the demo's) is looked up as given, then in the
# clone the package was imported from (a checkout; with a wheel, the folder
# above site-packages' mmpose_face, where no such file is).
REPOSITORY_ROOT = CHECKOUT_DIR
_WFLW_CONFIGS = 'mmpose_face::face_2d_keypoint/topdown_regression/wflw/'
_RTMPOSE_CONFIGS = 'mmpose_face::face_2d_keypoint/rtmpose/'
_RTMPOSE_WEIGHTS = 'https://download.openmmlab.com/mmpose/v1/projects/rtmposev1/'


@dataclass(frozen=True)
class ModelEntry:
    """One named model.

    Attributes:
        config: ``mmpose_face::`` name of a shipped config (:func:`~mmpose_face.installation.find_config`).
        weights: released checkpoint URL (its name carries the SHA-256 prefix),
            or a local path relative to the repository root.
        trained_on: the training data set.
        synthetic: whether that data set is synthetic (not for photographs).
        nme: published NME on ``tested_on``'s test set, mmpose 1.x model zoo (its metafile's figure
            and unit: %, except COCO-WholeBody-Face's fraction 0.0466).
        aliases: other names for it.
        tested_on: the data set of ``nme``.
    """
    config: str
    weights: str
    trained_on: str = 'WFLW'
    synthetic: bool = False
    nme: float = None
    aliases: tuple = field(default_factory=tuple)
    tested_on: str = 'WFLW'

    def config_path(self) -> str:
        """The config file, in the checkout or in the installed package."""
        return find_config(self.config)


RELEASED_WFLW_MODELS = (
    ModelEntry(_WFLW_CONFIGS + 'td-reg_res50_softwingloss_8xb64-210e_wflw-256x256.py',
               'https://download.openmmlab.com/mmpose/face/deeppose/'
               'deeppose_res50_wflw_256x256_softwingloss-4d34f22a_20211212.pth',
               nme=4.44, aliases=('wflw', 'deeppose-softwing-wflw', 'deeppose-softwingloss-wflw',
                                  'td-reg_res50_softwingloss_8xb64-210e_wflw-256x256')),
    ModelEntry(_WFLW_CONFIGS + 'td-reg_res50_wingloss_8xb64-210e_wflw-256x256.py',
               'https://download.openmmlab.com/mmpose/face/deeppose/'
               'deeppose_res50_wflw_256x256_wingloss-f82a5e53_20210303.pth',
               nme=4.67, aliases=('deeppose-wing-wflw', 'deeppose-wingloss-wflw',
                                  'td-reg_res50_wingloss_8xb64-210e_wflw-256x256')),
    ModelEntry(_WFLW_CONFIGS + 'td-reg_res50_8xb64-210e_wflw-256x256.py',
               'https://download.openmmlab.com/mmpose/face/deeppose/'
               'deeppose_res50_wflw_256x256-92d0ba7f_20210303.pth',
               nme=4.88, aliases=('deeppose-wflw', 'deeppose-smoothl1-wflw',
                                  'td-reg_res50_8x64e-210e_wflw-256x256', 'td-reg_res50_8xb64-210e_wflw-256x256')),
)
FACE6 = 'Face6 (COCO-WholeBody-Face, WFLW, 300W, COFW, Halpe, LaPa)'
RELEASED_RTMPOSE_MODELS = (
    ModelEntry(_RTMPOSE_CONFIGS + 'wflw/rtmpose-m_8xb64-60e_wflw-256x256.py',
               _RTMPOSE_WEIGHTS + 'rtmpose-m_simcc-wflw_pt-aic-coco_60e-256x256-dc1dcdcf_20230228.pth',
               nme=4.01, aliases=('rtmpose-wflw', 'rtmpose-m_8xb64-60e_wflw-256x256')),
    ModelEntry(_RTMPOSE_CONFIGS + 'face6/rtmpose-m_8xb256-120e_face6-256x256.py',
               _RTMPOSE_WEIGHTS + 'rtmpose-m_simcc-face6_pt-in1k_120e-256x256-72a37400_20230529.pth',
               trained_on=FACE6, tested_on='Face6', nme=1.44,
               aliases=('face', 'rtmpose-face6-m', 'rtmpose-m_8xb256-120e_face6-256x256')),
    ModelEntry(_RTMPOSE_CONFIGS + 'face6/rtmpose-s_8xb256-120e_face6-256x256.py',
               _RTMPOSE_WEIGHTS + 'rtmpose-s_simcc-face6_pt-in1k_120e-256x256-d779fdef_20230529.pth',
               trained_on=FACE6, tested_on='Face6', nme=1.59,
               aliases=('rtmpose-face6-s', 'rtmpose-s_8xb256-120e_face6-256x256')),
    ModelEntry(_RTMPOSE_CONFIGS + 'face6/rtmpose-t_8xb256-120e_face6-256x256.py',
               _RTMPOSE_WEIGHTS + 'rtmpose-t_simcc-face6_pt-in1k_120e-256x256-df79d9a5_20230529.pth',
               trained_on=FACE6, tested_on='Face6', nme=1.67,
               aliases=('rtmpose-face6-t', 'rtmpose-t_8xb256-120e_face6-256x256')),
    # mmpose's LaPa metafile lists its result under "Dataset: WFLW"; the model is trained and tested on LaPa
    ModelEntry(_RTMPOSE_CONFIGS + 'lapa/rtmpose-m_8xb64-120e_lapa-256x256.py',
               _RTMPOSE_WEIGHTS + 'rtmpose-m_simcc-lapa_pt-aic-coco_120e-256x256-762b1ae2_20230422.pth',
               trained_on='LaPa', tested_on='LaPa', nme=1.29,
               aliases=('rtmpose-lapa', 'rtmpose-m_8xb64-120e_lapa-256x256')),
    ModelEntry(_RTMPOSE_CONFIGS + 'coco_wholebody_face/rtmpose-m_8xb32-60e_coco-wholebody-face-256x256.py',
               _RTMPOSE_WEIGHTS + 'rtmpose-m_simcc-coco-wholebody-face_pt-aic-coco_60e-256x256-62026ef2_20230228.pth',
               trained_on='COCO-WholeBody-Face', tested_on='COCO-WholeBody-Face', nme=0.0466,
               aliases=('rtmpose-coco-wholebody-face', 'rtmpose-m_8xb32-60e_coco-wholebody-face-256x256')),
)
DEMO_MODEL = ModelEntry(_WFLW_CONFIGS + 'td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py',
                        'work_dirs/demo/epoch_12.pth', trained_on='synthetic WFLW (make demo)', synthetic=True,
                        aliases=('demo', 'synthetic-wflw-demo'))
MODELS = RELEASED_WFLW_MODELS + RELEASED_RTMPOSE_MODELS + (DEMO_MODEL,)


def model_names() -> list:
    return [name for entry in MODELS for name in entry.aliases]


def find_model(name: str):
    """The :class:`ModelEntry` for an alias (case-insensitive), or ``None``."""
    for entry in MODELS:
        if name.lower() in (alias.lower() for alias in entry.aliases):
            return entry
    return None
