"""mmpose_face: WFLW face landmark regression (DeepPose) on mmengine."""
import os.path as osp

from setuptools import find_packages, setup


def read_requirements(path):
    with open(osp.join(osp.dirname(__file__), path)) as f:
        return [line.split('#')[0].strip() for line in f if line.split('#')[0].strip()]


setup(
    name='mmpose_face',
    version='0.1.0',
    description='Config-driven WFLW face landmark regression (DeepPose) on mmengine',
    long_description=open(osp.join(osp.dirname(__file__), 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('tests', 'tests.*', 'configs', 'tools')),
    python_requires='>=3.9',
    install_requires=read_requirements('requirements.txt'),
    extras_require={'tests': read_requirements('requirements/tests.txt'),
                    'albumentations': read_requirements('requirements/albu.txt'),
                    'tensorboard': read_requirements('requirements/tensorboard.txt'),
                    'detectors': read_requirements('requirements/detectors.txt')},
    license='Apache-2.0',
)
