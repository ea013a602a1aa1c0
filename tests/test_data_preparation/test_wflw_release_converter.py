"""Tests of the WFLW release -> mmpose COCO-style JSON conversion.

A small official-format release is built from the real samples in
tests/data (their keypoints written back as list-file lines), converted,
and compared with the sample JSON.
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mmpose_face.data_preparation.wflw_release_converter import (
    ATTRIBUTE_NAMES, NUM_KEYPOINTS, WFLWFormatError,
    add_attributes_from_subset_files, annotation_file, convert_wflw,
    crop_from_landmarks, parse_wflw_line, release_list_file)

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / 'tests' / 'data'
SAMPLE_JSON = DATA_DIR / 'test_wflw.json'
CLI = REPO_ROOT / 'tools' / 'dataset_converters' / 'wflw2coco.py'
# The release keeps images in WIDER-FACE event directories.
EVENT_DIRS = {
    '36_Football_americanfootball_ball_36_415.jpg': '36--Football',
    '7_Cheering_Cheering_7_16.jpg': '7--Cheering',
}


def load_sample():
    with open(SAMPLE_JSON, encoding='utf-8') as file:
        return json.load(file)


def sample_landmarks(annotation):
    """(98, 2) x, y pairs of a sample annotation."""
    keypoints = annotation['keypoints']
    return [(keypoints[3 * k], keypoints[3 * k + 1])
            for k in range(NUM_KEYPOINTS)]


def release_path(sample, annotation):
    """Path relative to WFLW_images/ of a sample annotation's image."""
    file_name = next(image['file_name'] for image in sample['images']
                     if image['id'] == annotation['image_id'])
    return f'{EVENT_DIRS[file_name]}/{file_name}'


def face_rectangle(landmarks):
    """An integer detector-style rectangle around the landmarks."""
    xs, ys = [x for x, _ in landmarks], [y for _, y in landmarks]
    return [int(min(xs)) - 3, int(min(ys)) - 5, int(max(xs)) + 4,
            int(max(ys)) + 2]


def list_line(landmarks, rectangle, flags, image_path):
    """One line in the release's list_98pt_rect_attr_*.txt format."""
    # repr() round-trips floats exactly, so the parsed landmarks equal the
    # sample's bit for bit.
    fields = [repr(v) for xy in landmarks for v in xy]
    fields += [str(v) for v in rectangle] + [str(f) for f in flags]
    return ' '.join(fields + [image_path])


# Flags (pose, expression, illumination, makeup, occlusion, blur) given to
# sample annotations 0..3 in the generated release.
SAMPLE_FLAGS = [
    (1, 0, 0, 0, 0, 1),
    (0, 1, 0, 0, 1, 0),
    (0, 0, 1, 1, 0, 0),
    (0, 0, 0, 0, 0, 0),
]
# Sample annotations (indices) per split: the test split holds all three
# faces of 7_Cheering_Cheering_7_16.jpg.
SPLIT_FACES = {'train': [0, 3], 'test': [0, 1, 2, 3]}


@pytest.fixture
def release(tmp_path):
    """A small official-format WFLW release under tmp_path/'WFLW'."""
    sample = load_sample()
    root = tmp_path / 'WFLW'
    for file_name, event_dir in EVENT_DIRS.items():
        (root / 'WFLW_images' / event_dir).mkdir(parents=True)
        shutil.copy(DATA_DIR / file_name,
                    root / 'WFLW_images' / event_dir / file_name)
    for split, indices in SPLIT_FACES.items():
        lines = []
        for index in indices:
            annotation = sample['annotations'][index]
            landmarks = sample_landmarks(annotation)
            lines.append(
                list_line(landmarks, face_rectangle(landmarks),
                          SAMPLE_FLAGS[index],
                          release_path(sample, annotation)))
        list_file = release_list_file(root, split)
        list_file.parent.mkdir(parents=True, exist_ok=True)
        list_file.write_text('\n'.join(lines) + '\n')
    return root


def read_json(path):
    with open(path, encoding='utf-8') as file:
        return json.load(file)


def cli_env():
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [str(REPO_ROOT)] + [p for p in [env.get('PYTHONPATH')] if p])
    return env


def run_cli(*args):
    """Run tools/dataset_converters/wflw2coco.py as a user would."""
    return subprocess.run([sys.executable, str(CLI), *map(str, args)],
                          capture_output=True, text=True, env=cli_env(),
                          cwd=REPO_ROOT, timeout=60)


# ---------------------------------------------------------------- crop maths


@pytest.mark.parametrize('index', range(4))
def test_crop_reproduces_sample_center_and_scale(index):
    annotation = load_sample()['annotations'][index]
    crop = crop_from_landmarks(sample_landmarks(annotation))
    assert crop['center'] == annotation['center']
    assert crop['scale'] == annotation['scale']


# Annotation 2 (id 40) has a published bbox that is not its landmark box
# (48 px tall for landmarks spanning 111 px), so it is left out here.
@pytest.mark.parametrize('index', [0, 1, 3])
def test_crop_reproduces_sample_bbox(index):
    annotation = load_sample()['annotations'][index]
    crop = crop_from_landmarks(sample_landmarks(annotation))
    assert crop['bbox'] == annotation['bbox']
    assert crop['area'] == annotation['area']


def test_parse_wflw_line():
    landmarks = [(float(k), float(k) + 0.5) for k in range(NUM_KEYPOINTS)]
    face = parse_wflw_line(
        list_line(landmarks, [1, 2, 99, 100], (0, 1, 0, 0, 1, 1),
                  '0--Parade/a.jpg'))
    assert face.keypoints == tuple(landmarks)
    assert face.face_rectangle == [1, 2, 99, 100]
    assert face.attributes == dict(pose=0, expression=1, illumination=0,
                                   makeup=0, occlusion=1, blur=1)
    assert face.image_path == '0--Parade/a.jpg'


# ------------------------------------------------------------- round trip


def test_convert_round_trip(release, tmp_path):
    out = tmp_path / 'out'
    written = convert_wflw(release, out, progress=False)
    assert written == {
        split: annotation_file(out / 'annotations', split)
        for split in ('train', 'test')
    }
    sample = load_sample()
    sample_images = {image['id']: image for image in sample['images']}

    for split, indices in SPLIT_FACES.items():
        coco = read_json(written[split])
        assert coco['categories'] == sample['categories']
        images = {image['id']: image for image in coco['images']}
        assert len(coco['annotations']) == len(indices)

        for index, annotation in zip(indices, coco['annotations']):
            expected = sample['annotations'][index]
            assert annotation['keypoints'] == expected['keypoints']
            for key in ('num_keypoints', 'iscrowd', 'category_id', 'center',
                        'scale'):
                assert annotation[key] == expected[key], key
            if index != 2:  # see test_crop_reproduces_sample_bbox
                assert annotation['bbox'] == expected['bbox']
                assert annotation['area'] == expected['area']
            assert annotation['attributes'] == dict(
                zip(ATTRIBUTE_NAMES, SAMPLE_FLAGS[index]))
            landmarks = sample_landmarks(expected)
            assert annotation['face_rectangle'] == face_rectangle(landmarks)

            image = images[annotation['image_id']]
            expected_image = sample_images[expected['image_id']]
            assert image['file_name'] == release_path(sample, expected)
            assert (image['width'], image['height']) == (
                expected_image['width'], expected_image['height'])
            assert (out / 'images' / image['file_name']).is_file()

        assert len({a['id'] for a in coco['annotations']}) == len(indices)

    # One image entry per image; its three faces share its id.
    test_coco = read_json(written['test'])
    assert len(test_coco['images']) == 2
    image_ids = [a['image_id'] for a in test_coco['annotations']]
    assert image_ids[0] != image_ids[1]
    assert image_ids[1] == image_ids[2] == image_ids[3]

    assert (out / 'images').is_symlink()
    assert (out / 'images').resolve() == (release / 'WFLW_images').resolve()
    # Converting again reuses the link and gives the same files.
    before = written['test'].read_bytes()
    convert_wflw(release, out, progress=False)
    assert written['test'].read_bytes() == before


def test_convert_copies_images(release, tmp_path):
    out = tmp_path / 'out'
    convert_wflw(release, out, link_images=False, progress=False)
    assert not (out / 'images').is_symlink()
    for file_name, event_dir in EVENT_DIRS.items():
        copied = out / 'images' / event_dir / file_name
        assert copied.read_bytes() == (DATA_DIR / file_name).read_bytes()


def test_convert_refuses_foreign_images_dir(release, tmp_path):
    out = tmp_path / 'out'
    (out / 'images').mkdir(parents=True)
    with pytest.raises(FileExistsError):
        convert_wflw(release, out, progress=False)


# ------------------------------------------------------------ bad input


def _drop_last_landmark_value(fields):
    return fields[1:]


def _non_numeric_landmark(fields):
    fields[10] = 'abc'
    return fields


def _flag_not_binary(fields):
    fields[200 + ATTRIBUTE_NAMES.index('occlusion')] = '2'
    return fields


def _missing_image(fields):
    fields[-1] = '36--Football/not_there.jpg'
    return fields


@pytest.mark.parametrize('corrupt, reason', [
    (_drop_last_landmark_value, 'expected 207 whitespace-separated fields'),
    (_non_numeric_landmark, "field 11 (landmark 5 x) is not a finite "
     "number: 'abc'"),
    (_flag_not_binary, "(occlusion flag) must be 0 or 1, got '2'"),
    (_missing_image, 'image not found'),
])
def test_bad_line_names_file_and_line_and_writes_nothing(
        release, tmp_path, corrupt, reason):
    out = tmp_path / 'out'
    convert_wflw(release, out, progress=False)
    train_json = annotation_file(out / 'annotations', 'train')
    test_json = annotation_file(out / 'annotations', 'test')
    train_json.unlink()  # the failed run must not create it either
    good_test = test_json.read_bytes()

    list_file = release_list_file(release, 'test')
    lines = list_file.read_text().splitlines()
    lines[2] = ' '.join(corrupt(lines[2].split()))
    list_file.write_text('\n'.join(lines) + '\n')

    with pytest.raises(WFLWFormatError) as error:
        convert_wflw(release, out, progress=False)
    assert str(error.value).startswith(f'{list_file}:3: ')
    assert reason in str(error.value)
    assert (error.value.path, error.value.line) == (str(list_file), 3)

    assert not train_json.exists()
    assert test_json.read_bytes() == good_test
    assert sorted(p.name for p in (out / 'annotations').iterdir()) == [
        test_json.name
    ]


def test_missing_list_file(release, tmp_path):
    release_list_file(release, 'train').unlink()
    with pytest.raises(WFLWFormatError, match='list file not found'):
        convert_wflw(release, tmp_path / 'out', progress=False)
    assert not (tmp_path / 'out').exists()


# ------------------------------------------------ mmpose's pre-converted files


def write_subset(annotation_dir, name, annotations, sample):
    """A face_landmarks_wflw_test_<name>.json with its own ids."""
    image_ids = {a['image_id'] for a in annotations}
    subset = {
        'categories': sample['categories'],
        'images': [
            dict(image, id=image['id'] + 1000) for image in sample['images']
            if image['id'] in image_ids
        ],
        'annotations': [
            dict(a, id=500 + n, image_id=a['image_id'] + 1000)
            for n, a in enumerate(annotations)
        ],
    }
    path = annotation_file(annotation_dir, 'test', name)
    path.write_text(json.dumps(subset))
    return path


@pytest.fixture
def mmpose_annotations(tmp_path):
    """mmpose-style test file (the sample) and six subset files.

    Face id 12 is in the pose and blur subsets, face id 1169 only in blur;
    the subsets' landmarks carry float noise, as re-exported files do.
    """
    sample = load_sample()
    annotation_dir = tmp_path / 'annotations'
    annotation_dir.mkdir()
    shutil.copy(SAMPLE_JSON, annotation_file(annotation_dir, 'test'))
    by_id = {a['id']: a for a in sample['annotations']}

    def noisy(annotation):
        return dict(annotation,
                    keypoints=[v + 1e-7 for v in annotation['keypoints']])

    subsets = {name: [] for name in ATTRIBUTE_NAMES}
    subsets['pose'] = [noisy(by_id[12])]
    subsets['blur'] = [noisy(by_id[1169]), by_id[12]]
    for name, annotations in subsets.items():
        write_subset(annotation_dir, name, annotations, sample)
    return annotation_dir


def test_add_attributes_from_subset_files(mmpose_annotations):
    counts = add_attributes_from_subset_files(mmpose_annotations)
    assert counts == dict(pose=1, expression=0, illumination=0, makeup=0,
                          occlusion=0, blur=2)

    coco = read_json(annotation_file(mmpose_annotations, 'test'))
    attributes = {a['id']: a['attributes'] for a in coco['annotations']}
    none = dict.fromkeys(ATTRIBUTE_NAMES, 0)
    assert attributes == {
        2: none,
        12: dict(none, pose=1, blur=1),
        40: none,
        1169: dict(none, blur=1),
    }
    # Everything else is kept as it was.
    sample = load_sample()
    for annotation in coco['annotations']:
        del annotation['attributes']
    assert coco == sample


def test_add_attributes_to_other_file(mmpose_annotations, tmp_path):
    test_json = annotation_file(mmpose_annotations, 'test')
    before = test_json.read_bytes()
    out_file = tmp_path / 'elsewhere' / 'test_with_attributes.json'
    add_attributes_from_subset_files(mmpose_annotations, out_file)
    assert test_json.read_bytes() == before
    assert all('attributes' in a
               for a in read_json(out_file)['annotations'])


@pytest.mark.parametrize('change', ['landmarks', 'file_name'])
def test_unmatched_subset_face_is_an_error(mmpose_annotations, change):
    sample = load_sample()
    face = dict(sample['annotations'][0])
    if change == 'landmarks':
        face['keypoints'] = [v + 5.0 for v in face['keypoints']]
    else:  # same landmarks on another image
        face['image_id'] = 12
    subset_file = write_subset(mmpose_annotations, 'occlusion', [face],
                               sample)
    test_json = annotation_file(mmpose_annotations, 'test')
    before = test_json.read_bytes()

    with pytest.raises(WFLWFormatError) as error:
        add_attributes_from_subset_files(mmpose_annotations)
    assert str(error.value).startswith(f'{subset_file}: annotation id 500 ')
    assert 'matches no face' in str(error.value)
    assert test_json.read_bytes() == before


def test_missing_subset_file_is_an_error(mmpose_annotations):
    annotation_file(mmpose_annotations, 'test', 'makeup').unlink()
    with pytest.raises(WFLWFormatError, match='makeup.json: file not found'):
        add_attributes_from_subset_files(mmpose_annotations)


# ------------------------------------------------------------------- CLI


def test_cli_converts_release(release, tmp_path):
    out = tmp_path / 'out'
    result = run_cli(release, out, '--no-progress')
    assert result.returncode == 0, result.stderr
    for split in ('train', 'test'):
        assert annotation_file(out / 'annotations', split).is_file()
    assert (out / 'images').is_symlink()


def test_cli_reports_bad_line_without_traceback(release, tmp_path):
    list_file = release_list_file(release, 'train')
    lines = list_file.read_text().splitlines()
    lines[1] = lines[1].replace(' 0 0 0 0 0 0 ', ' 0 0 0 x 0 0 ')
    list_file.write_text('\n'.join(lines) + '\n')

    result = run_cli(release, tmp_path / 'out', '--no-progress')
    assert result.returncode != 0
    assert f'{list_file}:2: ' in result.stderr
    assert "(makeup flag) must be 0 or 1, got 'x'" in result.stderr
    assert 'Traceback' not in result.stderr
    assert not (tmp_path / 'out' / 'annotations').exists()


def load_cli():
    """The CLI as a module, to call its main() without a subprocess."""
    spec = importlib.util.spec_from_file_location('wflw2coco', CLI)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_from_json(mmpose_annotations, tmp_path, capsys):
    main = load_cli().main
    out_file = tmp_path / 'with_attributes.json'
    assert main(['--from-json', str(mmpose_annotations), '--out',
                 str(out_file)]) == 0
    assert 'pose 1' in capsys.readouterr().out
    attributes = {
        a['id']: a['attributes']
        for a in read_json(out_file)['annotations']
    }
    assert attributes[12]['pose'] == attributes[12]['blur'] == 1

    sample = load_sample()
    write_subset(mmpose_annotations, 'pose', [
        dict(sample['annotations'][0], keypoints=[0.0] * 3 * NUM_KEYPOINTS)
    ], sample)
    assert main(['--from-json', str(mmpose_annotations)]) == 1
    assert 'matches no face' in capsys.readouterr().err


# ------------------------------------------------------------ hostile input


def test_ids_are_unique_across_the_train_and_test_files(release, tmp_path):
    written = convert_wflw(release, tmp_path / 'out', progress=False)
    train, test = (read_json(written[split]) for split in ('train', 'test'))
    train_ids = {a['id'] for a in train['annotations']}
    test_ids = {a['id'] for a in test['annotations']}
    assert len(train_ids) == len(train['annotations']) and len(test_ids) == len(test['annotations'])
    assert not train_ids & test_ids
    # an image id names one file name in both files
    names = {}
    for document in (train, test):
        for image in document['images']:
            assert names.setdefault(image['id'], image['file_name']) == image['file_name']


def test_a_list_file_that_is_not_utf8_names_its_line(release, tmp_path, capsys):
    list_file = release_list_file(release, 'test')
    lines = list_file.read_bytes().split(b'\n')
    lines[1] = lines[1].replace(b'.jpg', b'\xff\xfe.jpg')
    list_file.write_bytes(b'\n'.join(lines))
    assert load_cli().main([str(release), str(tmp_path / 'out'), '--no-progress']) == 1
    error = capsys.readouterr().err
    assert error.startswith(f'error: {list_file}:2: not UTF-8 text (byte 0xff')
    assert not (tmp_path / 'out').exists()


def test_an_image_header_claiming_a_huge_size_names_the_image(release, tmp_path, capsys):
    from tests.image_headers import write_png_header
    image = release / 'WFLW_images' / '7--Cheering' / '7_Cheering_Cheering_7_16.jpg'
    write_png_header(image, 30000, 30000)
    assert load_cli().main([str(release), str(tmp_path / 'out'), '--no-progress']) == 1
    error = capsys.readouterr().err
    assert error.startswith('error: ') and str(image) in error and 'decompression bomb' in error
    assert len(error.strip().splitlines()) == 1


@pytest.mark.parametrize('document, reason', [
    ([], 'expected a JSON object with "images" and "annotations" lists'),
    ({'images': {}, 'annotations': []}, 'expected a JSON object'),
    ({'images': [7], 'annotations': []}, 'images[0]: needs "id" and a string "file_name"'),
    ({'images': [{'id': 1, 'file_name': 'a.jpg'}], 'annotations': [{'image_id': 1}]},
     'annotations[0]: needs an "id"'),
    ({'images': [{'id': 1, 'file_name': 'a.jpg'}], 'annotations': [{'id': 3, 'image_id': 1, 'keypoints': 'x'}]},
     'annotation id 3: "keypoints" must be 294 finite numbers'),
    ({'images': [{'id': 1, 'file_name': 'a.jpg'}],
      'annotations': [{'id': 3, 'image_id': 1, 'keypoints': [None] * 294}]},
     'annotation id 3: "keypoints" must be 294 finite numbers'),
])
def test_malformed_from_json_input_ends_in_one_error_line(mmpose_annotations, capsys, document, reason):
    test_file = annotation_file(mmpose_annotations, 'test')
    before = test_file.read_bytes()
    subset_file = annotation_file(mmpose_annotations, 'test', 'blur')
    subset_file.write_text(json.dumps(document))
    assert load_cli().main(['--from-json', str(mmpose_annotations)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f'error: {subset_file}: ') and reason in error
    assert test_file.read_bytes() == before


def test_from_json_input_that_is_not_text_ends_in_one_error_line(mmpose_annotations, capsys):
    subset_file = annotation_file(mmpose_annotations, 'test', 'pose')
    subset_file.write_bytes(b'\xff\xd8\xff\xe0 a JPEG, not JSON')
    assert load_cli().main(['--from-json', str(mmpose_annotations)]) == 1
    assert capsys.readouterr().err.startswith(f'error: {subset_file}: not UTF-8 text')
