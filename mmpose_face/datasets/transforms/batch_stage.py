"""How a train pipeline step runs on a whole batch: the declaration the fast path reads.

The fast path (:mod:`mmpose_face.fast_path`) does not run a train pipeline
step by step on each photograph. It reads each step's ``batch_stage`` (a
class attribute, inherited by subclasses) and does that stage for a batch
of cached face crops, through the step's own parameters and methods:

``load``        decoding: done once per face, by the crop cache (``LoadImage``).
``box``         the padded face box the cache is centred on: the step is
                called on each data info once, when the cache is built
                (``GetBBoxCenterScale``; its ``padding``).
``flip``        ``sample_batch(num_faces, random_state)`` -> (B,) bool, the
                faces mirrored left-right (``RandomFlip``).
``box_jitter``  ``sample_parameters(num_boxes, random_state)`` -> shift (B, 2)
                box sizes, scale (B, 1), rotation (B,) degrees; and
                ``jitter_bounds()`` -> the strongest of them
                (``max_shift``, ``scale_range``, ``max_rotation``), which the
                crop cache covers (``RandomBBoxTransform``).
``warp``        ``input_size`` (w, h): the box is warped to that crop
                (``TopdownAffine``).
``per_crop``    after the warp, the step itself on each warped crop on the
                host (``results`` with ``img`` (h, w, 3) uint8 BGR,
                ``img_shape``, ``input_size``, ``flip``, ``flip_direction``,
                ``img_path``), drawing from numpy's global generator set to
                the batch's: pixel-level steps, only ``img`` is read back
                (``PhotometricDistortion``, ``Albumentation``).
``target``      ``encoder``, a codec with ``encode_batch`` (``GenerateTarget``).
``pack``        ``label_mapping_table`` and ``field_mapping_table``
                (``PackPoseInputs``).

The stages come in this order; ``flip`` and ``box_jitter`` are optional,
``per_crop`` may appear any number of times. A step without a
``batch_stage`` is refused by name. A subclass that re-defines ``transform``
must declare ``batch_stage`` itself (its batch form is then its promise)
unless its stage is ``per_crop``, whose batch form is its ``transform``.
"""

LOAD = 'load'
BOX = 'box'
FLIP = 'flip'
BOX_JITTER = 'box_jitter'
WARP = 'warp'
PER_CROP = 'per_crop'
TARGET = 'target'
PACK = 'pack'

#: (stage, required, repeatable), in pipeline order
BATCH_STAGES = ((LOAD, True, False), (BOX, True, False), (FLIP, False, False), (BOX_JITTER, False, False),
                (WARP, True, False), (PER_CROP, False, True), (TARGET, True, False), (PACK, True, False))

#: what a step of each stage must have (attributes or methods), read by the fast path
STAGE_INTERFACE = {LOAD: (), BOX: ('padding', '__call__'), FLIP: ('sample_batch', ),
                   BOX_JITTER: ('sample_parameters', 'jitter_bounds'), WARP: ('input_size', ),
                   PER_CROP: ('__call__', ), TARGET: ('encoder', ),
                   PACK: ('label_mapping_table', 'field_mapping_table')}

#: this package's step of each stage, for messages
STAGE_EXAMPLES = {LOAD: 'LoadImage', BOX: 'GetBBoxCenterScale', FLIP: 'RandomFlip', BOX_JITTER: 'RandomBBoxTransform',
                  WARP: 'TopdownAffine', PER_CROP: 'PhotometricDistortion, Albumentation', TARGET: 'GenerateTarget',
                  PACK: 'PackPoseInputs'}
