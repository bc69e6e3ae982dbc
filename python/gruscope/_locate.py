"""Where GruScope's programs are: the window (``gruscope``) and the file-reading child
(``gruscope-parse``), in the build tree or installed, unless the environment names them."""

import os
import shutil

from . import _paths


def _executable(path):
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def parse_worker():
    """The gruscope-parse program the engine reads weight files with, or "" to let the engine
    search (beside the running program, then the build tree it was built in)."""
    env = os.environ.get("GRUSCOPE_PARSE_WORKER", "")
    if env:
        return env  # the engine reports it when it is not there
    return _paths.PARSE_WORKER if _executable(_paths.PARSE_WORKER) else ""


def app():
    """The GruScope window program: $GRUSCOPE_APP, then this build's or installation's
    ``gruscope``, then ``gruscope`` on PATH; None when there is none."""
    env = os.environ.get("GRUSCOPE_APP", "")
    if env:
        return env if _executable(env) else None
    if _executable(_paths.APP):
        return _paths.APP
    return shutil.which("gruscope")
