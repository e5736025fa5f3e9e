"""A stand-in action server on loopback: it answers every action with one fixed text.

It counts requests and notes each connection; with :attr:`StandInActionServer.release`
cleared it holds every answer until the event is set again (at most a minute).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


class StandInActionServer:
    """Answers every POST with ``{"responses": [{"text": ANSWER}]}`` (HTTP/1.1 keep-alive)."""

    ANSWER = "An answer from the stand-in action server."

    def __init__(self, host: str, port: int) -> None:
        """Listen on ``host``:``port`` (loopback) in a thread, answering at once."""
        self.release = threading.Event()
        self.release.set()
        self.requests = 0
        self.connections: list[str] = []
        self._sockets: list[socket.socket] = []
        body = json.dumps({"events": [], "responses": [{"text": self.ANSWER}]}).encode()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections open, as Sanic does

            def setup(self) -> None:
                super().setup()
                outer.connections.append(str(self.client_address))
                outer._sockets.append(self.connection)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests += 1
                outer.release.wait(timeout=60)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Answer what is held, stop, and close the kept connections (or a Rasa server would
        go on using them)."""
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        for kept in self._sockets:
            with contextlib.suppress(OSError):
                kept.shutdown(socket.SHUT_RDWR)
            kept.close()
        self.thread.join(timeout=5)

    def __enter__(self) -> StandInActionServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
