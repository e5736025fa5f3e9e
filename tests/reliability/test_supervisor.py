"""``make run`` supervises its servers: one that dies is restarted, the others go on.

Through the real launcher on free loopback ports: the Rasa server answers safely while
the action server is down, the action server is back within a bound, and Ctrl-C still
stops everything, letting a message in hand finish.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import knowledge
from bot.safety import Alarm, default_rules
from tests.reliability.launcher import Launcher

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

UNAVAILABLE = knowledge.default().phrases["action_unavailable"]
EMERGENCY = default_rules().message(Alarm.EMERGENCY)
REPLY_SECONDS = 10  # a patient's answer, whatever the action server does
BACK_SECONDS = 60  # the action server answering again after it was killed
TIMEOUT_SECONDS = 3  # ACTION_TIMEOUT_SECONDS for these tests


def fresh() -> str:
    return f"sup-{uuid.uuid4().hex[:10]}"


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    running = Launcher.start(tmp_path, ACTION_TIMEOUT_SECONDS=str(TIMEOUT_SECONDS))
    try:
        yield running
    finally:
        running.kill()


def test_a_killed_action_server_is_restarted_and_patients_get_the_safe_reply_meanwhile(
    launcher: Launcher,
) -> None:
    assert "autoimmune" in launcher.say(fresh(), "what is LEMS")
    before = launcher.servers()
    os.kill(before["actions"], signal.SIGKILL)

    started = time.monotonic()
    assert launcher.say(fresh(), "what are the side effects?").startswith(UNAVAILABLE)
    assert launcher.say(fresh(), "my throat is swelling and I can't breathe").startswith(EMERGENCY)
    assert time.monotonic() - started < REPLY_SECONDS

    while "autoimmune" not in launcher.say(fresh(), "what is LEMS"):
        assert time.monotonic() - started < BACK_SECONDS, launcher.log()[-3000:]
        time.sleep(1)
    after = launcher.servers()
    assert after["actions"] != before["actions"]
    assert after["rasa"] == before["rasa"] and after["widget"] == before["widget"]
    log = launcher.log()
    assert "The action server stopped unexpectedly (killed by SIGKILL)." in log
    assert "The action server is back" in log

    assert launcher.interrupt() == 0
    assert "Closed 1 kept session(s) to the action server." in launcher.log()
    assert not any(port_open(port) for port in launcher.ports.values())


def test_ctrl_c_lets_the_rasa_server_finish_the_message_in_hand(launcher: Launcher) -> None:
    os.kill(launcher.servers()["actions"], signal.SIGSTOP)  # it hangs: the reply waits
    replies: list[str] = []
    asking = threading.Thread(
        target=lambda: replies.append(launcher.say(fresh(), "what is LEMS")), daemon=True
    )
    asking.start()
    time.sleep(1)  # the message is in hand, waiting for the action server
    assert launcher.interrupt() == 0
    asking.join(timeout=REPLY_SECONDS)
    assert replies and replies[0].startswith(UNAVAILABLE)
    assert not any(port_open(port) for port in launcher.ports.values())
