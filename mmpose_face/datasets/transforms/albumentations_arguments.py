"""albumentations 1.4 arguments (mmpose's configs) in albumentations 2.x form: the one place they are rewritten.

mmpose 1.3.2's RTMPose configs write ``CoarseDropout(max_holes=1,
max_height=0.4, max_width=0.4, min_holes=1, min_height=0.2, min_width=0.2)``,
the 1.4 API. albumentations 2.0 dropped those names: it warns "not valid"
and uses its defaults (1-2 holes of 0.1-0.2 of the image), a different
augmentation. Under albumentations >= 2 each such argument is rewritten
here as albumentations 1.4.24 itself read it: a range ``(min or max, max)``
(``min`` missing: ``max``; ``min`` without ``max``: ignored), fractions of the image for floats, pixels for
ints; ``fill_value`` / ``mask_fill_value`` become ``fill`` / ``fill_mask``.
Under albumentations 1.x the arguments pass as written. An argument given in
both forms is refused.
"""

#: transform -> {2.x range argument: (1.4 lower bound, 1.4 upper bound)}
RANGE_ARGUMENTS_1_4 = {
    'CoarseDropout': {'num_holes_range': ('min_holes', 'max_holes'),
                      'hole_height_range': ('min_height', 'max_height'),
                      'hole_width_range': ('min_width', 'max_width')},
}
#: transform -> {1.4 argument: its 2.x name}
RENAMED_ARGUMENTS_1_4 = {
    'CoarseDropout': {'fill_value': 'fill', 'mask_fill_value': 'fill_mask'},
}


def albumentations_major_version(albumentations) -> int:
    return int(str(albumentations.__version__).split('.')[0])


def arguments_for_installed_version(name: str, args: dict, albumentations) -> dict:
    """``args`` of the albumentations transform ``name`` as the installed version reads them.

    Raises:
        ValueError: one argument given in its 1.4 and its 2.x form.
    """
    if albumentations_major_version(albumentations) < 2:
        return dict(args)
    args = dict(args)
    for new_name, (low_name, high_name) in RANGE_ARGUMENTS_1_4.get(name, {}).items():
        low, high = args.pop(low_name, None), args.pop(high_name, None)
        if high is None:  # 1.4.24 ignores a lower bound given alone
            continue
        if new_name in args:
            raise ValueError(f'Albumentation: {name} got {high_name} (albumentations 1.4) and {new_name} '
                             '(2.x); give one')
        args[new_name] = (low or high, high)
    for old_name, new_name in RENAMED_ARGUMENTS_1_4.get(name, {}).items():
        if old_name in args:
            if new_name in args:
                raise ValueError(f'Albumentation: {name} got {old_name} (albumentations 1.4) and {new_name} '
                                 '(2.x); give one')
            args[new_name] = args.pop(old_name)
    return args
