"""The ``mmpose-face`` command: the tools of ``tools/`` for an installed package.

``mmpose-face train CONFIG [train.py options]``, ``mmpose-face test CONFIG
CHECKPOINT [test.py options]``, any other tool by its file name
(``mmpose-face wflw2coco ...``), and ``mmpose-face configs`` to list the
shipped configs. CONFIG is a path or a shipped config's name
(``td-reg_res50_softwingloss_8xb64-210e_wflw-256x256`` or
``mmpose_face::face_2d_keypoint/...``). The command runs the very script
of ``tools/`` (from the clone, or the copy the wheel ships), so the two
cannot drift apart.
"""
import os
import os.path as osp
import runpy
import sys

from mmpose_face.installation import config_names, shipped_dir

USAGE = ('usage: mmpose-face {train,test,configs,TOOL} ...\n'
         '  train CONFIG [options]        tools/train.py (mmpose-face train -h)\n'
         '  test CONFIG CHECKPOINT [...]  tools/test.py\n'
         '  configs                       list the shipped configs (a name or a path is a CONFIG)\n'
         '  TOOL [...]                    any other tool of tools/ by its file name, e.g. wflw2coco')


def find_tool(name: str) -> str:
    """The script ``tools/**/NAME.py``, or ``None``."""
    root = shipped_dir('tools')
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        if name + '.py' in files:
            return osp.join(folder, name + '.py')
    return None


def main(argv=None) -> int:
    """Run one tool with the remaining arguments; its exit status is the command's."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(USAGE)
        return 0 if argv else 2
    command, arguments = argv[0], argv[1:]
    if command == 'configs':
        print('\n'.join(config_names()))
        return 0
    script = find_tool(command) if command.replace('-', '_').isidentifier() else None  # a name, not a path
    if script is None:
        print(f'mmpose-face: no tool named {command!r} in {shipped_dir("tools")}\n{USAGE}', file=sys.stderr)
        return 2
    sys.argv = [script, *arguments]
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit as finished:  # the tools end with sys.exit(status)
        if finished.code is None or isinstance(finished.code, int):
            return finished.code or 0
        print(finished.code, file=sys.stderr)  # sys.exit('message'), as argparse and Python do it
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
