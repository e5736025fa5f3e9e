"""Start one checked-out tree's servers the way that tree's own tests do, for ``bench.hops``.

Run with that tree's interpreter, from its root: ``python hops_driver.py WORKDIR``. It
imports the tree's own helper (``harness/servers.py``, or ``tests/servers.py`` in older
commits), starts the action and Rasa servers with the variables in ``HOPS_SERVER_ENV``
(JSON) added, prints one JSON line (the Rasa URL and both process ids), and stops the
servers when its standard input closes. It must run on old commits: standard library and
the tree's helper only.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

HELPERS = ("harness.servers", "tests.servers")


def helper() -> Any:
    """The tree's module that starts its servers."""
    sys.path.insert(0, os.getcwd())
    for name in HELPERS:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name not in (name, name.split(".")[0]):
                raise
    raise SystemExit(f"none of {HELPERS} in {os.getcwd()}")


def main() -> None:
    """Start, report, wait, stop."""
    workdir = Path(sys.argv[1])
    overrides = json.loads(os.environ.get("HOPS_SERVER_ENV", "{}"))
    module = helper()
    servers = module.BotServers.create(workdir, **overrides)
    try:
        servers.start()
        pids = {name: process.pid for name, process in servers.processes.items()}
        print(json.dumps({"helper": module.__name__, "rasa_url": servers.rasa_url, "pids": pids}))
        sys.stdout.flush()
        sys.stdin.read()
    finally:
        servers.stop_all()


if __name__ == "__main__":
    main()
