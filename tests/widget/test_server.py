"""The demo page's static server: routes, headers, the templated config, start-up checks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.launch import widget_server
from bot.launch.run import wait_until_ready
from bot.launch.settings import PROJECT_DIR, Settings
from harness.servers import free_port

RASA = "http://127.0.0.1:5123"


def test_csp_allows_only_self_and_the_rasa_server() -> None:
    policy = widget_server.content_security_policy(RASA)
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == f"'self' {RASA} ws://127.0.0.1:5123"
    assert "unsafe" not in policy


def test_csp_uses_wss_for_an_https_rasa_server() -> None:
    policy = widget_server.content_security_policy("https://bot.example.org/")
    assert "connect-src 'self' https://bot.example.org wss://bot.example.org" in policy


def test_render_page_fills_in_the_rasa_url_as_json() -> None:
    template = '<script type="application/json">{"serverUrl": "__RASA_URL__"}</script>'
    page = widget_server.render_page(template, 'http://x/</script><script>"')
    config = page.removeprefix('<script type="application/json">').removesuffix("</script>")
    assert "</script><script>" not in config
    assert json.loads(config)["serverUrl"] == 'http://x/</script><script>"'


def test_the_demo_page_has_the_placeholder_and_no_inline_script() -> None:
    html = (PROJECT_DIR / "widget" / "demo" / "index.html").read_text()
    assert widget_server.RASA_URL_PLACEHOLDER in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts == [
        ' type="application/json" id="lems-chat-config"',
        ' src="/lems-chat.js" defer',
    ]
    assert "http" not in re.sub(r"<!--.*?-->", "", html, flags=re.S).split("</head>")[0]


def test_a_missing_bundle_stops_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="run `make widget` first"):
        widget_server.check_bundle(tmp_path / "lems-chat.js")


def test_command_passes_host_port_and_rasa_url() -> None:
    settings = Settings(rasa_port=5999, widget_port=8999)
    command = widget_server.widget_server_command(settings)
    assert command[:3] == [sys.executable, "-m", "bot.launch.widget_server"]
    assert command[3:] == [
        "--host",
        "127.0.0.1",
        "--port",
        "8999",
        "--rasa-url",
        "http://127.0.0.1:5999",
    ]


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """The real server on a free port (needs the built bundle)."""
    widget_server.check_bundle()
    settings = Settings(rasa_port=5123, widget_port=free_port())
    process = subprocess.Popen(
        widget_server.widget_server_command(settings),
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_ready(settings.widget_url + "/", process, 30)
        yield settings.widget_url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/lems-chat.js", "text/javascript; charset=utf-8"),
        ("/lems-chat.css", "text/css; charset=utf-8"),
        ("/demo.css", "text/css; charset=utf-8"),
    ],
)
def test_serves_the_page_and_bundle_with_security_headers(
    served: str, path: str, content_type: str
) -> None:
    with urllib.request.urlopen(served + path) as response:
        assert response.headers["Content-Type"] == content_type
        assert (
            "connect-src 'self' http://127.0.0.1:5123 "
            in response.headers["Content-Security-Policy"]
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        body = response.read().decode()
    if path == "/":
        assert '"serverUrl": "http://127.0.0.1:5123"' in body


@pytest.mark.parametrize("path", ["/missing", "/../pyproject.toml", "/widget/src/index.js"])
def test_other_paths_are_not_found(served: str, path: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(served + path)
    assert error.value.code == 404
