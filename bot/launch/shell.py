"""``make shell``: chat with the running bot in the terminal, through its REST channel."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any

from bot.launch.settings import Settings


def ask(url: str, sender: str, message: str) -> list[dict[str, Any]]:
    """Send one message to the REST webhook and return the bot's replies."""
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        replies: list[dict[str, Any]] = json.load(response)
    return replies


def main() -> int:
    """Read lines from the terminal until end of input or /quit."""
    settings = Settings.from_env()
    url = settings.rasa_url + "/webhooks/rest/webhook"
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    print("Ask about mycophenolate and LEMS. Type /quit to leave. Buttons: type their number.")
    buttons: list[dict[str, Any]] = []
    while True:
        try:
            line = input("you> ").strip()
        except EOFError:
            return 0
        if line == "/quit":
            return 0
        if line.isdigit() and 0 < int(line) <= len(buttons):
            line = str(buttons[int(line) - 1]["payload"])
        try:
            replies = ask(url, sender, line)
        except (urllib.error.URLError, OSError) as exc:
            print(f"The bot is not reachable at {url} ({exc}). Is `make run` running?")
            continue
        buttons = []
        for reply in replies:
            print(f"bot> {reply.get('text', '')}")
            for button in reply.get("buttons") or []:
                buttons.append(button)
                print(f"  [{len(buttons)}] {button['title']}")


if __name__ == "__main__":
    sys.exit(main())
