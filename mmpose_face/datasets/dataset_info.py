"""Reading a dataset description (``configs/_base_/datasets/*.py``) into metainfo."""
import os.path as osp

from mmengine.config import Config

from mmpose_face.errors import UserInputKeyError

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def resolve_dataset_info_file(path: str) -> str:
    """A path as given, or relative to the repository (``configs/_base_/...``)."""
    for candidate in (path, osp.join(REPO_ROOT, path)):
        if osp.isfile(candidate):
            return candidate
    raise FileNotFoundError(f'{path}: dataset description not found (also looked in {REPO_ROOT})')


def parse_dataset_info(dataset_info: dict) -> dict:
    """``dataset_info`` dict -> metainfo with names, ``flip_indices`` (K,) and colours.

    ``flip_indices[k]`` is the index of the point that point k becomes in a
    mirror image (k itself for points on the symmetry axis).
    """
    keypoint_info = dataset_info['keypoint_info']
    num_keypoints = len(keypoint_info)
    names = [keypoint_info[i]['name'] for i in range(num_keypoints)]
    name2id = {name: i for i, name in enumerate(names)}
    flip_indices = []
    for i in range(num_keypoints):
        swap = keypoint_info[i].get('swap', '')
        if swap and swap not in name2id:
            raise UserInputKeyError(f"keypoint {names[i]!r} swaps with unknown keypoint {swap!r}")
        flip_indices.append(name2id[swap] if swap else i)
    for i, j in enumerate(flip_indices):
        if flip_indices[j] != i:
            raise ValueError(f'swap pairs are not symmetric: {names[i]} -> {names[j]} -> {names[flip_indices[j]]}')
    return dict(
        dataset_name=dataset_info['dataset_name'],
        num_keypoints=num_keypoints,
        keypoint_id2name=dict(enumerate(names)),
        keypoint_name2id=name2id,
        flip_indices=flip_indices,
        flip_pairs=[(i, j) for i, j in enumerate(flip_indices) if i < j],
        keypoint_colors=[list(keypoint_info[i].get('color', [255, 255, 255])) for i in range(num_keypoints)],
        skeleton_links=[tuple(link['link']) for link in dataset_info.get('skeleton_info', {}).values()],
        joint_weights=list(dataset_info.get('joint_weights', [1.0] * num_keypoints)),
    )


def load_dataset_info(path: str) -> dict:
    """Parse the ``dataset_info`` of a dataset description file."""
    return parse_dataset_info(Config.fromfile(resolve_dataset_info_file(path)).dataset_info)
