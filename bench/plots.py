"""PNG plots for the report (matplotlib, no display needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from bench.nlu_metrics import Prediction, confusion
from bench.serving import ServeResult

COLOURS = {"ours": "#1b7837", "baseline": "#762a83", "default": "#762a83"}


def _saved(figure: Figure, path: Path) -> Path:
    """Write ``figure`` to ``path`` (laid out, 110 dpi) and free it; the path."""
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def confusion_matrix(predictions: Sequence[Prediction], title: str, path: Path) -> Path:
    """A confusion matrix of intents: rows expected, columns predicted."""
    rows, columns, counts = confusion(predictions)
    size = max(6.0, 0.38 * len(columns) + 3)
    figure, axes = plt.subplots(figsize=(size, size * len(rows) / len(columns) + 1))
    totals = [max(1, sum(row)) for row in counts]
    shares = [[c / t for c in row] for row, t in zip(counts, totals, strict=True)]
    axes.imshow(shares, cmap="Greens", vmin=0, vmax=1, aspect="auto")
    for r, row in enumerate(counts):
        for c, value in enumerate(row):
            if value:
                wrong = rows[r] != columns[c]
                colour = "#b2182b" if wrong else ("white" if shares[r][c] > 0.6 else "black")
                axes.text(c, r, str(value), ha="center", va="center", fontsize=7, color=colour)
    axes.set_xticks(range(len(columns)))
    axes.set_xticklabels(columns, rotation=90, fontsize=7)
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels(rows, fontsize=7)
    axes.set_xlabel("predicted intent")
    axes.set_ylabel("expected intent")
    axes.set_title(title, fontsize=10)
    return _saved(figure, path)


def latency_cdf(results: Mapping[str, ServeResult], path: Path) -> Path:
    """Cumulative distribution of sequential REST latencies, one line per bot."""
    figure, axes = plt.subplots(figsize=(7, 4))
    for label, result in results.items():
        values = sorted(1000 * o.seconds for o in result.sequential.outcomes if o.ok)
        if not values:
            continue
        shares = [(i + 1) / len(values) for i in range(len(values))]
        axes.step(values, shares, where="post", label=label, color=COLOURS.get(label))
    axes.set_xlim(left=0)
    axes.set_xlabel("REST latency, ms")
    axes.set_ylabel("share of messages")
    axes.set_title("Sequential messages: latency distribution")
    axes.grid(True, alpha=0.3)
    axes.legend()
    return _saved(figure, path)


def latency_by_turn(results: Mapping[str, ServeResult], path: Path) -> Path:
    """Each turn's REST latency along one long conversation, one line per bot."""
    figure, axes = plt.subplots(figsize=(7, 4))
    for label, result in results.items():
        turns = [i + 1 for i, o in enumerate(result.by_turn) if o.ok]
        values = [1000 * o.seconds for o in result.by_turn if o.ok]
        if turns:
            axes.plot(turns, values, label=label, color=COLOURS.get(label), linewidth=0.8)
    axes.set_ylim(bottom=0)
    axes.set_xlabel("turn of the conversation")
    axes.set_ylabel("REST latency, ms")
    axes.set_title("One long conversation: latency by turn")
    axes.grid(True, alpha=0.3)
    axes.legend()
    return _saved(figure, path)


def throughput(results: Mapping[str, ServeResult], path: Path) -> Path:
    """Messages per second at each number of concurrent senders, one bar per bot."""
    figure, axes = plt.subplots(figsize=(7, 4))
    labels = list(results)
    levels = sorted({r.senders for result in results.values() for r in result.loads})
    width = 0.8 / max(1, len(labels))
    for offset, label in enumerate(labels):
        values = []
        for level in levels:
            run = results[label].load(level)
            values.append(run.throughput if run else 0.0)
        positions = [i + offset * width for i in range(len(levels))]
        axes.bar(positions, values, width, label=label, color=COLOURS.get(label))
    axes.set_xticks([i + width * (len(labels) - 1) / 2 for i in range(len(levels))])
    axes.set_xticklabels([f"{n} sender{'s' if n > 1 else ''}" for n in levels])
    axes.set_ylabel("messages / s")
    axes.set_title("Throughput on the REST channel")
    axes.grid(True, axis="y", alpha=0.3)
    axes.legend()
    return _saved(figure, path)


def memory(results: Mapping[str, ServeResult], path: Path) -> Path:
    """RSS over time of each bot's Rasa and action servers."""
    figure, axes = plt.subplots(figsize=(7, 4))
    styles = {"rasa": "-", "actions": "--"}
    for label, result in results.items():
        for process, samples in result.rss_series.items():
            if samples:
                xs, ys = zip(*samples, strict=True)
                axes.plot(
                    xs,
                    ys,
                    styles.get(process, ":"),
                    color=COLOURS.get(label),
                    label=f"{label}: {process} server",
                )
    axes.set_xlabel("seconds since the process started")
    axes.set_ylabel("RSS, MiB")
    axes.set_title("Resident memory (sampled every 0.2 s)")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    return _saved(figure, path)


def grades(values: Sequence[float], limit: float, median_limit: float, path: Path) -> Path:
    """Histogram of the answers' Flesch-Kincaid grades, with the limits marked."""
    figure, axes = plt.subplots(figsize=(7, 3.5))
    top = max([*values, limit]) + 1
    axes.hist(values, bins=[x / 2 for x in range(0, int(top * 2) + 2)], color="#4393c3")
    axes.axvline(limit, color="#b2182b", linestyle="--", label=f"no answer above {limit:g}")
    axes.axvline(median_limit, color="#f4a582", linestyle=":", label=f"median ≤ {median_limit:g}")
    axes.set_xlabel("Flesch-Kincaid grade")
    axes.set_ylabel("answers")
    axes.set_title("Reading grade of every answer")
    axes.legend(fontsize=8)
    return _saved(figure, path)
