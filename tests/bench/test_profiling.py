from dataclasses import dataclass, field

import pytest

from bench.profiling import category_times, import_times


@dataclass
class Frame:
    function: str
    file_path: str | None
    time: float
    children: list["Frame"] = field(default_factory=list)


def test_category_times_counts_the_outermost_match_once() -> None:
    root = Frame(
        "handle_text",
        "rasa/core/agent.py",
        10.0,
        [
            Frame(
                "parse_message",
                "/venv/rasa/core/processor.py",
                3.0,
                [Frame("parse_message", "/venv/rasa/core/processor.py", 2.0)],
            ),
            Frame(
                "_run_action",
                "/venv/rasa/core/processor.py",
                5.0,
                [Frame("_validate_action_result", "/venv/rasa/core/actions/action.py", 4.0)],
            ),
            Frame("save", "/venv/rasa/core/tracker_store.py", 1.5),
            Frame("retrieve", "/venv/rasa/core/tracker_store.py", 0.5),
        ],
    )
    times = category_times(root)
    assert times["NLU pipeline"] == 3.0
    assert times["running actions"] == 5.0
    assert times["tracker store (load/save)"] == 2.0
    assert times["policies (next action)"] == 0.0
    hotspot = category_times(root, [("check", "_validate_action_result", "actions/action.py")])
    assert hotspot == {"check": 4.0}


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 |     numpy.core
import time:       200 |        300 |   numpy
import time:      1000 |       1000 |     tensorflow.python
import time:       500 |       1500 |   tensorflow
import time:        50 |       1850 | rasa.core.agent
import time:        40 |         40 | spacy
import time:        10 |         10 | bench.profiling
something else on stderr
"""


def test_import_times_charge_each_package_its_outermost_imports() -> None:
    found = {i.package: i.seconds for i in import_times(IMPORTTIME)}
    assert found == pytest.approx(
        {"rasa": 0.00185, "tensorflow": 0.0015, "numpy": 0.0003, "spacy": 0.00004}
    )
    assert [i.package for i in import_times(IMPORTTIME, top=2)] == ["rasa", "tensorflow"]
