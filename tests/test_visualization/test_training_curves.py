"""analyze_logs plot_curve: curves from mmengine's scalars.json."""
import importlib.util
import json

import cv2
import numpy as np
import pytest

from mmpose_face.apis.cli import run_tool
from mmpose_face.visualization import load_scalar_log, plot_curves
from mmpose_face.visualization.training_curves import curve


def write_log(path, epochs=3, iters_per_epoch=4):
    """What LocalVisBackend writes for an epoch-based run: train lines with
    iter/epoch, one validation line per epoch whose step is the epoch."""
    lines = []
    for epoch in range(1, epochs + 1):
        for i in range(iters_per_epoch):
            it = (epoch - 1) * iters_per_epoch + i + 1
            lines.append(dict(lr=1e-4 * it, loss=1 / it, loss_kpt=1 / it, time=0.1, epoch=epoch, iter=it, step=it))
        lines.append({'NME': 0.1 / epoch, 'FR@0.1': 0.5, 'step': epoch})
    path.write_text('\n'.join(json.dumps(line) for line in lines) + '\n')
    return str(path)


def test_curves_over_iterations_and_epochs(tmp_path):
    log = load_scalar_log(write_log(tmp_path / 'scalars.json'))
    assert log['by_epoch'] and len(log['train']) == 12 and len(log['val']) == 3
    x, y, label = curve(log, 'loss_kpt')
    assert label == 'iteration' and list(x) == list(range(1, 13))
    np.testing.assert_allclose(y, 1 / np.arange(1, 13))
    x, y, label = curve(log, 'NME')
    assert label == 'epoch' and list(x) == [1, 2, 3]
    np.testing.assert_allclose(y, [0.1, 0.05, 0.1 / 3])
    assert curve(log, 'missing') is None


def test_plot_writes_png(tmp_path):
    first = write_log(tmp_path / 'a.json')
    second = write_log(tmp_path / 'b.json', epochs=2)
    out = plot_curves([first, second], ['loss_kpt', 'lr', 'NME'], str(tmp_path / 'plots' / 'curves.png'),
                      title='tiny', legend=['run a', 'run b'])
    image = cv2.imread(out)
    assert image is not None and image.shape[0] > 3 * 200, 'three panels'
    with pytest.raises(KeyError, match=r"no 'acc' in the log; it has \['FR@0.1', 'NME', 'loss'"):
        plot_curves(first, ['acc'], str(tmp_path / 'x.png'))


def test_bad_logs_are_named(tmp_path):
    bad = tmp_path / 'bad.json'
    bad.write_text('{"loss": 1, "iter": 1}\nnot json\n')
    with pytest.raises(ValueError, match='bad.json: line 2 is not JSON'):
        load_scalar_log(str(bad))
    with pytest.raises(FileNotFoundError, match='nope.json'):
        load_scalar_log(str(tmp_path / 'nope.json'))


def test_command_line(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location('analyze_logs_tool', 'tools/analysis_tools/analyze_logs.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    log = write_log(tmp_path / 'scalars.json')
    monkeypatch.setattr('sys.argv', ['analyze_logs', 'plot_curve', log, '--keys', 'loss', 'NME',
                                     '--out', str(tmp_path / 'c.png')])
    assert run_tool(tool.main, tool.parse_args()) == 0
    assert (tmp_path / 'c.png').is_file()
