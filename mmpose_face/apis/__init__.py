from mmpose_face import installation  # noqa: F401  (refuses a clone taken for the package)
from .inference import inference_topdown, init_model, prepare_face_crops
from .runner_config import build_runner, prepare_test_config, prepare_train_config

__all__ = ['build_runner', 'inference_topdown', 'init_model', 'prepare_face_crops', 'prepare_test_config', 'prepare_train_config']
