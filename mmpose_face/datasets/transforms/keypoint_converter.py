"""mmpose's ``KeypointConverter``: one data set's keypoints in another's layout.

mmpose's Face6 configs train one 106-point model on six data sets: each
sub-data set's pipeline starts with a converter from its layout (68, 98,
29 ... points) to LaPa's 106, and ``CombinedDataset`` then runs the
shared pipeline.
"""
from typing import List, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmpose_face.registry import TRANSFORMS


@TRANSFORMS.register_module()
class KeypointConverter(BaseTransform):
    """Re-index ``keypoints`` (N, K_src, 2) pixels into (N, ``num_keypoints``, 2).

    Args (mmpose's):
        num_keypoints: K of the target layout.
        mapping: ``(source, target)`` pairs; ``target`` gets ``source``'s point.
            A ``source`` that is a pair ``(a, b)`` gives the midpoint of a and
            b, visible when both are (their visibilities multiplied).

    Output (as mmpose 1.3.2, float64): ``keypoints`` (N, K, 2), zeros where no
    source maps; ``keypoints_visible`` (N, K, 2): channel 0 the visibility,
    channel 1 a weight that is 1 at the mapped targets and 0 elsewhere
    (``GenerateTarget`` splits them into ``keypoints_visible`` and
    ``keypoints_visible_weights``); ``flip_indices``: the item's own, left as
    it is for a one-to-one mapping, and re-written (mmpose's rule) when some
    sources are pairs. Inside ``CombinedDataset`` the combined description's
    ``flip_indices`` replace it afterwards.
    """

    def __init__(self, num_keypoints: int,
                 mapping: Union[List[Tuple[int, int]], List[Tuple[Tuple, int]]]):
        self.num_keypoints = num_keypoints
        self.mapping = mapping
        sources, targets = zip(*mapping) if len(mapping) else ((), ())
        first, second = [], []
        self.interpolation = False  # any source given as a pair (even (a, a)), as mmpose decides
        for source in sources:
            if isinstance(source, (list, tuple)):
                assert len(source) == 2, 'source_index should be a list/tuple of length 2'
                first.append(source[0])
                second.append(source[1])
                self.interpolation = True
            else:
                first.append(source)
                second.append(source)
        if self.interpolation:
            self.source_index2 = second
        self.source_index = first
        self.target_index = list(targets)

    def transform(self, results: dict) -> dict:
        num_instances = results['keypoints'].shape[0]
        if 'keypoints_visible' not in results:
            results['keypoints_visible'] = np.ones((num_instances, results['keypoints'].shape[1]))
        if results['keypoints_visible'].ndim > 2:
            results['keypoints_visible'] = results['keypoints_visible'][:, :, 0]
        source_visible = results['keypoints_visible']
        key = 'keypoints_3d' if 'keypoints_3d' in results else 'keypoints'
        source = results[key]
        dims = source.shape[-1]

        keypoints = np.zeros((num_instances, self.num_keypoints, 3))
        visible = np.zeros((num_instances, self.num_keypoints))
        mapped = visible.copy()
        mapped[:, self.target_index] = 1.0
        flip_indices = results.get('flip_indices', None)
        if self.interpolation:
            keypoints[:, self.target_index, :dims] = 0.5 * (source[:, self.source_index] +
                                                            source[:, self.source_index2])
            visible[:, self.target_index] = (source_visible[:, self.source_index] *
                                             source_visible[:, self.source_index2])
            if flip_indices is not None:
                # mmpose's rule (positions in the mapping, not target ids), kept for identical items
                for i, (a, b) in enumerate(zip(self.source_index, self.source_index2)):
                    partner = flip_indices[a] if a == b else i
                    flip_indices[i] = partner if partner < self.num_keypoints else i
                flip_indices = flip_indices[:len(self.source_index)]
        else:
            keypoints[:, self.target_index, :dims] = source[:, self.source_index]
            visible[:, self.target_index] = source_visible[:, self.source_index]

        results['keypoints'] = keypoints[..., :2]
        results['keypoints_visible'] = np.stack([visible, mapped], axis=2)
        if 'keypoints_3d' in results:
            results['keypoints_3d'] = keypoints
            results['lifting_target'] = keypoints[results['target_idx']]
            results['lifting_target_visible'] = visible[results['target_idx']]
        results['flip_indices'] = flip_indices
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(num_keypoints={self.num_keypoints}, mapping={self.mapping})'
