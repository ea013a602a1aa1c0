"""The warning for a model trained on synthetic faces, and the one-line way the demos print it."""
import contextlib
import sys
import warnings

# The project's synthetic set: faces drawn in WFLW's 98-point layout by
# tools/dataset_converters/make_synthetic_wflw.py (`make demo`), no photographs.
SYNTHETIC_WFLW = 'synthetic WFLW (faces drawn by make_synthetic_wflw.py for `make demo`, no photographs)'


class SyntheticModelWarning(UserWarning):
    """A model trained on synthetic faces is used on photographs."""


def synthetic_data_set_name(trained_on: dict) -> str:
    """The synthetic data set a checkpoint's ``meta['trained_on']`` (or a model entry) names."""
    dataset = str(trained_on.get('dataset') or '')
    name = SYNTHETIC_WFLW if not dataset or 'wflw' in dataset.lower() else f'a synthetic {dataset} set'
    ann_file = trained_on.get('ann_file')
    return f'{name}, {ann_file}' if ann_file else name


def synthetic_model_message(model_name: str, trained_on: dict) -> str:
    return (f'{model_name} was trained on {synthetic_data_set_name(trained_on)}: on photographs its landmarks '
            f'are rough (the released models reach NME 4.4-4.9 % on WFLW). For real photos use a released '
            f"model: --model wflw (demo/inferencer_demo.py) or FaceLandmarkInferencer('wflw'); it is "
            f'downloaded once (see docs/inference.md).')


def warn_if_synthetic(model_name: str, trained_on: dict, stacklevel: int = 3) -> bool:
    """Warn (:class:`SyntheticModelWarning`) when ``trained_on`` says synthetic; returns whether it did."""
    if not (trained_on or {}).get('synthetic'):
        return False
    warnings.warn(synthetic_model_message(model_name, trained_on), SyntheticModelWarning, stacklevel=stacklevel)
    return True


@contextlib.contextmanager
def warnings_as_lines(category=SyntheticModelWarning, stream=None):
    """Within the block, each warning of ``category`` is printed as one line
    ``warning: <message>`` (no source line), every time; others as usual."""
    with warnings.catch_warnings():  # restores showwarning and the filters afterwards
        warnings.simplefilter('always', category)
        show_others = warnings.showwarning

        def show(message, warning_category, filename, lineno, file=None, line=None):
            if issubclass(warning_category, category):
                print(f'warning: {message}', file=stream or sys.stderr)
            else:
                show_others(message, warning_category, filename, lineno, file, line)
        warnings.showwarning = show
        yield
