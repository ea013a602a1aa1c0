# Sourced by the launchers in tools/ (dist_*.sh, slurm_*.sh): the Python they run is
# $PYTHON when set, else the repository's .venv/bin/python when it exists (what
# `make` installs; no need to activate it), else `python` from PATH.
if [ -z "$PYTHON" ]; then
    _repository="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    if [ -x "$_repository/.venv/bin/python" ]; then
        PYTHON="$_repository/.venv/bin/python"
    else
        PYTHON=python
    fi
fi
