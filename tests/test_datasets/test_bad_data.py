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
from mmpose_face.errors import FaceAnnotationError
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


# --------------------------------------------------------------------------- repeated ids, geometry, layouts
def refused(tmp_path, change, **kwargs):
    """The error message of loading the sample file after ``change(coco)``."""
    coco = read_annotations()
    change(coco)
    ann_file = write_annotations(tmp_path / 'changed.json', coco)
    with pytest.raises(FaceAnnotationError) as error:
        dataset(ann_file, **kwargs)
    return ann_file, str(error.value)


def test_a_repeated_annotation_id_is_refused_naming_file_and_id(tmp_path):
    def repeat(coco):
        coco['annotations'][3]['id'] = coco['annotations'][2]['id']  # 40 twice
    ann_file, message = refused(tmp_path, repeat)
    assert message.startswith(f'{ann_file}: annotation id 40: the id is repeated')


def test_a_repeated_image_id_is_refused(tmp_path):
    def repeat(coco):
        coco['images'][1]['id'] = coco['images'][0]['id']
    ann_file, message = refused(tmp_path, repeat)
    assert message.startswith(f'{ann_file}: image id 2 is repeated') and BAD_IMAGE in message


def move_keypoint(k, x, y):
    def change(coco):
        coco['annotations'][1]['keypoints'][3 * k:3 * k + 2] = [x, y]
    return change


@pytest.mark.parametrize('change,reason', [
    (move_keypoint(5, 3 * 1024 + 1, 500.), 'keypoint 5 at (3073.0, 500.0) is farther from the 1024 x 1024 image'),
    (move_keypoint(7, 400., -1100.), 'keypoint 7 at (400.0, -1100.0) is farther from the 1024 x 1024 image'),
    (lambda coco: coco['annotations'][1].update(center=[-2000., 300.]), 'centre at (-2000.0, 300.0) is farther'),
    (lambda coco: coco['annotations'][1].update(scale=0.004), 'box scale 0.004 is under one pixel'),
    (lambda coco: coco['annotations'][1]['keypoints'].__setitem__(3 * 9 + 2, 3), 'keypoint 9 has visibility 3'),
    (lambda coco: coco['annotations'][1]['keypoints'].__setitem__(2, -1), 'keypoint 0 has visibility -1'),
], ids=['keypoint-right', 'keypoint-above', 'centre-left', 'scale-under-a-pixel', 'visibility-3',
        'visibility-negative'])
def test_implausible_geometry_is_refused_unless_the_user_opts_out(tmp_path, change, reason):
    ann_file, message = refused(tmp_path, change)
    assert message.startswith(f'{ann_file}: annotation id 12: {reason}'), message
    assert 'check_geometry=False' in message
    faces = dataset(ann_file, check_geometry=False)
    assert len(faces) == 4


def test_attributes_as_a_list_of_the_six_flags_in_release_order(tmp_path):
    flags = [1, 0, 0, 1, 0, 1]  # pose, expression, illumination, make-up, occlusion, blur
    coco = read_annotations()
    for ann in coco['annotations']:
        ann['attributes'] = flags
    faces = dataset(write_annotations(tmp_path / 'list.json', coco))
    assert faces.get_data_info(0)['attributes'] == dict(pose=1, expression=0, illumination=0, makeup=1,
                                                        occlusion=0, blur=1)


@pytest.mark.parametrize('attributes,reason', [
    ([1, 0, 1], "'attributes' is a list of 3 values; a list must hold the 6 flags in the release order"),
    ({'pose': 1, 'expression': 0}, "'attributes' has no 'illumination' flag"),
    (dict(pose=2, expression=0, illumination=0, makeup=0, occlusion=0, blur=0), "attribute 'pose' must be 0 or 1"),
    ('pose', "'attributes' must be a dict of the flags"),
])
def test_attributes_in_another_layout_are_refused_naming_file_and_id(tmp_path, attributes, reason):
    ann_file, message = refused(tmp_path, lambda coco: coco['annotations'][2].update(attributes=attributes))
    assert message.startswith(f'{ann_file}: annotation id 40: {reason}'), message


# --------------------------------------------------------------------------- one error line from tools/test.py
@pytest.fixture(scope='module')
def small_checkpoint(tmp_path_factory) -> str:
    """Random weights of the small config, as a checkpoint file."""
    import torch
    from mmpose_face.apis import init_model
    path = tmp_path_factory.mktemp('weights') / 'weights.pth'
    torch.save({'state_dict': init_model(SMALL_CONFIG).state_dict(), 'meta': {}}, path)
    return str(path)


def without_key(key, section='annotations', index=1):
    def change(coco):
        del coco[section][index][key]
    return change


@pytest.mark.parametrize('change,fragment', [
    (lambda coco: coco['annotations'].__setitem__(1, [1, 2, 3]), 'annotations[1] is not a dict (got list: [1, 2, 3])'),
    (lambda coco: coco.update(annotations=[]), "the 'annotations' list is empty: no face to load"),
    (without_key('id'), "annotations[1] has no 'id'"),
    (without_key('image_id'), "annotation id 12: no 'image_id'"),
    (without_key('file_name', 'images'), "image id 12 has no 'file_name'"),
    (without_key('id', 'images', 0), "images[0] has no 'id'"),
    (lambda coco: coco['annotations'][1].update(attributes=dict(pose=1)), "annotation id 12: 'attributes' has no "
                                                                           "'expression' flag"),
    (lambda coco: coco['annotations'][1]['keypoints'].__setitem__(4, 'twelve'),
     "annotation id 12: 'keypoints' is not a list of numbers"),
    (lambda coco: coco['annotations'][1].update(center=['a', 'b']), "annotation id 12: 'center' is not a list"),
], ids=['not-a-dict', 'empty-list', 'no-id', 'no-image-id', 'no-file-name', 'image-without-id',
        'attribute-missing', 'non-numeric-keypoint', 'non-numeric-centre'])
def test_the_test_tool_ends_in_one_error_line_naming_file_and_item(tmp_path, monkeypatch, capsys, small_checkpoint,
                                                                   change, fragment):
    import importlib.util
    coco = read_annotations()
    change(coco)
    ann_file = write_annotations(tmp_path / 'bad.json', coco)
    checkpoint = small_checkpoint
    spec = importlib.util.spec_from_file_location('test_tool', osp.join(REPO, 'tools', 'test.py'))
    test_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test_tool)
    monkeypatch.delenv('MMPOSE_FACE_DEBUG', raising=False)
    monkeypatch.setattr('sys.argv', [
        'test.py', SMALL_CONFIG, checkpoint, '--work-dir', str(tmp_path / 'work'), '--cfg-options',
        f'test_dataloader.dataset.data_root={DATA}', f'test_dataloader.dataset.ann_file={ann_file}',
        f'experiment_name=bad-{uuid.uuid4().hex}'])
    assert run_tool(test_tool.main, test_tool.parse_args()) == 1
    error = capsys.readouterr().err
    lines = [line for line in error.splitlines() if line.startswith('error: ')]
    assert len(lines) == 1 and 'Traceback' not in error, error
    assert f'{ann_file}: ' in lines[0] and fragment in lines[0], lines[0]


def test_skip_applies_to_an_image_over_the_pixel_limit(tmp_path):
    from tests.image_headers import write_png_header
    ann_file = faces_with_broken_image(tmp_path, 'garbage')
    write_png_header(tmp_path / BAD_IMAGE, 40000, 40000)
    with pytest.raises(ImageLoadError, match=re.escape(f'{tmp_path / BAD_IMAGE}: the image header claims 40000 x '
                                                       '40000')):
        dataset(ann_file)[2]
    faces = dataset(ann_file, bad_image_policy='skip')
    assert faces[2]['img_path'] == osp.join(str(tmp_path), GOOD_IMAGE) and faces.skipped_images == 1


def test_skip_with_no_readable_image_ends_in_one_line(tmp_path):
    ann_file = faces_with_broken_image(tmp_path, 'garbage')
    with open(osp.join(tmp_path, GOOD_IMAGE), 'wb') as f:
        f.write(b'not an image either')
    faces = dataset(ann_file, bad_image_policy='skip', max_refetch=3)
    with pytest.raises(ImageLoadError) as error:
        faces[0]
    assert str(error.value).startswith(f"{ann_file}: no readable image in 4 draws (bad_image_policy='skip'; "
                                       f'the last: {tmp_path}/')
    assert str(error.value).endswith('; check data_root and data_prefix')


def test_a_declared_image_size_far_from_the_real_one_is_warned_about_once(tmp_path):
    import logging

    from mmengine.logging import MMLogger
    coco = read_annotations()
    for image in coco['images']:
        if image['file_name'] == GOOD_IMAGE:
            image['width'], image['height'] = 4 * image['width'], 4 * image['height']
    shutil.copy(osp.join(DATA, GOOD_IMAGE), tmp_path)
    shutil.copy(osp.join(DATA, BAD_IMAGE), tmp_path)
    faces = dataset(write_annotations(tmp_path / 'faces.json', coco))
    said = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())
    MMLogger.get_current_instance().addHandler(handler)
    try:
        faces[0], faces[1], faces[2]
    finally:
        MMLogger.get_current_instance().removeHandler(handler)
    warnings = [line for line in said if 'the annotation file declares' in line]
    assert warnings == [f'{tmp_path / GOOD_IMAGE}: the annotation file declares 4096 x 2644 pixels, the image is '
                        '1024 x 661: its keypoints and box are in the declared pixels, so the crop may fall beside '
                        'the image (a black crop). Fix "width"/"height" or the image.']
