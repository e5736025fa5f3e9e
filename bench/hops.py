"""``make hops``: how many of the project's own modules one message passes through.

Usage: ``python -m bench.hops [--commit SHA] [--out docs/hops.md]``. It starts the real
action and Rasa servers of the current tree on loopback, and those of ``SHA`` (default
476adfa, the main when issue 12 was filed) in a temporary ``git worktree`` built and
trained by that commit's own ``make train``, each the way that tree's own test helper
starts them, with ``bench/hops_trace.py`` as their ``sitecustomize``. After warm-up
messages it traces one question per channel (the widget's socket.io, REST, Telegram)
in both servers, from a start signal sent before the message to a stop signal sent one
second after the last reply, and writes ``docs/hops.md``.

Figures per channel, over both server processes:

- **modules**: distinct project modules (the tree's own ``.py`` files, not ``.venv``)
  of which at least one function ran.
- **hops**: distinct caller-module -> callee-module edges of the module call graph, the
  callee a project module other than the caller; every caller outside the project
  (Rasa, Sanic, rasa_sdk, asyncio, ...) is the one node ``rasa/library``, so each way in
  from Rasa into our code is a hop.
- **longest chain**: the number of project functions on the deepest stack of nested
  calls seen in one process (library frames between them are not counted); the figure is
  the larger of the two servers', as the HTTP call to the action server breaks the stack.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench import hops_trace
from bench.markdown import table

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "476adfa"
QUESTION = "what are the side effects?"
WARM_UP = ("hello", "what is LEMS?")
SETTLE_SECONDS = 1.0  # silence after the last reply before tracing stops
REPLY_SECONDS = 60.0
READY_SECONDS = 600.0
CHANNELS = ("socket.io", "rest", "telegram")
TELEGRAM_CHAT = 4242
TELEGRAM_SECRET = "hops-telegram-secret"
TELEGRAM_ENV = {
    "TELEGRAM_ACCESS_TOKEN": f"123456:{secrets.token_hex(8)}",  # made per run, never real
    "TELEGRAM_BOT_NAME": "HopsBot",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
    "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
}
Replies = list[dict[str, Any]]


@dataclass
class Figures:
    """What ran of the project for one message on one channel, over both servers."""

    modules: list[str]
    edges: list[tuple[str, str, int]]  # caller node, callee module, calls
    longest: dict[str, list[str]]  # process -> its deepest chain of project functions
    functions: int
    threads: dict[str, list[str]] = field(default_factory=dict)  # process -> thread names
    reply: str = ""

    @property
    def hops(self) -> int:
        """Distinct module-to-module edges."""
        return len({(a, b) for a, b, _ in self.edges})

    @property
    def chain(self) -> int:
        """Project functions on the longest chain in either process."""
        return max((len(c) for c in self.longest.values()), default=0)


def figures(records: dict[str, dict[str, Any]]) -> Figures:
    """Combine the tracer's records (process name -> record) into one message's figures."""
    calls: dict[str, int] = {}
    edges: dict[tuple[str, str], int] = {}
    for record in records.values():
        for function, n in record["calls"].items():
            calls[function] = calls.get(function, 0) + n
        for caller, callee, n in record["edges"]:
            edges[(caller, callee)] = edges.get((caller, callee), 0) + n
    return Figures(
        modules=sorted({f.split(":", 1)[0] for f in calls}),
        edges=[(a, b, n) for (a, b), n in sorted(edges.items())],
        longest={name: list(r["longest"]) for name, r in records.items()},
        functions=len(calls),
        threads={name: list(r.get("threads", [])) for name, r in records.items()},
    )


@dataclass
class Tracing:
    """Start and stop the tracer in running server processes, by signal."""

    out: Path
    pids: dict[str, int]

    def _wait(self, paths: Sequence[Path], what: str) -> None:
        deadline = time.monotonic() + 30
        while not all(p.exists() for p in paths):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the servers did not {what}: {paths}")
            time.sleep(0.05)

    @contextlib.contextmanager
    def window(self) -> Iterator[dict[str, dict[str, Any]]]:
        """Trace while the block runs; the records (process name -> record) after it."""
        records: dict[str, dict[str, Any]] = {}
        for pid in self.pids.values():
            for suffix in (".started", ".json"):
                (self.out / f"{pid}{suffix}").unlink(missing_ok=True)
        for pid in self.pids.values():
            os.kill(pid, hops_trace.START_SIGNAL)
        self._wait([self.out / f"{pid}.started" for pid in self.pids.values()], "start")
        try:
            yield records
        finally:
            for pid in self.pids.values():
                os.kill(pid, hops_trace.STOP_SIGNAL)
            self._wait([self.out / f"{pid}.json" for pid in self.pids.values()], "stop")
        for name, pid in self.pids.items():
            records[name] = json.loads((self.out / f"{pid}.json").read_text())


class FakeTelegram:
    """Telegram's Bot API on loopback: answers every call as it does on success."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                method = self.path.rsplit("/", 1)[-1]
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                with fake.changed:
                    fake.sent.append({"method": method, **body})
                    fake.changed.notify_all()
                result: Any = {"message_id": len(fake.sent)} if method == "sendMessage" else True
                data = json.dumps({"ok": True, "result": result}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        """The API base URL the connector is given."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/telegram"

    def messages(self) -> list[dict[str, Any]]:
        """The messages sent so far."""
        return [s for s in self.sent if s["method"] == "sendMessage"]

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def settled(count: Callable[[], int], before: int) -> None:
    """Wait for a reply beyond ``before`` replies, then for SETTLE_SECONDS without one."""
    deadline = time.monotonic() + REPLY_SECONDS
    while count() <= before:
        if time.monotonic() > deadline:
            raise RuntimeError("no reply came")
        time.sleep(0.05)
    seen, quiet_since = count(), time.monotonic()
    while time.monotonic() - quiet_since < SETTLE_SECONDS:
        time.sleep(0.05)
        if count() != seen:
            seen, quiet_since = count(), time.monotonic()


def post(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> bytes:
    """POST ``body`` as JSON; the response body."""
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(request, timeout=REPLY_SECONDS) as response:
        return bytes(response.read())


def first_line(replies: Replies) -> str:
    """The start of the first reply's text, to show what was answered."""
    text = str(replies[0].get("text", "")) if replies else ""
    return text.strip().splitlines()[0][:100] if text.strip() else "(no text)"


def rest(url: str, tracing: Tracing, sender: str = "hops-rest") -> Figures:
    """A question through the REST channel."""
    webhook = f"{url}/webhooks/rest/webhook"
    post(webhook, {"sender": sender, "message": WARM_UP[0]})
    replies: Replies = []
    with tracing.window() as records:
        replies = json.loads(post(webhook, {"sender": sender, "message": QUESTION}))
        settled(lambda: 1, 0)
    return _with_reply(figures(records), replies)


def telegram(url: str, tracing: Tracing, fake: FakeTelegram) -> Figures:
    """A question through the Telegram webhook, signed with the secret token."""
    webhook = f"{url}/webhooks/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    ids = iter(range(1000, 2000))

    def update(text: str) -> dict[str, Any]:
        chat = {"id": TELEGRAM_CHAT, "first_name": "Pat", "type": "private"}
        person = {"id": TELEGRAM_CHAT, "is_bot": False, "first_name": "Pat"}
        message = {"message_id": next(ids), "from": person, "chat": chat, "text": text}
        return {"update_id": next(ids), "message": {**message, "date": 1_700_000_000}}

    count = lambda: len(fake.messages())  # noqa: E731
    before = count()
    post(webhook, update(WARM_UP[0]), headers)
    settled(count, before)
    before = count()
    with tracing.window() as records:
        post(webhook, update(QUESTION), headers)
        settled(count, before)
    return _with_reply(figures(records), fake.messages()[before:])


async def _socketio(url: str, tracing: Tracing) -> Figures:
    import socketio  # Rasa's own dependency; imported here as the other channels need none

    client = socketio.AsyncClient(reconnection=False)
    replies: Replies = []
    confirmed: asyncio.Queue[Any] = asyncio.Queue()
    client.on("bot_uttered", replies.append)
    client.on("session_confirm", confirmed.put)
    # polling, as the tests do: python-engineio's websocket client needs a newer aiohttp
    await client.connect(url, socketio_path="/socket.io", transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": None})
        session = await asyncio.wait_for(confirmed.get(), REPLY_SECONDS)
        await client.emit("user_uttered", {"message": WARM_UP[0], "session_id": session})
        await asyncio.to_thread(settled, lambda: len(replies), 0)
        before = len(replies)
        with tracing.window() as records:
            await client.emit("user_uttered", {"message": QUESTION, "session_id": session})
            await asyncio.to_thread(settled, lambda: len(replies), before)
        return _with_reply(figures(records), replies[before:])
    finally:
        await client.disconnect()


def _with_reply(result: Figures, replies: Replies) -> Figures:
    result.reply = first_line(replies)
    return result


@dataclass
class Measured:
    """One tree's figures per channel."""

    label: str
    commit: str
    channels: dict[str, Figures] = field(default_factory=dict)
    helper: str = ""


def git(*args: str, cwd: Path = ROOT) -> str:
    """Run git; its output."""
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def measure(tree: Path, label: str) -> Measured:
    """Start ``tree``'s servers with the tracer and measure one question per channel."""
    commit = git("rev-parse", "--short", "HEAD", cwd=tree)
    if label == "now" and git("status", "--porcelain", "--", ".", ":!docs/hops.md", cwd=ROOT):
        commit += " (with uncommitted changes)"
    result = Measured(label, commit)
    with tempfile.TemporaryDirectory(prefix="hops-") as temp:
        scratch = Path(temp)
        (scratch / "trace").mkdir()
        (scratch / "out").mkdir()
        (scratch / "servers").mkdir()
        shutil.copy(Path(hops_trace.__file__), scratch / "trace" / "sitecustomize.py")
        shutil.copy(Path(__file__).with_name("hops_driver.py"), scratch / "driver.py")
        fake = FakeTelegram()
        path = os.pathsep.join(
            p for p in (str(scratch / "trace"), os.environ.get("PYTHONPATH")) if p
        )
        server_env = {
            "PYTHONPATH": path,
            "HOPS_TRACE_OUT": str(scratch / "out"),
            "HOPS_TRACE_ROOT": str(tree),
            "RASA_TELEMETRY_ENABLED": "false",
            "TELEGRAM_API_URL": fake.url,
            **TELEGRAM_ENV,
        }
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        env["HOPS_SERVER_ENV"] = json.dumps(server_env)
        driver = subprocess.Popen(
            [
                "uv",
                "run",
                "--frozen",
                "python",
                str(scratch / "driver.py"),
                str(scratch / "servers"),
            ],
            cwd=tree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert driver.stdout is not None and driver.stdin is not None
            line = driver.stdout.readline()
            if not line:
                logs = "\n".join(p.read_text()[-3000:] for p in (scratch / "servers").glob("*.log"))
                raise RuntimeError(f"{label}: the servers did not start\n{logs}")
            started = json.loads(line)
            result.helper = started["helper"]
            url, tracing = started["rasa_url"], Tracing(scratch / "out", started["pids"])
            for text in WARM_UP:
                post(f"{url}/webhooks/rest/webhook", {"sender": "hops-warm-up", "message": text})
            result.channels["socket.io"] = asyncio.run(_socketio(url, tracing))
            result.channels["rest"] = rest(url, tracing)
            result.channels["telegram"] = telegram(url, tracing, fake)
        finally:
            if driver.stdin:
                driver.stdin.close()
            driver.wait(timeout=60)
            fake.close()
    return result


@contextlib.contextmanager
def checkout(commit: str) -> Iterator[Path]:
    """A temporary worktree of ``commit``, installed and trained by its own Makefile."""
    parent = Path(tempfile.mkdtemp(prefix=f"hops-{commit[:7]}-"))
    tree = parent / "tree"
    git("worktree", "add", "--detach", str(tree), commit)
    try:
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        subprocess.run(["uv", "sync", "--frozen", "--quiet"], cwd=tree, env=env, check=True)
        subprocess.run(["make", "train"], cwd=tree, env=env, check=True)
        yield tree
    finally:
        git("worktree", "remove", "--force", str(tree))
        shutil.rmtree(parent, ignore_errors=True)


def ratio(now: float, then: float) -> str:
    """now/then, to two places."""
    return f"{now / then:.2f}" if then else "n/a"


def report(now: Measured, then: Measured, command: str) -> str:
    """docs/hops.md."""
    rows = []
    for channel in CHANNELS:
        a, b = then.channels[channel], now.channels[channel]
        for name, get in (
            ("modules", lambda f: len(f.modules)),
            ("hops", lambda f: f.hops),
            ("longest chain", lambda f: f.chain),
        ):
            rows.append([channel, name, get(a), get(b), ratio(get(b), get(a))])
    header = ["channel", "figure", f"then ({then.commit})", f"now ({now.commit})", "now/then"]
    doc = __doc__ or ""
    definitions = doc[doc.index("Figures per channel") :].strip()
    parts = [
        "# Hops: one message through the project's own modules",
        "",
        f"Generated by `{command}` on {datetime.date.today().isoformat()}: "
        f"now = `{now.commit}`, then = `{then.commit}` (the main when issue 12 was filed). "
        f'The question traced is "{QUESTION}", after warm-up messages, each channel in a '
        "conversation of its own that has had one message before. Servers started by each "
        f"tree's own helper (now `{now.helper}`, then `{then.helper}`), with Telegram "
        "switched on against a fake of its API on loopback; socket.io by polling, as the "
        "tests do. Tracing runs in both servers from a signal sent before the message to "
        f"one sent {SETTLE_SECONDS:.0f} s after the last reply (`bench/hops_trace.py`).",
        "",
        definitions,
        "",
        table(header, rows),
    ]
    for measured in (then, now):
        for channel in CHANNELS:
            f = measured.channels[channel]
            parts += [
                "",
                f"## {measured.label} ({measured.commit}), {channel}",
                "",
                f"First reply: {f.reply}",
                "",
                f"{len(f.modules)} modules, {f.hops} hops, {f.functions} distinct project "
                f"functions, longest chain {f.chain}. Threads that ran project code: "
                + "; ".join(f"{p}: {', '.join(t) or 'none'}" for p, t in f.threads.items())
                + ".",
                "",
                "Modules: " + ", ".join(f"`{m}`" for m in f.modules),
                "",
                "Edges (caller → callee: calls):",
                "",
                *[f"- `{a}` → `{b}`: {n}" for a, b, n in f.edges],
            ]
            for process, chain in f.longest.items():
                parts += ["", f"Longest chain in the {process} server ({len(chain)}):", ""]
                parts += [f"{i}. `{fn}`" for i, fn in enumerate(chain, 1)]
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Measure the current tree and the baseline commit; write the report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--commit", default=BASELINE, help="the commit to compare with")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "hops.md")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up on SIGTERM too
    now = measure(ROOT, "now")
    with checkout(args.commit) as tree:
        then = measure(tree, "then")
    command = (
        "make hops" if args.commit == BASELINE else f"python -m bench.hops --commit {args.commit}"
    )
    text = report(now, then, command)
    args.out.write_text(text)
    print(text.split("\n## ")[0])


if __name__ == "__main__":
    main()
