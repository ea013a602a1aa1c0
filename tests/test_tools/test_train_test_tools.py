"""tools/train.py, tools/test.py and tools/dist_train.sh end to end, as a user runs them.

A ResNet-18 on 64x64 crops of the 4 real faces in tests/data trains for one
epoch (2 iterations), is tested, resumed, and trained by two processes on
the CPU; bad input makes the tools stop with one ``error: ...`` line.
"""
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CONFIG = 'tests/configs/td-reg_res18_tiny_wflw-64x64.py'
DATA_DIR = REPO_ROOT / 'tests' / 'data'
ONE_EPOCH = ['--cfg-options', 'train_cfg.max_epochs=1']


def run(*args, env=None, timeout=300):
    """Run a command in the repository; returns (exit code, stdout + stderr, stderr)."""
    full_env = {key: value for key, value in os.environ.items() if key != 'MMPOSE_FACE_DEBUG'}
    full_env.update(env or {})
    process = subprocess.run([str(a) for a in args], cwd=REPO_ROOT, env=full_env, capture_output=True,
                             text=True, timeout=timeout)
    return process.returncode, process.stdout + process.stderr, process.stderr


def train(*args, **kwargs):
    """tools/train.py --verbose: the iteration lines on the console, to be read here."""
    return run(PYTHON, 'tools/train.py', CONFIG, '--verbose', *args, **kwargs)


def run_test_tool(*args, **kwargs):
    return run(PYTHON, 'tools/test.py', CONFIG, *args, **kwargs)


def load(path):
    from mmpose_face.engine.checkpoint_loading import safe_torch_load  # weights_only, numpy checked
    return safe_torch_load(str(path))


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """One epoch (2 iterations of 2 faces) with validation; the work dir and the log."""
    work_dir = tmp_path_factory.mktemp('train')
    code, output, _ = train('--work-dir', work_dir, *ONE_EPOCH)
    assert code == 0, output[-3000:]
    return work_dir, output


def logged_nme(output):
    return float(re.findall(r'Epoch\(val\).*NME: ([0-9.]+)', output)[-1])


# --------------------------------------------------------------------------- train / test
def test_train_saves_an_mmpose_layout_checkpoint_and_validates(trained):
    work_dir, output = trained
    assert 'Epoch(train) [1][2/2]' in output and 'Epoch(train) [2]' not in output
    assert re.search(r'Epoch\(val\) \[1\]\[2/2\].*NME: [0-9.]+\s+FR@0.1: [0-9.]+\s+AUC@0.1: [0-9.]+', output)
    assert (work_dir / 'best_NME_epoch_1.pth').is_file()
    checkpoint = load(work_dir / 'epoch_1.pth')
    assert checkpoint['meta']['epoch'] == 1 and checkpoint['meta']['iter'] == 2
    state_dict = checkpoint['state_dict']
    assert state_dict['backbone.conv1.weight'].shape == (64, 3, 7, 7)
    assert state_dict['head.fc.weight'].shape == (196, 512)
    assert len(checkpoint['meta']['dataset_meta']['flip_indices']) == 98


def test_test_tool_writes_metrics_dump_and_curves(trained, tmp_path):
    work_dir, train_output = trained
    out, dump = tmp_path / 'metrics.json', tmp_path / 'preds.json'
    code, output, _ = run_test_tool(work_dir / 'epoch_1.pth', '--work-dir', tmp_path / 'test',
                                '--out', out, '--dump', dump)
    assert code == 0, output[-3000:]
    metrics = json.loads(out.read_text())
    assert set(metrics) == {'NME', 'FR@0.1', 'AUC@0.1'}
    faces = json.loads(dump.read_text())
    assert sorted(face['id'] for face in faces) == [2, 12, 40, 1169]
    # every point is visible, so the pooled NME is the mean of the faces' NMEs
    assert metrics['NME'] == pytest.approx(sum(face['nme'] for face in faces) / 4, rel=1e-4)
    # the same weights gave the same NME when validated during training
    assert metrics['NME'] == pytest.approx(logged_nme(train_output), abs=2e-6)
    assert (tmp_path / 'test' / 'ced_curves.png').is_file()


def test_resume_continues_the_epoch_counter(trained, tmp_path):
    work_dir, _ = trained
    code, output, _ = train('--work-dir', tmp_path, '--resume', work_dir / 'epoch_1.pth', '--no-validate',
                            '--cfg-options', 'train_cfg.max_epochs=2')
    assert code == 0, output[-3000:]
    assert 'resumed epoch: 1, iter: 2' in output
    assert 'Epoch(train) [2][2/2]' in output and 'Epoch(train) [1]' not in output
    assert 'Epoch(val)' not in output  # --no-validate
    checkpoint = load(tmp_path / 'epoch_2.pth')
    assert checkpoint['meta']['epoch'] == 2 and checkpoint['meta']['iter'] == 4
    assert not (tmp_path / 'epoch_1.pth').exists()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_dist_train_with_two_cpu_processes_and_auto_scaled_lr(tmp_path):
    code, output, _ = run('bash', 'tools/dist_train.sh', CONFIG, 2, '--work-dir', tmp_path, '--auto-scale-lr',
                          '--verbose', *ONE_EPOCH, env=dict(PYTHON=PYTHON, PORT=str(free_port()), OMP_NUM_THREADS='1'))
    assert code == 0, output[-3000:]
    assert 'Distributed training: True' in output and 'GPU number: 2' in output
    # 2 processes x 2 faces: the 4 faces take one iteration, and the LR scales by 4 / 512
    assert 'the current batch size is 4. Scaling the original LR by 0.0078125' in output
    assert 'Epoch(train) [1][1/1]' in output
    assert re.search(r'Epoch\(train\) \[1\]\[1/1\]\s+lr: 3\.906250e-07', output)  # 5e-4 * 4/512 * warm-up 0.1
    assert 'WFLW evaluation of 4 faces' in output  # each process evaluated 2, gathered on rank 0
    assert load(tmp_path / 'epoch_1.pth')['meta']['iter'] == 1


def test_dist_test_with_two_cpu_processes_counts_every_face_once(trained, tmp_path):
    work_dir, train_output = trained
    out, dump = tmp_path / 'metrics.json', tmp_path / 'preds.json'
    code, output, _ = run('bash', 'tools/dist_test.sh', CONFIG, work_dir / 'epoch_1.pth', 2,
                          '--work-dir', tmp_path / 'test', '--out', out, '--dump', dump,
                          '--cfg-options', 'test_dataloader.batch_size=1',
                          env=dict(PYTHON=PYTHON, PORT=str(free_port()), OMP_NUM_THREADS='1'))
    assert code == 0, output[-3000:]
    assert 'WFLW evaluation of 4 faces' in output
    assert sorted(face['id'] for face in json.loads(dump.read_text())) == [2, 12, 40, 1169]
    # the same NME as one process gave when validating during training
    assert json.loads(out.read_text())['NME'] == pytest.approx(logged_nme(train_output), abs=2e-6)


def load_tool(name):
    """tools/NAME.py as a module, to call its ``main`` in this process."""
    spec = importlib.util.spec_from_file_location(f'tool_{name}', REPO_ROOT / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_amp_on_a_machine_without_cuda_stops_with_a_clear_message(tmp_path, monkeypatch, capsys):
    """mmengine's AmpOptimWrapper (float16 + GradScaler) asserts CUDA; rather than
    an AssertionError deep in the runner, --amp stops before anything is built.
    (In this process: the error comes before the runner exists.)"""
    from mmpose_face.apis.cli import run_tool
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    tool = load_tool('train')
    monkeypatch.setattr(sys, 'argv', ['tools/train.py', CONFIG, '--work-dir', str(tmp_path), '--amp'])
    assert run_tool(tool.main, tool.parse_args()) == 1
    assert capsys.readouterr().err.startswith('error: --amp needs a CUDA GPU')
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------- bad input
def bad_annotations(tmp_path, name, edit):
    """A copy of the sample annotation file with ``edit`` applied."""
    coco = json.loads((DATA_DIR / 'test_wflw.json').read_text())
    edit(coco)
    path = tmp_path / name
    path.write_text(json.dumps(coco))
    return path


def data_options(split, ann_file):
    return [f'{split}_dataloader.dataset.ann_file={ann_file}',
            f'{split}_dataloader.dataset.data_prefix.img={DATA_DIR}/']


PROGRESS_BAR = re.compile(r'^(train|val|test): +\d+%\|')


def without_progress_bars(stream: str) -> list:
    """The non-empty lines of ``stream`` but the progress bars' (which a terminal redraws in
    place, and clears when the run stops with an error)."""
    return [line for line in stream.replace('\r', '\n').splitlines() if line.strip() and not PROGRESS_BAR.match(line)]


def assert_user_error(code, output, stderr, *fragments):
    assert code == 1, output[-3000:]
    assert 'Traceback' not in output
    first_line = without_progress_bars(stderr)[0]
    assert first_line.startswith('error: ')
    for fragment in fragments:
        assert fragment in first_line, first_line


def test_missing_image_names_the_file(trained, tmp_path):
    def lose_image(coco):
        coco['images'][1]['file_name'] = 'no_such_face.jpg'
    ann_file = bad_annotations(tmp_path, 'missing_image.json', lose_image)
    # a data loader worker raises it: the message still comes without the worker's traceback
    code, output, stderr = run_test_tool(trained[0] / 'epoch_1.pth', '--work-dir', tmp_path, '--cfg-options',
                                     *data_options('test', ann_file), 'test_dataloader.num_workers=1')
    assert_user_error(code, output, stderr, f'{DATA_DIR}/no_such_face.jpg', 'cannot read image')


def test_wrong_number_of_keypoints_names_the_file_and_annotation(tmp_path):
    def drop_a_point(coco):
        coco['annotations'][1]['keypoints'] = coco['annotations'][1]['keypoints'][:-3]
    ann_file = bad_annotations(tmp_path, 'short.json', drop_a_point)
    code, output, stderr = train('--work-dir', tmp_path, '--no-validate', '--cfg-options',
                                 *data_options('train', ann_file))
    assert_user_error(code, output, stderr, f'{ann_file}: annotation id 12', '97 keypoints, expected 98')


def test_non_positive_box_names_the_file_and_annotation(tmp_path):
    def collapse_box(coco):
        coco['annotations'][2]['scale'] = -0.1
    ann_file = bad_annotations(tmp_path, 'box.json', collapse_box)
    code, output, stderr = train('--work-dir', tmp_path, '--no-validate', '--cfg-options',
                                 *data_options('train', ann_file))
    assert_user_error(code, output, stderr, f'{ann_file}: annotation id 40', 'box scale must be positive')


def test_unknown_type_in_a_config_names_the_type(tmp_path):
    config = tmp_path / 'adaptive_wing.py'
    config.write_text(f"_base_ = ['{REPO_ROOT / CONFIG}']\n"
                      "model = dict(head=dict(loss=dict(type='AdaptiveWingLoss')))\n")
    code, output, stderr = run(PYTHON, 'tools/train.py', config, '--work-dir', tmp_path)
    assert_user_error(code, output, stderr, "model.head.loss type='AdaptiveWingLoss' is not a part of mmpose_face")


def test_checkpoint_that_does_not_fit_names_the_file_and_key(trained, tmp_path):
    checkpoint = load(trained[0] / 'epoch_1.pth')
    state_dict = checkpoint['state_dict']
    state_dict['head.fc.weight'] = torch.zeros(68 * 2, 512)  # a 68-point model
    state_dict['head.fc.bias'] = torch.zeros(68 * 2)
    path = tmp_path / 'res18_68points.pth'
    torch.save(dict(state_dict=state_dict), path)
    shapes = 'head.fc.weight: checkpoint (136, 512) vs model (196, 512)'
    code, output, stderr = run_test_tool(path, '--work-dir', tmp_path)
    assert_user_error(code, output, stderr, f'{path}:', shapes)
    # the same file as load_from of a training run
    code, output, stderr = train('--work-dir', tmp_path, '--no-validate', '--cfg-options', f'load_from={path}')
    assert_user_error(code, output, stderr, f'{path}:', shapes)
