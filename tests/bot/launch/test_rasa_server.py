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
