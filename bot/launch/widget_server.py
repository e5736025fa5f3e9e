"""Serve the web widget's demo page and bundle (``python -m bot.launch.widget_server``).

A small static server for loopback use. Every answer carries a Content-Security-Policy
that lets the page load only its own files and talk only to the Rasa server, so the
page needs nothing from any other host. The demo page's config block gets the Rasa
server's URL filled in here, so a non-default ``RASA_PORT`` works.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from bot.launch.channels import env_file, load_dotenv
from bot.launch.settings import PROJECT_DIR, Settings

WIDGET_DIR = PROJECT_DIR / "widget"
BUNDLE = WIDGET_DIR / "dist" / "lems-chat.js"
RASA_URL_PLACEHOLDER = '"__RASA_URL__"'  # the JSON string in demo/index.html


@dataclass(frozen=True)
class Asset:
    """A file the server answers with."""

    path: Path
    content_type: str
    templated: bool = False  # the demo page: fill in the Rasa URL


HTML = "text/html; charset=utf-8"
CSS = "text/css; charset=utf-8"
JS = "text/javascript; charset=utf-8"
SVG = "image/svg+xml"

ROUTES: dict[str, Asset] = {
    "/": Asset(WIDGET_DIR / "demo" / "index.html", HTML, templated=True),
    "/index.html": Asset(WIDGET_DIR / "demo" / "index.html", HTML, templated=True),
    "/demo.css": Asset(WIDGET_DIR / "demo" / "demo.css", CSS),
    "/favicon.svg": Asset(WIDGET_DIR / "demo" / "favicon.svg", SVG),
    "/lems-chat.js": Asset(BUNDLE, JS),
    "/lems-chat.css": Asset(WIDGET_DIR / "dist" / "lems-chat.css", CSS),
}


def websocket_url(http_url: str) -> str:
    """The ws:// (or wss://) form of an http(s) URL."""
    scheme, rest = http_url.split("://", 1)
    return ("wss" if scheme == "https" else "ws") + "://" + rest


def origin(url: str) -> str:
    """scheme://host:port of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(rasa_url: str) -> str:
    """Own files only, no inline scripts, and connections only to the Rasa server."""
    rasa = origin(rasa_url)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            f"connect-src 'self' {rasa} {websocket_url(rasa)}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def render_page(template: str, rasa_url: str) -> str:
    """The demo page with the Rasa server's URL in its config block."""
    if RASA_URL_PLACEHOLDER not in template:
        raise ValueError(f"the demo page has no {RASA_URL_PLACEHOLDER} placeholder")
    # JSON inside <script type="application/json">: "<" escaped so it cannot close the tag
    value = json.dumps(rasa_url).replace("<", "\\u003c")
    return template.replace(RASA_URL_PLACEHOLDER, value)


class WidgetHandler(BaseHTTPRequestHandler):
    """GET/HEAD for the files in :data:`ROUTES`; 404 for anything else."""

    def version_string(self) -> str:
        """The Server header: no Python version."""
        return "lems-widget"

    def __init__(self, *args: object, rasa_url: str, **kwargs: object) -> None:
        self.rasa_url = rasa_url
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def do_GET(self) -> None:
        """Answer with the file and headers."""
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        """Answer with the headers only."""
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        asset = ROUTES.get(urlsplit(self.path).path)
        if asset is None or not asset.path.is_file():
            self._send(404, b"Not found\n", "text/plain; charset=utf-8", send_body)
            return
        body = asset.path.read_bytes()
        if asset.templated:
            body = render_page(body.decode("utf-8"), self.rasa_url).encode("utf-8")
        self._send(200, body, asset.content_type, send_body)

    def _send(self, status: int, body: bytes, content_type: str, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", content_security_policy(self.rasa_url))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if send_body:
            self.wfile.write(body)


def check_bundle(bundle: Path = BUNDLE) -> None:
    """Stop with a clear message if the widget has not been built."""
    if not bundle.is_file():
        raise SystemExit(f"The widget bundle {bundle} is missing: run `make widget` first.")


def widget_server_command(settings: Settings) -> list[str]:
    """The command that serves the demo page for ``settings``."""
    return [
        sys.executable,
        "-m",
        "bot.launch.widget_server",
        "--host",
        settings.widget_host,
        "--port",
        str(settings.widget_port),
        "--rasa-url",
        settings.rasa_url,
    ]


def parse_args(argv: list[str], settings: Settings) -> argparse.Namespace:
    """Command-line options; the defaults come from the environment's settings."""
    parser = argparse.ArgumentParser(description="Serve the web widget's demo page.")
    parser.add_argument("--host", default=settings.widget_host)
    parser.add_argument("--port", type=int, default=settings.widget_port)
    parser.add_argument(
        "--rasa-url", default=settings.rasa_url, help="the Rasa server as the browser sees it"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    """Serve until interrupted."""
    load_dotenv(env_file())  # the same .env as the Rasa server, so RASA_PORT agrees
    args = parse_args(argv, Settings.from_env())
    if urlsplit(args.rasa_url).scheme not in ("http", "https"):
        raise SystemExit(f"--rasa-url must be an http(s) URL, got '{args.rasa_url}'")
    check_bundle()
    handler = partial(WidgetHandler, rasa_url=args.rasa_url.rstrip("/"))
    with ThreadingHTTPServer((args.host, args.port), handler) as server:
        print(f"Demo page with the chat widget: http://{args.host}:{args.port}/", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
