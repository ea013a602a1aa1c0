"""The wheel works outside the checkout: built, installed into a fresh venv and
run from an empty folder, it builds every data set, ``init_model`` by config
name, runs the inferencer on a photo, reads a user's config whose ``_base_``
names shipped ones (``mmpose_face::...``) and runs ``mmpose-face test`` with a
local checkpoint.

The venv reuses this interpreter's packages (torch, mmengine ...) through a
``.pth`` file written after the install, so nothing is downloaded; the
package itself comes from the wheel only (no ``PYTHONPATH``, not the editable
install, not the clone).
"""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / 'tests' / 'test_datasets'))
from face_layouts import BENCHMARKS, config_path, write_benchmark_files  # noqa: E402

# what a wheel is built from: a copy, so that the build writes nothing into the clone
SOURCE_ITEMS = ('setup.py', 'MANIFEST.in', 'README.md', 'requirements.txt', 'requirements', 'mmpose_face',
                'configs', 'tools')
MODEL_NAME = 'td-reg_res50_softwingloss_8xb64-210e_wflw-256x256'
PHOTO = REPO_ROOT / 'tests' / 'data' / '7_Cheering_Cheering_7_16.jpg'

# run by the venv's python from the empty folder: argv[1] is the JSON of the generated files
OUTSIDE_CHECKOUT = r'''
import json, os.path as osp, sys
import numpy as np, torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
import mmpose_face
from mmpose_face import installation
from mmpose_face.registry import DATASETS
from mmpose_face.apis import init_model
from mmpose_face.apis.inferencer import FaceLandmarkInferencer

work = json.loads(sys.argv[1])
print('package', mmpose_face.__file__, 'checkout', installation.is_checkout(), 'configs', installation.config_root())
init_default_scope('mmpose_face')
for name, (config_name, ann_file, faces, points) in work['datasets'].items():
    dataset_cfg = Config.fromfile(installation.find_config(config_name)).test_dataloader.dataset
    dataset_cfg.update(ann_file=ann_file, data_root=osp.dirname(ann_file), data_prefix=dict(img='images/'),
                       pipeline=[])
    dataset = DATASETS.build(dataset_cfg)
    print('dataset', name, type(dataset).__name__, len(dataset), dataset.metainfo['num_keypoints'])
    assert (len(dataset), dataset.metainfo['num_keypoints']) == (faces, points), name

untrained = init_model(work['model'])  # no checkpoint: PyTorch's random initialisation, nothing downloaded
torch.save({'state_dict': untrained.state_dict()}, work['checkpoint'])
model = init_model(work['model'], work['checkpoint'])
assert all(torch.equal(value, untrained.state_dict()[key]) for key, value in model.state_dict().items())
print('init_model', type(model).__name__, sum(p.numel() for p in model.parameters()))

whole_image = lambda image: (np.array([[0, 0, image.shape[1], image.shape[0]]], np.float32), np.ones(1))
inferencer = FaceLandmarkInferencer(work['model'], pose2d_weights=work['checkpoint'], det_model=whole_image)
result = list(inferencer(work['photo']))
keypoints = np.array(result[0]['predictions'][0][0]['keypoints'])
print('inferencer', keypoints.shape)
assert keypoints.shape == (98, 2) and np.isfinite(keypoints).all()

from mmpose_face import compat
user = compat.config_fromfile(work['user_config'])  # its _base_ names mmpose_face:: configs (compat fix 4)
print('user config', user.train_cfg.max_epochs, user.model.head.loss.type, user.default_scope)
assert (user.train_cfg.max_epochs, user.model.head.loss.type) == (3, 'SoftWingLoss')
'''
# a user's own config, outside the checkout and the package, built on shipped ones by name
USER_CONFIG = (f"_base_ = ['mmpose_face::face_2d_keypoint/topdown_regression/wflw/{MODEL_NAME}.py']\n"
               'train_cfg = dict(max_epochs=3)\n')


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """``(venv python, empty folder)``: the wheel built from a copy of the sources, installed with no
    dependencies, this interpreter's site-packages added after the install (a ``.pth``)."""
    root = tmp_path_factory.mktemp('wheel')
    source = root / 'source'
    source.mkdir()
    for item in map(REPO_ROOT.joinpath, SOURCE_ITEMS):
        if item.is_dir():
            shutil.copytree(item, source / item.name, ignore=shutil.ignore_patterns('__pycache__', '.mim'))
        else:
            shutil.copy2(item, source / item.name)
    env = {key: value for key, value in os.environ.items() if key != 'PYTHONPATH'}
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '--no-index',
                    '-w', str(root / 'dist'), str(source)], check=True, env=env, cwd=root, timeout=300)
    wheel, = (root / 'dist').glob('mmpose_face-*.whl')
    venv.EnvBuilder(with_pip=False).create(root / 'venv')
    python = root / 'venv' / 'bin' / 'python'
    subprocess.run([sys.executable, '-m', 'pip', '--python', str(python), 'install', '-q', '--no-deps',
                    '--no-index', str(wheel)], check=True, env=env, cwd=root, timeout=300)
    site_packages = subprocess.run([str(python), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
                                   check=True, capture_output=True, text=True, env=env).stdout.strip()
    paths = dict.fromkeys(sysconfig.get_paths()[key] for key in ('purelib', 'platlib'))
    Path(site_packages, 'test_venv_packages.pth').write_text(''.join(f'{path}\n' for path in paths))
    empty = root / 'empty'
    empty.mkdir()
    return python, empty, env, Path(site_packages) / 'mmpose_face'


def test_the_wheel_ships_configs_tools_and_the_command(installed):
    python, empty, env, package = installed
    bin_dir = python.parent
    listed = subprocess.run([str(bin_dir / 'mmpose-face'), 'configs'], capture_output=True, text=True, env=env,
                            cwd=empty, timeout=120)
    assert listed.returncode == 0, listed.stderr
    shipped = listed.stdout.split()
    assert f'face_2d_keypoint/topdown_regression/wflw/{MODEL_NAME}.py' in shipped
    assert len(shipped) == len(list((REPO_ROOT / 'configs' / 'face_2d_keypoint').rglob('*.py')))
    for relative in ('configs/_base_/datasets/wflw.py', 'configs/_base_/default_runtime.py', 'tools/train.py',
                     'tools/test.py'):
        assert (package / '.mim' / relative).read_bytes() == (REPO_ROOT / relative).read_bytes()


def test_data_sets_model_inferencer_and_test_command_outside_the_checkout(installed, tmp_path):
    python, empty, env, package = installed
    data = tmp_path / 'data'
    datasets = {}
    for name in BENCHMARKS:
        ann_file = write_benchmark_files(str(data / name), name, num_images=2, faces_per_image=1)
        datasets[name] = (osp.splitext(osp.basename(config_path(name)))[0], ann_file, 2, BENCHMARKS[name][1])
    checkpoint = tmp_path / 'random_res50_wflw.pth'
    user_config = tmp_path / 'my_configs' / 'my_wflw.py'
    user_config.parent.mkdir()
    user_config.write_text(USER_CONFIG)
    work = dict(datasets=datasets, model=MODEL_NAME, checkpoint=str(checkpoint), photo=str(PHOTO),
                user_config=str(user_config))
    env = {**env, 'OMP_NUM_THREADS': '1'}
    process = subprocess.run([str(python), '-c', OUTSIDE_CHECKOUT, json.dumps(work)], capture_output=True,
                             text=True, env=env, cwd=empty, timeout=600)
    assert process.returncode == 0, process.stdout[-2000:] + process.stderr[-3000:]
    assert f'package {package}/__init__.py checkout False' in process.stdout
    assert sorted(line.split()[1] for line in process.stdout.splitlines() if line.startswith('dataset ')) \
        == sorted(BENCHMARKS)
    assert 'user config 3 SoftWingLoss mmpose_face' in process.stdout

    wflw = datasets['wflw'][1]
    metrics = tmp_path / 'metrics.json'
    tested = subprocess.run(
        [str(python.parent / 'mmpose-face'), 'test', f'mmpose_face::face_2d_keypoint/topdown_regression/wflw/'
         f'{MODEL_NAME}.py', str(checkpoint), '--work-dir', str(tmp_path / 'work'), '--out', str(metrics),
         '--cfg-options', f'test_dataloader.dataset.ann_file={wflw}',
         f'test_dataloader.dataset.data_root={osp.dirname(wflw)}', 'test_dataloader.dataset.data_prefix.img=images/',
         'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
         'model.test_cfg.flip_test=False'],
        capture_output=True, text=True, env=env, cwd=empty, timeout=600)
    assert tested.returncode == 0, tested.stdout[-2000:] + tested.stderr[-3000:]
    assert json.loads(metrics.read_text())['NME'] > 0
    assert os.listdir(empty) == []  # nothing written into the current folder
