"""Model names the inferencer understands: each maps to a config and its weights.

The released WFLW models are mmpose's DeepPose ResNet-50 checkpoints (the
model zoo in README.md); their names are mmpose 1.x's model-zoo names
(``model-index.yml``, including its spelling ``8x64e`` for the SmoothL1
model), the config names, and short aliases. ``demo`` is the quick-start
model that ``make demo`` trains on synthetic faces (offline, not for photos).
"""
from dataclasses import dataclass, field

from mmpose_face.installation import CHECKOUT_DIR, find_config

# A local ``weights`` path (the demo's) is looked up as given, then in the
# clone the package was imported from (a checkout; with a wheel, the folder
# above site-packages' mmpose_face, where no such file is).
REPOSITORY_ROOT = CHECKOUT_DIR
_WFLW_CONFIGS = 'mmpose_face::face_2d_keypoint/topdown_regression/wflw/'


@dataclass(frozen=True)
class ModelEntry:
    """One named model.

    Attributes:
        config: ``mmpose_face::`` name of a shipped config (:func:`~mmpose_face.installation.find_config`).
        weights: released checkpoint URL (its name carries the SHA-256 prefix),
            or a local path relative to the repository root.
        trained_on: the training data set.
        synthetic: whether that data set is synthetic (not for photographs).
        nme: published NME (%) on the WFLW test set, mmpose 1.x model zoo.
        aliases: other names for it.
    """
    config: str
    weights: str
    trained_on: str = 'WFLW'
    synthetic: bool = False
    nme: float = None
    aliases: tuple = field(default_factory=tuple)

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
DEMO_MODEL = ModelEntry(_WFLW_CONFIGS + 'td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py',
                        'work_dirs/demo/epoch_12.pth', trained_on='synthetic WFLW (make demo)', synthetic=True,
                        aliases=('demo', 'synthetic-wflw-demo'))
MODELS = RELEASED_WFLW_MODELS + (DEMO_MODEL,)


def model_names() -> list:
    return [name for entry in MODELS for name in entry.aliases]


def find_model(name: str):
    """The :class:`ModelEntry` for an alias (case-insensitive), or ``None``."""
    for entry in MODELS:
        if name.lower() in (alias.lower() for alias in entry.aliases):
            return entry
    return None
