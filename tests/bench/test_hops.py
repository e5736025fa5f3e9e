"""bench/hops_trace.py and bench/hops.py on a tiny package traced in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from bench import hops, hops_trace

PACKAGE = {
    "pkg/__init__.py": "",
    "pkg/a.py": """
        import threading
        import vend
        from pkg import b, c, d

        def before_window():
            return b.f() + d.only_outside()

        def outer(start):
            start()  # outer was running when tracing started: not on any chain
            return run()

        def run():
            worker = threading.Thread(target=c.in_thread)
            worker.start()
            worker.join()
            return b.f() + vend.call_back(b.called_back)

        def after_window():
            return d.only_outside()
    """,
    "pkg/b.py": """
        from pkg import c

        def f():
            return sum([c.g(x) for x in range(2)])

        def called_back():
            return 1
    """,
    "pkg/c.py": """
        def g(x):
            return x

        def in_thread():
            return 2
    """,
    "pkg/d.py": """
        def only_outside():
            return 3
    """,
    # a vendored library inside the tree: not the project's code
    ".venv/lib/vend.py": """
        def call_back(function):
            return function()
    """,
}

DRIVER = """
import os, signal, sys, time
from pkg import a

def send(sig, marker):
    os.kill(os.getpid(), sig)
    while not os.path.exists(os.path.join(os.environ["HOPS_TRACE_OUT"], marker)):
        time.sleep(0.01)

a.before_window()
a.outer(lambda: send(signal.SIGRTMIN + 4, f"{os.getpid()}.started"))
send(signal.SIGRTMIN + 5, f"{os.getpid()}.json")
a.after_window()
print(os.getpid())
"""


def trace(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    root, out, site = tmp_path / "project", tmp_path / "out", tmp_path / "site"
    for name, text in PACKAGE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    out.mkdir()
    site.mkdir()
    shutil.copy(hops_trace.__file__, site / "sitecustomize.py")
    (tmp_path / "driver.py").write_text(DRIVER)
    path = os.pathsep.join([str(site), str(root), str(root / ".venv" / "lib")])
    return subprocess.run(
        [sys.executable, str(tmp_path / "driver.py")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": path, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


def test_only_the_window_is_traced_as_a_module_graph(tmp_path: Path) -> None:
    done = trace(
        tmp_path, HOPS_TRACE_OUT=str(tmp_path / "out"), HOPS_TRACE_ROOT=str(tmp_path / "project")
    )
    record = json.loads((tmp_path / "out" / f"{done.stdout.strip()}.json").read_text())
    result = hops.figures({"process": record})

    assert result.modules == ["pkg.a", "pkg.b", "pkg.c"]  # not pkg.d, called only outside
    assert {(a, b) for a, b, _ in result.edges} == {
        ("rasa/library", "pkg.b"),  # the vendored library in .venv calling back
        ("rasa/library", "pkg.c"),  # the thread's start
        ("pkg.a", "pkg.b"),
        ("pkg.b", "pkg.c"),  # from inside a list comprehension of pkg.b
    }
    assert result.hops == 4  # pkg.a:run is called by pkg.a:outer: no hop
    assert set(record["calls"]) == {
        "pkg.a:run",
        "pkg.b:f",
        "pkg.b:called_back",
        "pkg.c:g",
        "pkg.c:in_thread",
    }
    assert record["calls"]["pkg.c:g"] == 2
    assert len(result.threads["process"]) == 2  # the main thread and the one it started
    assert result.longest["process"] == ["pkg.a:run", "pkg.b:f", "pkg.c:g"]
    assert result.chain == 3


def test_without_its_variables_the_tracer_installs_nothing(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    shutil.copy(hops_trace.__file__, tmp_path / "site" / "sitecustomize.py")
    code = (
        "import signal, sitecustomize;"
        "print(sitecustomize.RECORDER, signal.getsignal(signal.SIGRTMIN + 4))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOPS_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "PYTHONPATH": str(tmp_path / "site")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["None", "Handlers.SIG_DFL"]


def test_two_processes_are_merged_and_the_report_shows_the_ratio() -> None:
    rasa = {
        "calls": {"m.x:f": 1, "m.y:g": 2},
        "edges": [["rasa/library", "m.x", 1], ["m.x", "m.y", 2]],
        "longest": ["m.x:f", "m.y:g"],
    }
    actions = {
        "calls": {"m.z:h": 1},
        "edges": [["rasa/library", "m.z", 1], ["m.x", "m.y", 1]],
        "longest": ["m.z:h"],
    }
    result = hops.figures({"rasa": rasa, "actions": actions})
    assert result.modules == ["m.x", "m.y", "m.z"]
    assert result.edges == [
        ("m.x", "m.y", 3),
        ("rasa/library", "m.x", 1),
        ("rasa/library", "m.z", 1),
    ]
    assert (result.hops, result.chain, result.functions) == (3, 2, 3)

    smaller = hops.figures({"rasa": actions})
    now = hops.Measured("now", "new", dict.fromkeys(hops.CHANNELS, smaller))
    then = hops.Measured("then", "old", dict.fromkeys(hops.CHANNELS, result))
    text = hops.report(now, then, "make hops")
    assert "| rest | hops | 3 | 2 | 0.67 |" in text
    assert "- `m.x` → `m.y`: 3" in text
