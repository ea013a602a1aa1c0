"""mmpose_face: WFLW face landmark regression (DeepPose) on mmengine.

The wheel carries the repository's ``configs/`` and ``tools/*.py`` in
``mmpose_face/.mim/`` (as mmpose's does), copied there at build time, so an
installed package finds them by name (:mod:`mmpose_face.installation`); git
holds one copy, in the repository root.
"""
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))
SHIPPED_FOLDERS = ('configs', 'tools')  # into mmpose_face/.mim/


def read_requirements(path):
    with open(osp.join(HERE, path)) as f:
        return [line.split('#')[0].strip() for line in f if line.split('#')[0].strip()]


def _python_files_only(folder, names):
    return [name for name in names
            if name == '__pycache__' or (osp.isfile(osp.join(folder, name)) and not name.endswith('.py'))]


class BuildWithShippedFiles(build_py):
    """``build_py``, then ``configs/`` and ``tools/`` (Python files) into ``mmpose_face/.mim/``."""

    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads them from the clone itself
            return
        for folder in SHIPPED_FOLDERS:
            target = osp.join(self.build_lib, 'mmpose_face', '.mim', folder)
            if osp.isdir(target):
                shutil.rmtree(target)
            shutil.copytree(osp.join(HERE, folder), target, ignore=_python_files_only)


setup(
    name='mmpose_face',
    version='0.1.0',
    description='Config-driven WFLW face landmark regression (DeepPose) on mmengine',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'configs.*', 'tools', 'tools.*')),
    cmdclass={'build_py': BuildWithShippedFiles},
    entry_points={'console_scripts': ['mmpose-face = mmpose_face.apis.console_entry:main']},
    python_requires='>=3.9',
    install_requires=read_requirements('requirements.txt'),
    extras_require={'tests': read_requirements('requirements/tests.txt'),
                    'albumentations': read_requirements('requirements/albu.txt'),
                    'tensorboard': read_requirements('requirements/tensorboard.txt'),
                    'detectors': read_requirements('requirements/detectors.txt')},
    license='Apache-2.0',
)
