import pytest

from bot.launch import rasa_server
from bot.launch.settings import Settings


def test_rasa_runs_on_loopback_without_the_http_api() -> None:
    args = rasa_server.rasa_run_args(Settings.from_env({"RASA_PORT": "6100"}), [])
    assert args[:2] == ["rasa", "run"]
    assert args[args.index("--interface") + 1] == "127.0.0.1"
    assert args[args.index("--port") + 1] == "6100"
    assert "--enable-api" not in args
    cors = args[args.index("--cors") + 1 :]
    assert cors == ["http://127.0.0.1:8080", "http://localhost:8080"]


def test_action_timeout_is_seconds_not_minutes() -> None:
    import rasa.core.actions.action as remote_action

    before = remote_action.DEFAULT_REQUEST_TIMEOUT
    try:
        rasa_server.set_action_timeout(4.5)
        assert remote_action.DEFAULT_REQUEST_TIMEOUT == 4.5
    finally:
        remote_action.DEFAULT_REQUEST_TIMEOUT = before


def test_action_replies_are_still_validated_with_the_prebuilt_validator() -> None:
    import jsonschema
    import pytest
    from rasa.core.actions.action import RemoteAction

    before = RemoteAction._validate_action_result
    try:
        rasa_server.validate_action_replies_once()
        action = RemoteAction("action_answer_topic", None)
        good = {"events": [{"event": "slot", "name": "topic", "value": "x"}], "responses": []}
        assert action._validate_action_result(good)
        with pytest.raises(jsonschema.ValidationError, match="Failed to validate"):
            action._validate_action_result({"events": "not a list"})
    finally:
        RemoteAction._validate_action_result = before  # type: ignore[method-assign]


REPLIES = [
    {"events": [{"event": "slot", "name": "topic", "value": "x"}], "responses": []},
    {"events": [{"event": "followup", "name": "action_listen"}], "responses": [{"text": "hi"}]},
    {"events": [{"event": "bot", "text": "hello", "data": {"buttons": []}}]},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}}]},
    {"events": [], "responses": [{"text": "an answer", "buttons": [{"title": "More"}]}]},
    {},
    {"events": "not a list"},
    {"events": [{"name": "topic"}]},  # no event type
    {"events": [{"event": "nonsense"}]},
    {"events": [{"event": "slot", "name": 3, "value": "x"}]},
    {"events": [{"event": "bot", "text": 42}]},
    {"events": [{"event": "followup"}]},
    {"events": ["slot"]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"start": "a"}]}}]},
    {"responses": "not a list"},
    [],
    {"events": None},
]


def test_the_quick_reply_check_agrees_with_rasas_on_good_and_bad_replies() -> None:
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    check = rasa_server.reply_validator()
    verdicts = []
    for reply in REPLIES:
        try:
            jsonschema.validate(reply, schema)
            rasas = True
        except jsonschema.ValidationError:
            rasas = False
        try:
            check(reply)
            ours = True
        except jsonschema.ValidationError:
            ours = False
        assert ours == rasas, reply
        verdicts.append(ours)
    assert verdicts.count(True) >= 5 and verdicts.count(False) >= 8


@pytest.mark.parametrize(
    "change",
    [
        "set_action_timeout(",
        "validate_action_replies_once()",
        "action_fallback.install()",
        "keep_alive.install()",
        "limit_request_size()",
    ],
)
def test_the_launcher_makes_each_change_to_rasa_before_it_runs(change: str) -> None:
    import inspect

    source = inspect.getsource(rasa_server.main)
    assert change in source
    assert source.index(change) < source.index("rasa_main()")
