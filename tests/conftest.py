"""Tests run from the repository root: configs and tests/data are addressed relative to it."""
import os
import os.path as osp

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
os.chdir(REPO_ROOT)
