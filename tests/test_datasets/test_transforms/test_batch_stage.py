"""The batch stages the fast path reads: every stage has an order, an interface and an example, and
each of this package's train steps declares the stage whose interface it has."""
import pytest

from mmpose_face.datasets.transforms import batch_stage
from mmpose_face.registry import TRANSFORMS

# step config -> the stage it declares
STEPS = [(dict(type='LoadImage'), batch_stage.LOAD), (dict(type='GetBBoxCenterScale'), batch_stage.BOX),
         (dict(type='RandomFlip'), batch_stage.FLIP), (dict(type='RandomBBoxTransform'), batch_stage.BOX_JITTER),
         (dict(type='TopdownAffine', input_size=(8, 8)), batch_stage.WARP),
         (dict(type='PhotometricDistortion'), batch_stage.PER_CROP),
         (dict(type='GenerateTarget', encoder=dict(type='RegressionLabel', input_size=(8, 8))), batch_stage.TARGET),
         (dict(type='PackPoseInputs'), batch_stage.PACK)]


def test_stages_are_in_pipeline_order_with_an_interface_and_an_example_each():
    stages = [stage for stage, _, _ in batch_stage.BATCH_STAGES]
    assert stages == ['load', 'box', 'flip', 'box_jitter', 'warp', 'per_crop', 'target', 'pack']
    assert set(batch_stage.STAGE_INTERFACE) == set(stages) == set(batch_stage.STAGE_EXAMPLES)
    optional = {stage for stage, required, _ in batch_stage.BATCH_STAGES if not required}
    repeatable = {stage for stage, _, repeats in batch_stage.BATCH_STAGES if repeats}
    assert optional == {'flip', 'box_jitter', 'per_crop'} and repeatable == {'per_crop'}


@pytest.mark.parametrize('config, stage', STEPS, ids=[config['type'] for config, _ in STEPS])
def test_each_train_step_declares_its_stage_and_has_its_interface(config, stage):
    step = TRANSFORMS.build(config)
    assert step.batch_stage == stage
    for member in batch_stage.STAGE_INTERFACE[stage]:
        assert hasattr(step, member), (config['type'], member)
    assert config['type'] in batch_stage.STAGE_EXAMPLES[stage]
