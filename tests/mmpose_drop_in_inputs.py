"""The inputs both sides of the drop-in check see (numpy only: imported by the mmpose-side probe too)."""
import numpy as np

BADCASE_OFFSET_PX = 12.  # ground truth this far right and down of the prediction


def nme_faces(num_keypoints: int = 98) -> list:
    """Two faces as NME's ``process`` reads them: predictions off by (1, 1) and (2, 2) px."""
    rng = np.random.RandomState(0)
    samples = []
    for offset in (1., 2.):
        gt = rng.uniform(0, 100, (1, num_keypoints, 2))
        samples.append(dict(gt_instances=dict(keypoints=gt, keypoints_visible=np.ones((1, num_keypoints)),
                                              bboxes=np.array([[0., 0., 100., 100.]])),
                            pred_instances=dict(keypoints=gt + offset)))
    return samples


def badcase_keypoints() -> np.ndarray:
    """(1, 16, 2) predicted points of the bad-case face, image pixels."""
    return np.stack([np.linspace(40., 120., 16), np.linspace(50., 90., 16)], axis=-1)[None]


def badcase_samples(PoseDataSample, image_path: str) -> tuple:
    """(the data batch's sample, the model's output sample) of one bad face, built with either
    toolbox's ``PoseDataSample``: 16 points, the ground truth ``BADCASE_OFFSET_PX`` away."""
    from mmengine.structures import InstanceData
    sample = PoseDataSample()
    sample.set_metainfo({'img_path': image_path})
    pred = sample.clone()
    keypoints = badcase_keypoints()
    pred.pred_instances = InstanceData(keypoints=keypoints)
    pred.gt_instances = InstanceData(keypoints=keypoints + BADCASE_OFFSET_PX, keypoints_visible=np.ones((1, 16)),
                                     bboxes=np.array([[30.6, 40.2, 130.9, 100.1]]))
    return sample, pred
