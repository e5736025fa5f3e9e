"""A stand-in server for the supervisor's tests: answers 200 on loopback, notes SIGTERM.

``python fake_server.py PORT NAME LOG [--ignore-term]``: on SIGTERM it writes NAME to LOG
and exits, unless ``--ignore-term``.
"""

from __future__ import annotations

import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any


class Ok(BaseHTTPRequestHandler):
    """200 with an empty body for every GET."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


def main(argv: list[str]) -> None:
    port, name, log = int(argv[0]), argv[1], Path(argv[2])

    def on_term(signum: int, frame: object) -> None:
        if "--ignore-term" in argv:
            return
        with log.open("a") as file:
            file.write(name + "\n")
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_term)
    HTTPServer(("127.0.0.1", port), Ok).serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
