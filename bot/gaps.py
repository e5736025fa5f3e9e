"""Content-gap report: what patients asked that the bot could not answer well.

Reads the conversations in the tracker store the bot uses (``TRACKER_DB_URL``, else the
SQLite file of ``TRACKER_DB``; any SQL store with ``--db-url``) and writes a Markdown
report with a plot: the most frequent questions the bot did not
understand, could not cover or understood with low confidence; the answers patients rated
as unhelpful; and topic counts per day. The report quotes patients' messages, so keep it
inside the team (the default output folder, ``reports/``, is not committed).

Usage: ``python -m bot.gaps [--db-url URL] [--out reports/content-gaps.md]
[--min-confidence 0.5]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from bot.launch.settings import PROJECT_DIR

UNANSWERED = {
    "nlu_fallback": "not understood",
    "out_of_scope": "outside what it covers",
    "ask_not_covered": "not in the fact sheet",
}
FEEDBACK = {"thank", "feedback_negative"}  # ratings, not questions
NOT_TOPICS = FEEDBACK | {
    "greet", "goodbye", "bot_challenge", "help", "express_feelings", "nlu_fallback",
    "out_of_scope",
}  # fmt: skip


@dataclass(frozen=True)
class Event:
    """One stored tracker event, as the report needs it."""

    sender: str
    type: str
    timestamp: float
    data: dict[str, Any]


@dataclass
class GapReport:
    """The figures of the report."""

    conversations: int = 0
    messages: int = 0
    unanswered: Counter[tuple[str, str]] = field(default_factory=Counter)  # (text, why)
    low_rated: Counter[tuple[str, str]] = field(default_factory=Counter)  # (topic, question)
    topics_per_day: dict[date, Counter[str]] = field(default_factory=dict)


def read_events(db_url: str) -> list[Event]:
    """All events of the tracker store at ``db_url``, oldest first."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("events"):
                return []
            rows = connection.execute(
                sa.text("SELECT sender_id, type_name, timestamp, data FROM events ORDER BY id")
            )
            return [Event(r[0], r[1], float(r[2]), json.loads(r[3] or "{}")) for r in rows]
    finally:
        engine.dispose()


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())[:200]


def _slot(event: Event) -> tuple[str, str]:
    return str(event.data.get("name")), str(event.data.get("value"))


def _conversations(events: Iterable[Event]) -> Iterator[list[Event]]:
    by_sender: dict[str, list[Event]] = {}
    for event in events:
        by_sender.setdefault(event.sender, []).append(event)
    yield from by_sender.values()


def analyse(events: Iterable[Event], min_confidence: float = 0.5) -> GapReport:
    """Compute the report's figures from tracker events."""
    report = GapReport()
    for conversation in _conversations(events):
        report.conversations += 1
        last_question, topic = "", ""
        for event in conversation:
            if event.type == "user":
                text = str(event.data.get("text") or "")
                if text.startswith("/"):  # a button press, not a patient's words
                    continue
                report.messages += 1
                intent = (event.data.get("parse_data") or {}).get("intent") or {}
                name, confidence = str(intent.get("name")), float(intent.get("confidence") or 0)
                if name not in FEEDBACK:
                    last_question = text
                if name in UNANSWERED:
                    report.unanswered[(_normalise(text), UNANSWERED[name])] += 1
                elif confidence < min_confidence:
                    report.unanswered[(_normalise(text), f"low confidence ({name})")] += 1
                if name not in NOT_TOPICS:
                    day = datetime.fromtimestamp(event.timestamp, tz=timezone.utc).date()
                    report.topics_per_day.setdefault(day, Counter())[name] += 1
            elif event.type == "slot" and event.data.get("name") == "topic":
                topic = str(event.data.get("value") or "")
            elif event.type == "slot" and _slot(event) == ("feedback", "negative"):
                report.low_rated[(topic or "unknown", _normalise(last_question))] += 1
    return report


def plot_topics(report: GapReport, path: Path) -> None:
    """Save a line chart of questions per topic per day."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = sorted(report.topics_per_day)
    topics = sorted({t for counts in report.topics_per_day.values() for t in counts})
    figure, axes = plt.subplots(figsize=(8, 4.5))
    for topic in topics:
        axes.plot(days, [report.topics_per_day[d][topic] for d in days], marker="o", label=topic)
    axes.set_title("Questions per topic per day")
    axes.set_ylabel("questions")
    if topics:
        axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def render(report: GapReport, plot_name: str, top: int = 20) -> str:
    """The report as Markdown."""
    lines = [
        "# Content-gap report",
        "",
        f"Written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC from {report.conversations} "
        f"conversations and {report.messages} patient messages (button presses excluded).",
        "",
        "## Questions the bot could not answer well",
        "",
    ]
    if report.unanswered:
        lines += ["| times | why | message |", "|---:|---|---|"]
        for (text, why), count in report.unanswered.most_common(top):
            lines.append(f"| {count} | {why} | {text.replace('|', '/')} |")
    else:
        lines.append("None.")
    lines += ["", "## Answers rated unhelpful", ""]
    if report.low_rated:
        lines += ["| times | topic | question before the answer |", "|---:|---|---|"]
        for (topic, question), count in report.low_rated.most_common(top):
            lines.append(f"| {count} | {topic} | {question.replace('|', '/') or '(button)'} |")
    else:
        lines.append("None.")
    lines += ["", "## Topics over time", "", f"![Questions per topic per day]({plot_name})", ""]
    topics = sorted({t for counts in report.topics_per_day.values() for t in counts})
    if topics:
        lines += ["| day | " + " | ".join(topics) + " |", "|---|" + "---:|" * len(topics)]
        for day in sorted(report.topics_per_day):
            counts = report.topics_per_day[day]
            lines.append(f"| {day} | " + " | ".join(str(counts[t]) for t in topics) + " |")
    return "\n".join(lines) + "\n"


def write_report(db_url: str, out: Path, min_confidence: float = 0.5) -> GapReport:
    """Read the store, write the Markdown report and its plot beside it."""
    report = analyse(read_events(db_url), min_confidence)
    out.parent.mkdir(parents=True, exist_ok=True)
    plot = out.with_suffix(".png")
    plot_topics(report, plot)
    out.write_text(render(report, plot.name), encoding="utf-8")
    return report


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    from bot.retention import default_url

    default_db = default_url()
    parser.add_argument("--db-url", default=default_db, help=f"default: {default_db}")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "reports" / "content-gaps.md")
    parser.add_argument("--min-confidence", type=float, default=0.5)
    args = parser.parse_args(argv[1:])
    report = write_report(args.db_url, args.out, args.min_confidence)
    print(
        f"Wrote {args.out} ({report.conversations} conversations, "
        f"{sum(report.unanswered.values())} unanswered, {sum(report.low_rated.values())} "
        f"rated unhelpful)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
