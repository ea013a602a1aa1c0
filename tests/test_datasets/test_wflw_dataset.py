"""WFLWDataset on the real samples: items in mmpose's layout, crops from the face rectangle on request."""
import json
from pathlib import Path

import numpy as np
import pytest

from mmpose_face.datasets import WFLWAnnotationError, WFLWDataset
from mmpose_face.datasets.transforms import GetBBoxCenterScale

from test_datasets.wflw_samples import ANN_FILE, DATA_DIR, dataset


# --------------------------------------------------------------------------- WFLWDataset
def test_wflw_dataset_reads_the_sample_file(dataset):
    with open(ANN_FILE) as f:
        annotations = json.load(f)['annotations']
    assert len(dataset) == 4
    assert len(dataset.metainfo['flip_indices']) == 98 and dataset.metainfo['dataset_name'] == 'wflw'
    for index, ann in enumerate(annotations):
        item = dataset.get_data_info(index)
        assert item['id'] == ann['id'] and item['img_id'] == ann['image_id']
        assert Path(item['img_path']).is_file()
        np.testing.assert_allclose(item['bbox_center'], [ann['center']])
        np.testing.assert_allclose(item['bbox_scale'], [[ann['scale'] * 200] * 2], rtol=1e-6)
        np.testing.assert_allclose(item['keypoints'][0], np.reshape(ann['keypoints'], (98, 3))[:, :2], atol=1e-3)
        assert item['keypoints_visible'].shape == (1, 98) and (item['keypoints_visible'] == 1).all()
        assert item['attributes'] is None  # this file has no WFLW attribute flags
        assert item['flip_indices'] == dataset.metainfo['flip_indices']


def test_wflw_dataset_crops_from_face_rectangle(tmp_path):
    with open(ANN_FILE) as f:
        coco = json.load(f)
    rectangles = []
    for ann in coco['annotations']:
        x, y, w, h = ann['bbox']
        ann['face_rectangle'] = [x - 5, y - 8, x + w + 3, y + h + 2]
        rectangles.append(ann['face_rectangle'])
    ann_file = tmp_path / 'with_rectangles.json'
    ann_file.write_text(json.dumps(coco))
    dataset = WFLWDataset(ann_file=str(ann_file), data_prefix=dict(img=str(DATA_DIR)), pipeline=[],
                          crop_from='face_rectangle', test_mode=True)
    item = dataset.get_data_info(2)
    np.testing.assert_allclose(item['bbox'], [rectangles[2]], rtol=1e-6)
    assert 'bbox_center' not in item  # GetBBoxCenterScale derives it from the rectangle
    x1, y1, x2, y2 = rectangles[2]
    boxed = GetBBoxCenterScale(padding=1.25)(item)
    np.testing.assert_allclose(boxed['bbox_center'], [[(x1 + x2) / 2, (y1 + y2) / 2]], rtol=1e-5)
    np.testing.assert_allclose(boxed['bbox_scale'], [[(x2 - x1) * 1.25, (y2 - y1) * 1.25]], rtol=1e-5)


def test_face_rectangle_crops_need_the_rectangle():
    with pytest.raises(WFLWAnnotationError, match=r'test_wflw\.json: annotation id 2: .*face_rectangle'):
        WFLWDataset(ann_file=str(ANN_FILE), data_prefix=dict(img=str(DATA_DIR)), pipeline=[],
                    crop_from='face_rectangle')
