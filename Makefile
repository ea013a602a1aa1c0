# The two commands of the README: `make demo` and `make test`. Both install
# what is missing into .venv first: torch from PyPI unless told otherwise.
#   TORCH_SPEC   the torch packages to install (default: the tested versions)
#   TORCH_INDEX  a pip index to take them from, e.g. the CPU-only build on a machine
#                without a GPU: make TORCH_INDEX=https://download.pytorch.org/whl/cpu
VENV ?= .venv
PYTHON ?= python3
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1
TORCH_INDEX ?=
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

DEMO_RELEASE := data/synthetic_wflw_release
DEMO_DATA := data/synthetic_wflw
DEMO_CONFIG := configs/face_2d_keypoint/topdown_regression/wflw/td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py
DEMO_WORK := work_dirs/demo
DEMO_CKPT := $(DEMO_WORK)/epoch_12.pth

.PHONY: install test demo

install: $(STAMP)

$(STAMP): requirements.txt requirements/tests.txt requirements/tensorboard.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip 'setuptools<81' wheel
	$(PY) -m pip install -q $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX) )$(TORCH_SPEC)
	$(PY) -m pip install -q -r requirements.txt -r requirements/tests.txt -r requirements/tensorboard.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# one pytest-xdist worker per core, one thread each (tests/conftest.py), a file per worker at a
# time (its module fixtures built once); the long-running learning tests go first
test: install
	$(PY) -m pytest -q -n auto --dist loadfile --no-loadscope-reorder tests

# mmpose 1.3.2 side by side (docs/mmpose_compatibility.md): its own venv
# .venv-mmpose (about 3 minutes the first time), then ResNet-50 predictions compared.
.PHONY: compare-mmpose
compare-mmpose: install
	bash benchmarks/mmpose_reference/setup_env.sh
	$(PY) benchmarks/compare_with_mmpose.py

# Quick start: draw a synthetic WFLW set, convert it, train, test with the full
# table, summarise. Each step is skipped when its output exists; the test's
# pictures go to one folder ($(DEMO_WORK)/vis_test), rewritten by each rerun.
demo: install
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory $(DEMO_CKPT) && \
	$(PY) tools/test.py $(DEMO_CONFIG) $(DEMO_CKPT) --work-dir $(DEMO_WORK) \
		--out $(DEMO_WORK)/metrics.json --dump $(DEMO_WORK)/predictions.json \
		--show-dir $(CURDIR)/$(DEMO_WORK)/vis_test && \
	$(PY) tools/misc/summarize_demo.py $(DEMO_WORK) --checkpoint $(DEMO_CKPT) --seconds $$(( $$(date +%s) - start ))

$(DEMO_RELEASE)/synthetic_wflw.json:
	$(PY) tools/dataset_converters/make_synthetic_wflw.py --out $(DEMO_RELEASE) --train 2000 --test 500 --seed 0

$(DEMO_DATA)/annotations/face_landmarks_wflw_test.json: $(DEMO_RELEASE)/synthetic_wflw.json
	rm -rf $(DEMO_DATA)
	$(PY) tools/dataset_converters/wflw2coco.py $(DEMO_RELEASE) $(DEMO_DATA)

$(DEMO_CKPT): $(DEMO_DATA)/annotations/face_landmarks_wflw_test.json
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK) --resume
