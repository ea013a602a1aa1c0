"""Reading a dataset description (``configs/_base_/datasets/*.py``) into metainfo.

A description is found as a path, or by its name in the configs the package
ships (:func:`mmpose_face.installation.find_config`), so a wheel installed
anywhere reads ``configs/_base_/datasets/wflw.py`` from itself.

The metainfo has every key, with its type, that mmpose 1.3.2's
``parse_pose_metainfo`` gives, plus the face facts the shared code reads
instead of knowing any data set (each optional, see docs/metrics.md):

- ``nme_keypoint_indices``: (2,) the points whose distance normalises NME
  (the outer eye corners);
- ``subsets``: ``{name: title}`` of the test subsets the report shows, in
  order (a face's ``attributes[name]`` says whether it is in one);
- ``contours``: ``[(first, last, closed), ...]`` point runs drawn as lines.
"""
import numpy as np
from mmengine.config import Config

from mmpose_face.errors import UserInputKeyError
from mmpose_face.installation import config_root, find_config

FACE_KEYS = ('nme_keypoint_indices', 'subsets', 'contours')


def resolve_dataset_info_file(path: str) -> str:
    """A path as given, ``configs/_base_/datasets/NAME.py`` or ``mmpose_face::_base_/datasets/NAME.py``."""
    try:
        return find_config(path)
    except (FileNotFoundError, ValueError):
        raise FileNotFoundError(f'{path}: dataset description not found (also looked in {config_root()})') from None


def parse_dataset_info(dataset_info: dict) -> dict:
    """``dataset_info`` dict -> metainfo.

    Keys as mmpose's: ``dataset_name``, ``num_keypoints``,
    ``keypoint_id2name``, ``keypoint_name2id``, ``upper_body_ids``,
    ``lower_body_ids``, ``flip_indices`` (K,) list (``flip_indices[k]`` is
    the point k becomes in a mirror image, k itself on the symmetry axis),
    ``flip_pairs`` list of (swap, k) tuples in mmpose's order (each pair
    both ways), ``keypoint_colors`` (K, 3) uint8, ``num_skeleton_links``,
    ``skeleton_links``, ``skeleton_link_colors`` (L, 3) uint8,
    ``dataset_keypoint_weights`` (K,) float32, ``sigmas`` float32; then the
    face keys of this module's docstring when the description has them.
    """
    keypoint_info = dataset_info['keypoint_info']
    skeleton_info = dataset_info.get('skeleton_info', {})
    names = {kpt_id: keypoint['name'] for kpt_id, keypoint in keypoint_info.items()}
    name2id = {name: kpt_id for kpt_id, name in names.items()}
    flip_indices, flip_pairs = [], []
    for kpt_id, keypoint in keypoint_info.items():
        swap = keypoint.get('swap', '')
        if swap and swap not in name2id:
            raise UserInputKeyError(f"keypoint {names[kpt_id]!r} swaps with unknown keypoint {swap!r}")
        partner = name2id[swap] if swap else kpt_id
        flip_indices.append(partner)
        if partner != kpt_id and (partner, kpt_id) not in flip_pairs:
            flip_pairs.append((partner, kpt_id))
    for i, j in enumerate(flip_indices):
        if flip_indices[j] != i:
            raise ValueError(f'swap pairs are not symmetric: {names[i]} -> {names[j]} -> {names[flip_indices[j]]}')
    metainfo = dict(
        dataset_name=dataset_info['dataset_name'],
        num_keypoints=len(keypoint_info),
        keypoint_id2name=names,
        keypoint_name2id=name2id,
        upper_body_ids=[i for i, kpt in keypoint_info.items() if kpt.get('type', '') == 'upper'],
        lower_body_ids=[i for i, kpt in keypoint_info.items() if kpt.get('type', '') == 'lower'],
        flip_indices=flip_indices,
        flip_pairs=flip_pairs,
        keypoint_colors=np.array([kpt.get('color', [255, 128, 0]) for kpt in keypoint_info.values()],
                                 dtype=np.uint8),
        num_skeleton_links=len(skeleton_info),
        skeleton_links=[tuple(name2id[name] for name in link['link']) for link in skeleton_info.values()],
        skeleton_link_colors=np.array([link.get('color', [96, 96, 255]) for link in skeleton_info.values()],
                                      dtype=np.uint8),
        dataset_keypoint_weights=np.array(dataset_info.get('joint_weights', [1.] * len(keypoint_info)),
                                          dtype=np.float32),
        sigmas=np.array(dataset_info.get('sigmas', []), dtype=np.float32),
    )
    if 'stats_info' in dataset_info:
        metainfo['stats_info'] = {name: np.array(value, dtype=np.float32)
                                  for name, value in dataset_info['stats_info'].items()}
    if dataset_info.get('nme_keypoint_indices') is not None:
        metainfo['nme_keypoint_indices'] = tuple(int(i) for i in dataset_info['nme_keypoint_indices'])
    if dataset_info.get('subsets'):
        metainfo['subsets'] = dict(dataset_info['subsets'])
    if dataset_info.get('contours'):
        metainfo['contours'] = [tuple(contour) for contour in dataset_info['contours']]
    return metainfo


def load_dataset_info(path: str) -> dict:
    """Parse the ``dataset_info`` of a dataset description file."""
    return parse_dataset_info(Config.fromfile(resolve_dataset_info_file(path)).dataset_info)
