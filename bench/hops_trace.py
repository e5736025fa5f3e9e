"""The tracer of ``bench/hops.py``, run in the servers as their ``sitecustomize``.

It is copied as ``sitecustomize.py`` to a folder put first on the servers' PYTHONPATH, so
it works on any commit without touching that commit's code.

It does nothing unless ``HOPS_TRACE_OUT`` (a folder) and ``HOPS_TRACE_ROOT`` (the checked
out tree) are set. Then it only installs two signal handlers: ``START_SIGNAL`` clears the
record and installs a profile function (``sys.setprofile`` and ``threading.setprofile``);
``STOP_SIGNAL`` removes it and writes ``<pid>.json`` to the folder. Start-up runs
untraced. Each signal is acknowledged by a file (``<pid>.started``, then the JSON), so
the sender knows it arrived. Sanic 21.12 and Rasa take SIGINT and SIGTERM, and Sanic's
gunicorn worker SIGUSR1, so real-time signals nobody uses are taken instead.

Only calls of code in the tree's own ``.py`` files are recorded (not ``.venv`` nor any
``site-packages``), and not comprehensions or generator expressions, which are parts of
the function around them. Chains leave out the frames that were already running when
tracing started (the launcher's ``main()`` running the event loop, say): they did not
run for the message. Standard library only: it runs in any commit's environment.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from types import FrameType
from typing import Any

START_SIGNAL = signal.SIGRTMIN + 4
STOP_SIGNAL = signal.SIGRTMIN + 5
LIBRARY = "rasa/library"  # every caller that is not the project's own code
SKIPPED = ("<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>")
EXCLUDED_PARTS = (".venv", "venv", "site-packages", "dist-packages", "node_modules")


class Recorder:
    """What ran of the project's code between the two signals, in one process."""

    def __init__(self, root: str, out: str) -> None:
        self.root = os.path.realpath(root)
        self.out = out
        self.active = False
        self._modules: dict[str, str | None] = {}  # file name -> module, None: not ours
        self.clear()

    def clear(self) -> None:
        """Forget everything recorded."""
        self.calls: dict[str, int] = {}  # "module:function" -> calls
        self.edges: dict[tuple[str, str], int] = {}  # (caller node, callee module) -> calls
        self.longest: list[str] = []  # the deepest chain of project functions seen
        self.threads: set[str] = set()
        self.before: set[int] = set()  # frames already running at the start: not counted

    def module_of(self, filename: str) -> str | None:
        """The dotted module name of a project file, or None for any other code."""
        try:
            return self._modules[filename]
        except KeyError:
            pass
        module = None
        path = os.path.realpath(filename) if filename.endswith(".py") else ""
        if path.startswith(self.root + os.sep):
            parts = os.path.relpath(path, self.root)[: -len(".py")].split(os.sep)
            if not any(part in EXCLUDED_PARTS for part in parts):
                if parts[-1] == "__init__" and len(parts) > 1:
                    parts.pop()
                module = ".".join(parts)
        self._modules[filename] = module
        return module

    def function_of(self, frame: FrameType) -> str | None:
        """``module:function`` for a project frame that counts, else None."""
        code = frame.f_code
        module = self.module_of(code.co_filename)
        if module is None or code.co_name in SKIPPED:
            return None
        return f"{module}:{code.co_name}"

    def profile(self, frame: FrameType, event: str, arg: Any) -> None:
        """The profile function: note each call of a project function."""
        if event != "call" or not self.active:
            return
        function = self.function_of(frame)
        if function is None:
            return
        module = function.split(":", 1)[0]
        self.calls[function] = self.calls.get(function, 0) + 1
        self.threads.add(threading.current_thread().name)
        caller: FrameType | None = frame.f_back
        caller_module = self.module_of(caller.f_code.co_filename) if caller else None
        edge = (caller_module or LIBRARY, module)
        if edge[0] != module:
            self.edges[edge] = self.edges.get(edge, 0) + 1
        chain = [function]
        while caller is not None:
            above = self.function_of(caller)
            if above is not None and id(caller) not in self.before:
                chain.append(above)
            caller = caller.f_back
        if len(chain) > len(self.longest):
            self.longest = chain[::-1]

    def start(self, *_: object) -> None:
        """Signal handler: record from now on."""
        self.clear()
        running: FrameType | None = sys._getframe()
        while running is not None:  # e.g. the launcher's main(), which runs the event loop
            self.before.add(id(running))
            running = running.f_back
        self.active = True
        threading.setprofile(self.profile)
        sys.setprofile(self.profile)
        with open(os.path.join(self.out, f"{os.getpid()}.started"), "w") as marker:
            marker.write("started\n")

    def stop(self, *_: object) -> None:
        """Signal handler: stop recording and write what was recorded."""
        self.active = False  # threads that got the profile function keep it: now idle
        sys.setprofile(None)
        threading.setprofile(None)
        record = {
            "pid": os.getpid(),
            "root": self.root,
            "argv": sys.argv,
            "calls": self.calls,
            "edges": [[a, b, n] for (a, b), n in sorted(self.edges.items())],
            "longest": self.longest,
            "threads": sorted(self.threads),
        }
        path = os.path.join(self.out, f"{os.getpid()}.json")
        with open(path + ".tmp", "w") as out:
            json.dump(record, out, indent=1)
        os.replace(path + ".tmp", path)


def install() -> Recorder | None:
    """Install the signal handlers if the environment asks for them."""
    out, root = os.environ.get("HOPS_TRACE_OUT"), os.environ.get("HOPS_TRACE_ROOT")
    if not out or not root:
        return None
    recorder = Recorder(root, out)
    signal.signal(START_SIGNAL, recorder.start)
    signal.signal(STOP_SIGNAL, recorder.stop)
    return recorder


RECORDER = install()
