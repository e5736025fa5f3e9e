"""The exposed surface: no HTTP API, loopback only, CORS for configured origins, no secrets."""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import pytest

from bot.launch import rasa_server
from bot.launch.settings import PROJECT_DIR, Settings
from harness.servers import BotServers
from tests.reliability.client import request

JWT_SECRET = "j" * 32

# ------------------------------------------------------------------- the HTTP API


def test_the_http_api_is_off_by_default() -> None:
    args = rasa_server.rasa_run_args(Settings(), [], env={})
    assert "--enable-api" not in args and "--auth-token" not in args
    assert rasa_server.api_args({"RASA_ENABLE_API": "false"}) == []


@pytest.mark.parametrize("secret", [None, "", "too-short"])
def test_the_http_api_needs_a_jwt_secret(secret: str | None) -> None:
    env = {"RASA_ENABLE_API": "true"}
    if secret is not None:
        env["RASA_JWT_SECRET"] = secret
    with pytest.raises(SystemExit, match="RASA_JWT_SECRET"):
        rasa_server.api_args(env)


def test_the_http_api_when_asked_is_behind_a_jwt() -> None:
    env = {"RASA_ENABLE_API": "true", "RASA_JWT_SECRET": JWT_SECRET}
    args = rasa_server.rasa_run_args(Settings(), [], env=env)
    assert args[args.index("--enable-api") :][:3] == ["--enable-api", "--jwt-secret", JWT_SECRET]
    assert "--auth-token" not in args


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/status"),
        ("GET", "/version"),
        ("GET", "/domain"),
        ("GET", "/conversations/someone/tracker"),
        ("POST", "/conversations/someone/messages"),
        ("POST", "/model/parse"),
        ("PUT", "/model"),
    ],
)
def test_the_running_server_has_no_api_routes(bot: BotServers, method: str, path: str) -> None:
    data = b"{}" if method != "GET" else None
    assert request(bot.rasa_url + path, data, method=method, timeout=10).status in (404, 405)


# ------------------------------------------------------------------------ network


def outside_address() -> str | None:
    """This machine's address on its default route, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


@pytest.mark.e2e
def test_the_servers_listen_on_loopback_only(bot: BotServers) -> None:
    address = outside_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    for port in (bot.settings.rasa_port, bot.settings.action_port):
        with pytest.raises(OSError), socket.create_connection((address, port), timeout=3):
            pass
        with socket.create_connection(("127.0.0.1", port), timeout=3):
            pass  # and they do listen on loopback


@pytest.mark.e2e
def test_cors_allows_only_the_configured_origins(bot: BotServers) -> None:
    allowed = bot.settings.allowed_origins[0]
    url = bot.rasa_url + "/webhooks/rest/webhook"
    for origin, expected in [(allowed, allowed), ("https://evil.example", None)]:
        preflight = request(
            url,
            method="OPTIONS",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.headers.get("access-control-allow-origin") == expected, origin
        answer = request(
            url,
            b'{"sender": "cors-check", "message": "hello"}',
            {"Origin": origin, "Content-Type": "application/json"},
            method="POST",
        )
        assert answer.headers.get("access-control-allow-origin") == expected, origin


# ------------------------------------------------------------------------ secrets

# (name, pattern) of credentials that must never be committed
SECRET_PATTERNS = [
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")),
    ("Slack token", re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}")),
    ("Facebook token", re.compile(r"\bEAA[0-9A-Za-z]{20,}")),
    ("Twilio account SID", re.compile(r"\bAC[0-9a-f]{32}\b")),
    ("Twilio API key", re.compile(r"\bSK[0-9a-f]{32}\b")),
    ("API key (sk-)", re.compile(r"\bsk-(?:proj-|live_|test_)?[A-Za-z0-9_-]{20,}")),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}")),
    ("AWS key", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("Telegram bot token", re.compile(r"\b\d{8,10}:[A-Za-z0-9_-]{35}\b")),
    ("JWT", re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")),
]
URL_PASSWORD = re.compile(r"\b[a-z0-9+]+://[^/\s:@]+:([^@\s/]+)@")
# password=value, password: value, SLACK_TOKEN="value" ...
ASSIGNMENT = re.compile(
    r"""(?ix)\b[a-z_]*(?:pass(?:word|wd)?|secret|token)\b["']?\s*[=:]\s*(["']?)([^\s"',;)}\]#]*)"""
)
# not secrets: references (${VAR}), placeholders, obvious test values, plain words
NOT_SECRET = re.compile(
    r"""(?ix)^(?:\$.*|<.*|\*+|x+|\.\.\.|none|null|true|false|any|changeme|[a-z_]+\(.*)$
    |test|fake|example|dummy|placeholder"""
)
WORDS = re.compile(r"[a-z]+(?:[-_.][a-z]+)*")
ALLOWED_VALUES = {"not-logged-4f9c2"}  # the tests' own decoys: they guard nothing
SKIPPED = re.compile(r"(^|/)(uv\.lock|package-lock\.json)$|\.(png|jpg|gz|ico|woff2?)$|/dist/")
MAX_BYTES = 2_000_000
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|AUTH|SID|KEY")


def looks_real(value: str) -> bool:
    """Whether ``value`` could be a real credential (long, not a word, not a reference)."""
    return (
        len(value) >= 8
        and value not in ALLOWED_VALUES
        and not NOT_SECRET.search(value)
        and not WORDS.fullmatch(value)
    )


def committed_files() -> list[Path]:
    """Files git tracks, plus new files it does not ignore (caught before a commit)."""
    done = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT_DIR,
        capture_output=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 0:
        pytest.skip(f"not a git checkout: {done.stderr.decode().strip()}")
    listed = done.stdout.decode()
    return [PROJECT_DIR / name for name in listed.split("\0") if name and not SKIPPED.search(name)]


def findings_in(path: Path, text: str) -> list[str]:
    """Credentials in ``text`` (the file ``path``), one line each."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{path.relative_to(PROJECT_DIR)}:{number}"
        for name, pattern in SECRET_PATTERNS:
            found += [f"{where}: {name}" for m in pattern.finditer(line) if looks_real(m[0])]
        found += [f"{where}: URL password" for m in URL_PASSWORD.finditer(line) if looks_real(m[1])]
        for match in ASSIGNMENT.finditer(line):
            quoted, value = match.group(1), match.group(2)
            if path.suffix == ".py" and not quoted:
                continue  # a name or an expression in code, not a value
            if looks_real(value):
                found.append(f"{where}: {match.group(0)[:24]}...")
    return found


def test_no_secret_is_committed() -> None:
    files = committed_files()
    assert len(files) > 50, "git lists the project's files"
    findings = []
    for path in files:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            continue
        try:
            findings += findings_in(path, path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            continue
    assert not findings, "\n".join(findings)


def test_the_env_example_holds_placeholders_only() -> None:
    for line in (PROJECT_DIR / ".env.example").read_text().splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        name, value = (part.strip() for part in line.split("=", 1))
        if SECRET_NAME.search(name):
            assert not looks_real(value), name


# samples are split so that this file holds none of them whole
@pytest.mark.parametrize(
    ("name", "line"),
    [
        (".env", "SLACK_TOKEN=" + "xox" + "b-1234567890-abcdefghij"),
        ("keys.md", "-----BEGIN RSA " + "PRIVATE KEY-----"),
        ("settings.ini", "password=" + "hunter22"),
        ("endpoints.yml", "db_password: '" + "Tr0ub4dor&3'"),
        ("store.py", 'connect("postgresql://bot:' + 'r3alPass@db/x")'),
        ("twilio.yml", "sid: A" + "C0123456789abcdef0123456789abcdef"),
        ("client.py", 'token = "' + 'a8F3kq93mZ0pL2x"'),
    ],
)
def test_the_scanner_finds_secrets(name: str, line: str) -> None:
    assert findings_in(PROJECT_DIR / name, line), line


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("endpoints.yml", "password: ${POSTGRES_PASSWORD}"),
        ("start.sh", 'PG_PASSWORD="${POSTGRES_PASSWORD:-lems_test_only}"'),
        ("store.py", "password=password,"),
        ("store.py", "password: str | None = None,"),
        (".env.example", "TELEGRAM_SECRET_TOKEN="),
        ("launch.py", "secret = env.get('RASA_JWT_SECRET', '')"),
        ("retention.yaml", "# postgresql://user:password@host:5432/db"),
        ("test_slack.py", '"token": "deprecated-verification-token"'),
    ],
)
def test_the_scanner_passes_references_and_placeholders(name: str, line: str) -> None:
    assert not findings_in(PROJECT_DIR / name, line), line
