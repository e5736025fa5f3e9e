from bot.limits import MAX_MESSAGE_CHARS, truncate_message


def test_short_messages_are_untouched() -> None:
    assert truncate_message("hello") == "hello"


def test_long_messages_are_cut_at_the_limit() -> None:
    assert truncate_message("x" * 112_000) == "x" * MAX_MESSAGE_CHARS
    assert truncate_message("abcdef", 3) == "abc"
