"""Start the untrusted child program: ``python -I -B <this folder>/__main__.py <args>``.

The folder is loaded as a package of its own (never as part of ``grader``, which it must not
import), then its directory leaves ``sys.path`` so that nothing more is imported from it.
Arguments: ``<control fd> <trusted pid> <options JSON>`` start a zygote (see ``zygote.py``);
``--pipes [<config JSON>]`` serves one worker on stdin/stdout (without the JSON, its
first frame is the config) (see ``worker.serve_pipes``).
"""

import importlib.util
import json
import os
import sys

PACKAGE = "grader_sandbox_child"


def _load_package() -> None:
    """Import this folder as the package ``PACKAGE``."""
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        PACKAGE, os.path.join(here, "__init__.py"), submodule_search_locations=[here]
    )
    if spec is None or spec.loader is None:
        raise SystemExit("cannot load the sandbox child program")
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != here]


if __name__ == "__main__":
    _load_package()
    if sys.argv[1:2] == ["--pipes"]:
        from grader_sandbox_child.worker import serve_pipes

        serve_pipes(json.loads(sys.argv[2]) if len(sys.argv) > 2 else None)
    else:
        from grader_sandbox_child.zygote import zygote_main

        zygote_main(sys.argv)
