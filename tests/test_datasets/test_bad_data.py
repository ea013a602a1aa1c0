"""Bad images and bad annotations: stop naming the file (default), or skip
an unreadable image with a warning and a count (``bad_image_policy='skip'``);
an annotation that cannot describe a face is refused when the data set loads,
naming the file and the annotation id."""
import copy
import glob
import json
import os.path as osp
import re
import shutil
import uuid

import numpy as np
import pytest
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmpose_face.apis import prepare_train_config
from mmpose_face.apis.cli import run_tool
from mmpose_face.datasets import WFLWDataset
from mmpose_face.datasets.transforms.loading import ImageLoadError
from mmpose_face.datasets.wflw_dataset import WFLWAnnotationError
from mmpose_face.registry import HOOKS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATA = osp.join(REPO, 'tests', 'data')
SMALL_CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_res18_tiny_wflw-32x32.py')
GOOD_IMAGE = '36_Football_americanfootball_ball_36_415.jpg'  # faces 0-1 (ids 2, 3)
BAD_IMAGE = '7_Cheering_Cheering_7_16.jpg'  # faces 2-3, broken by the fixtures below


def read_annotations() -> dict:
    with open(osp.join(DATA, 'test_wflw.json')) as f:
        return json.load(f)


def write_annotations(path, coco: dict) -> str:
    with open(path, 'w') as f:
        json.dump(coco, f)  # NaN is written as the token NaN, which json (and the loader) read back
    return str(path)


def faces_with_broken_image(folder, how: str) -> str:
    """tests/data copied into ``folder`` with BAD_IMAGE truncated, replaced by garbage or missing."""
    shutil.copy(osp.join(DATA, GOOD_IMAGE), folder)
    with open(osp.join(DATA, BAD_IMAGE), 'rb') as f:
        jpeg = f.read()
    if how != 'missing':
        with open(osp.join(folder, BAD_IMAGE), 'wb') as f:
            f.write(jpeg[:len(jpeg) // 2] if how == 'truncated' else b'this is not a JPEG' * 50)
    return write_annotations(osp.join(folder, 'faces.json'), read_annotations())


def dataset(ann_file, **kwargs) -> WFLWDataset:
    init_default_scope('mmpose_face')
    return WFLWDataset(ann_file=ann_file, data_root=osp.dirname(ann_file), data_prefix=dict(img=''),
                       pipeline=[dict(type='LoadImage')], **kwargs)


@pytest.mark.parametrize('how', ['truncated', 'garbage', 'missing'])
def test_an_unreadable_image_stops_with_its_name_by_default(tmp_path, how):
    faces = dataset(faces_with_broken_image(tmp_path, how))
    assert faces[0]['img'].shape == (661, 1024, 3)
    with pytest.raises(ImageLoadError, match=re.escape(osp.join(str(tmp_path), BAD_IMAGE))):
        faces[2]


def test_skip_never_applies_to_evaluation(tmp_path):
    faces = dataset(faces_with_broken_image(tmp_path, 'garbage'), bad_image_policy='skip', test_mode=True)
    with pytest.raises(ImageLoadError, match=BAD_IMAGE):
        faces[2]


def test_training_stops_at_a_corrupt_image_naming_it(tmp_path, monkeypatch, capsys, one_thread):
    import importlib.util
    ann_file = faces_with_broken_image(tmp_path, 'truncated')
    spec = importlib.util.spec_from_file_location('train_tool', osp.join(REPO, 'tools', 'train.py'))
    train_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train_tool)
    monkeypatch.setattr('sys.argv', [
        'train.py', SMALL_CONFIG, '--work-dir', str(tmp_path / 'work'), '--no-validate', '--cfg-options',
        f'train_dataloader.dataset.data_root={tmp_path}', f'train_dataloader.dataset.ann_file={ann_file}',
        'train_cfg.max_epochs=1', f'experiment_name=corrupt-{uuid.uuid4().hex}'])
    assert run_tool(train_tool.main, train_tool.parse_args()) == 1
    error = capsys.readouterr().err
    assert f'error: {osp.join(str(tmp_path), BAD_IMAGE)}: not a decodable image' in error
    assert not glob.glob(str(tmp_path / 'work' / '*.pth'))


@HOOKS.register_module(force=True)
class RecordTrainedImagesHook(Hook):
    """Collect the image path of every face that reached a training step."""

    trained_on = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        RecordTrainedImagesHook.trained_on += [sample.img_path for sample in data_batch['data_samples']]


def test_skip_trains_on_and_counts_every_skipped_face_in_the_log(tmp_path, one_thread):
    ann_file = faces_with_broken_image(tmp_path, 'garbage')
    cfg = prepare_train_config(SMALL_CONFIG, str(tmp_path / 'work'), no_validate=True, cfg_options={
        'train_dataloader.dataset.data_root': str(tmp_path),
        'train_dataloader.dataset.ann_file': ann_file,
        'train_dataloader.dataset.bad_image_policy': 'skip',
        'train_cfg.max_epochs': 2,
        'default_hooks.checkpoint': None,
        'experiment_name': f'skip-{uuid.uuid4().hex}'})
    cfg.custom_hooks.append(dict(type='RecordTrainedImagesHook'))
    RecordTrainedImagesHook.trained_on = []
    Runner.from_cfg(cfg).train()

    # 2 epochs x 4 faces trained, every one from the readable image
    trained_on = RecordTrainedImagesHook.trained_on
    assert len(trained_on) == 8 and set(map(osp.basename, trained_on)) == {GOOD_IMAGE}
    (log_file, ) = glob.glob(str(tmp_path / 'work' / '*' / '*.log'))
    with open(log_file) as f:
        warnings = [line for line in f if 'skipped a face' in line]
    # the sampler drew each of the 2 bad faces once per epoch; a redraw may hit one again
    counts = [int(re.search(r'\((\d+) skipped so far', line).group(1)) for line in warnings]
    assert len(counts) >= 4 and counts == list(range(1, len(counts) + 1))
    assert all('WARNING' in line and osp.join(str(tmp_path), BAD_IMAGE) in line and 'bad_image_policy=skip' in line
               for line in warnings)


def face_with(tmp_path, change) -> str:
    coco = read_annotations()
    annotation = copy.deepcopy(coco['annotations'][1])
    change(annotation)
    coco['annotations'][1] = annotation
    return write_annotations(tmp_path / 'changed.json', coco)


def set_keypoint(index, value):
    def change(annotation):
        annotation['keypoints'][index] = value
    return change


@pytest.mark.parametrize('change,reason', [
    (lambda ann: ann.update(keypoints=ann['keypoints'][:-3]), '97 keypoints, expected 98'),
    (lambda ann: ann.update(keypoints=ann['keypoints'] + [1., 2., 1.]), '99 keypoints, expected 98'),
    (set_keypoint(30, float('nan')), 'keypoint coordinates are not finite'),
    (set_keypoint(31, None), 'keypoint coordinates are not finite'),
    (set_keypoint(0, float('inf')), 'keypoint coordinates are not finite'),
    (set_keypoint(3, 1e39), 'keypoint coordinates are not finite'),  # inf once stored as float32
    (lambda ann: ann.update(scale=0), 'box scale must be positive'),
    (lambda ann: ann.update(scale=-1.5), 'box scale must be positive'),
    (lambda ann: ann.update(scale=float('nan')), 'box scale must be positive'),
    (lambda ann: ann.pop('scale'), 'box scale must be positive'),
], ids=['97-keypoints', '99-keypoints', 'nan-x', 'null-y', 'inf-x', 'beyond-float32', 'scale-0',
        'scale-negative', 'scale-nan', 'scale-missing'])
def test_an_invalid_annotation_is_refused_naming_file_and_id(tmp_path, change, reason):
    ann_file = face_with(tmp_path, change)
    annotation_id = read_annotations()['annotations'][1]['id']
    with pytest.raises(WFLWAnnotationError, match=re.escape(f'{ann_file}: annotation id {annotation_id}: ')
                       + re.escape(reason)):
        dataset(ann_file)


def test_the_valid_annotations_load(tmp_path):
    faces = dataset(write_annotations(tmp_path / 'same.json', read_annotations()))
    assert len(faces) == 4
    keypoints = faces.get_data_info(1)['keypoints']
    assert keypoints.shape == (1, 98, 2) and np.isfinite(keypoints).all()
