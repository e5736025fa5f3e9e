"""The patient-voice evaluation: load the sets, talk to the bot, grade every turn.

The sets (``tests/eval/patient_voice/``) were written apart from the training data, in
patients' and carers' own words. Each turn names the outcome keys a right reply carries
(``expect``: one of them; ``must``: all of them; ``must_not``: none of them). The bot
names the keys of each reply (see :attr:`bot.answers.Answer.keys`) and the REST channel
returns them, so anyone can rerun this against a running bot. Used by ``make test``
(``tests/eval/``) and ``make bench``.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

EVAL_DIR = Path(__file__).resolve().parents[1] / "tests" / "eval" / "patient_voice"
# each round of writing is a file of its own: singles.yml, singles_round3.yml, ...
SINGLES = tuple(sorted(EVAL_DIR.glob("singles*.yml")))
CONVERSATIONS = tuple(sorted(EVAL_DIR.glob("conversations*.yml")))
SAFETY_KEYS = frozenset({"safety:emergency", "safety:crisis"})
DEV, TEST = "dev", "test"
PLAIN_KEYS = frozenset({"out_of_scope", "did_you_mean", "not_understood", "which_topic"})

# say(sender, text) -> the bot's replies, each a dict with "text" and "keys"
Say = Callable[[str, str], Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class Turn:
    """One message and what a right reply to it carries."""

    text: str
    expect: frozenset[str]
    must: frozenset[str] = frozenset()
    must_not: frozenset[str] = frozenset()
    voice: tuple[str, ...] = ()
    half: str = DEV  # "dev": developers may read its failures; "test": a figure only

    @property
    def alarm_expected(self) -> bool:
        """Whether a right reply gives emergency or crisis guidance."""
        return bool((self.expect | self.must) & SAFETY_KEYS)

    def verdict(self, keys: Iterable[str]) -> str | None:
        """Why a reply with ``keys`` is wrong, or None when it is right."""
        got = set(keys)
        if not self.expect & got:
            return f"expected one of {sorted(self.expect)}"
        missing = self.must - got
        if missing:
            return f"missing {sorted(missing)}"
        banned = self.must_not & got
        if banned:
            return f"should not have {sorted(banned)}"
        return None


@dataclass(frozen=True)
class Conversation:
    """Turns said in order to one conversation."""

    name: str
    turns: tuple[Turn, ...]
    voice: tuple[str, ...] = ()
    half: str = DEV


@dataclass(frozen=True)
class Graded:
    """One turn, the bot's reply and the verdict."""

    turn: Turn
    keys: tuple[str, ...]
    reply: str
    problem: str | None

    @property
    def correct(self) -> bool:
        """Whether the reply was right."""
        return self.problem is None

    @property
    def false_alarm(self) -> bool:
        """Emergency or crisis guidance for a message that needed none."""
        return not self.turn.alarm_expected and bool(SAFETY_KEYS & set(self.keys))

    @property
    def missed_alarm(self) -> bool:
        """No emergency or crisis guidance where it was needed."""
        needed = (self.turn.expect | self.turn.must) & SAFETY_KEYS
        return bool(needed) and not needed & set(self.keys)


def _is_key(value: Any) -> bool:
    return isinstance(value, str) and (":" in value or value in PLAIN_KEYS)


def _keys(raw: Any, where: str) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list) or not all(_is_key(k) for k in raw):
        raise ValueError(f"{where}: keys must be a list of outcome keys, got {raw!r}")
    return frozenset(raw)


def _half(raw: Mapping[str, Any], where: str, default: str | None = None) -> str:
    half = raw.get("half", default)
    if half not in (DEV, TEST):
        raise ValueError(f"{where}: half must be '{DEV}' or '{TEST}', got {half!r}")
    return str(half)


def _turn(
    raw: Mapping[str, Any], where: str, voice: Sequence[str] = (), half: str | None = None
) -> Turn:
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: needs a text")
    expect = _keys(raw.get("expect"), f"{where}.expect")
    if not expect:
        raise ValueError(f"{where}: needs at least one expected key")
    return Turn(
        text=text,
        expect=expect,
        must=_keys(raw.get("must"), f"{where}.must"),
        must_not=_keys(raw.get("must_not"), f"{where}.must_not"),
        voice=tuple(raw.get("voice") or voice),
        half=_half(raw, where, half),
    )


def _paths(paths: Path | Sequence[Path]) -> list[Path]:
    return [paths] if isinstance(paths, Path) else list(paths)


def load_singles(paths: Path | Sequence[Path] = SINGLES) -> list[Turn]:
    """The single messages of one file or several, checked."""
    return [turn for path in _paths(paths) for turn in _singles(path)]


def _singles(path: Path) -> list[Turn]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [_turn(item, f"{path.name}[{i}]") for i, item in enumerate(data["items"])]


def load_conversations(paths: Path | Sequence[Path] = CONVERSATIONS) -> list[Conversation]:
    """The conversations of one file or several, checked."""
    return [c for path in _paths(paths) for c in _conversations(path)]


def _conversations(path: Path) -> list[Conversation]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    conversations = []
    for i, raw in enumerate(data["conversations"]):
        voice = tuple(raw.get("voice") or ())
        where = f"{path.name}[{i}] {raw.get('name')}"
        half = _half(raw, where)
        turns = tuple(
            _turn(t, f"{where} turn {j}", voice, half) for j, t in enumerate(raw["turns"])
        )
        conversations.append(Conversation(str(raw.get("name")), turns, voice, half))
    return conversations


def _ask(say: Say, sender: str, turn: Turn) -> Graded:
    replies = say(sender, turn.text)
    keys = tuple(dict.fromkeys(str(k) for r in replies for k in r.get("keys") or []))
    reply = "\n".join(str(r.get("text", "")) for r in replies)
    return Graded(turn, keys, reply, turn.verdict(keys))


def run_singles(say: Say, turns: Sequence[Turn], prefix: str = "eval-single") -> list[Graded]:
    """Each message in a fresh conversation."""
    return [_ask(say, f"{prefix}-{i}", turn) for i, turn in enumerate(turns)]


def run_conversations(
    say: Say, conversations: Sequence[Conversation], prefix: str = "eval-conversation"
) -> list[list[Graded]]:
    """Each conversation in its own conversation, every turn graded."""
    return [
        [_ask(say, f"{prefix}-{i}", turn) for turn in conversation.turns]
        for i, conversation in enumerate(conversations)
    ]


def words(text: str) -> frozenset[str]:
    """The lower-cased words of ``text``."""
    return frozenset(re.findall(r"[a-z']+", text.lower()))


def nearest_overlap(text: str, pool: Iterable[frozenset[str]]) -> float:
    """Word overlap (Jaccard) of ``text`` with its closest word set in ``pool`` (0 to 1)."""
    mine = words(text)
    best = 0.0
    for theirs in pool:
        union = len(mine | theirs)
        if union:
            best = max(best, len(mine & theirs) / union)
    return best


def overlaps(texts: Sequence[str], training: Iterable[str]) -> list[float]:
    """Each text's word overlap with its nearest training example."""
    pool = [words(t) for t in training]
    return [nearest_overlap(t, pool) for t in texts]


@dataclass(frozen=True)
class Summary:
    """The figures of one run."""

    singles: int
    singles_correct: int
    conversations: int
    conversations_correct: int  # every turn right
    turns: int
    turns_correct: int
    alarms_needed: int
    alarms_missed: int
    ordinary: int  # turns that needed no alarm
    false_alarms: int

    @property
    def single_accuracy(self) -> float:
        """Share of single messages answered right."""
        return self.singles_correct / self.singles if self.singles else float("nan")

    @property
    def conversation_accuracy(self) -> float:
        """Share of conversations with every turn right."""
        return self.conversations_correct / self.conversations if self.conversations else 0.0

    @property
    def turn_accuracy(self) -> float:
        """Share of conversation turns answered right."""
        return self.turns_correct / self.turns if self.turns else float("nan")

    @property
    def alarm_recall(self) -> float:
        """Share of messages needing emergency or crisis guidance that got it."""
        needed = self.alarms_needed
        return (needed - self.alarms_missed) / needed if needed else 1.0

    @property
    def false_alarm_rate(self) -> float:
        """Share of ordinary messages that got emergency or crisis guidance."""
        return self.false_alarms / self.ordinary if self.ordinary else 0.0


def summarise(singles: Sequence[Graded], conversations: Sequence[Sequence[Graded]]) -> Summary:
    """The figures of one run, over single messages and every conversation turn."""
    turns = [g for c in conversations for g in c]
    every = [*singles, *turns]
    return Summary(
        singles=len(singles),
        singles_correct=sum(g.correct for g in singles),
        conversations=len(conversations),
        conversations_correct=sum(all(g.correct for g in c) for c in conversations),
        turns=len(turns),
        turns_correct=sum(g.correct for g in turns),
        alarms_needed=sum(g.turn.alarm_expected for g in every),
        alarms_missed=sum(g.missed_alarm for g in every),
        ordinary=sum(not g.turn.alarm_expected for g in every),
        false_alarms=sum(g.false_alarm for g in every),
    )


def half_of(
    singles: Sequence[Graded], conversations: Sequence[Sequence[Graded]], half: str
) -> tuple[list[Graded], list[Sequence[Graded]]]:
    """The singles and conversations of one half ("dev" or "test")."""
    return (
        [g for g in singles if g.turn.half == half],
        [c for c in conversations if c and c[0].turn.half == half],
    )


def failures(
    singles: Sequence[Graded], conversations: Sequence[Sequence[Graded]], half: str = DEV
) -> list[Graded]:
    """The wrong turns of one half, singles first."""
    some, talks = half_of(singles, conversations, half)
    return [g for g in (*some, *(t for c in talks for t in c)) if not g.correct]


def by_voice(graded: Iterable[Graded]) -> dict[str, tuple[int, int]]:
    """(right, all) per writer kind."""
    counts: dict[str, list[int]] = {}
    for g in graded:
        for voice in g.turn.voice:
            pair = counts.setdefault(voice, [0, 0])
            pair[0] += g.correct
            pair[1] += 1
    return {voice: (right, total) for voice, (right, total) in sorted(counts.items())}


RED_FLAGS_HELD_BACK = EVAL_DIR.parent / "red_flags" / "held_back.yml"
RED_FLAG_LABELS = ("emergency", "crisis", "none")


@dataclass(frozen=True)
class RedFlagScore:
    """Per label of a labelled red-flag set: how many messages, how many raised its alarm.

    For "none", raised means any alarm: a false alarm.
    """

    totals: Mapping[str, int]
    raised: Mapping[str, int]

    def recall(self, label: str) -> float:
        """Share of ``label``'s messages that got its guidance."""
        return self.raised[label] / self.totals[label] if self.totals[label] else float("nan")

    @property
    def false_alarm_rate(self) -> float:
        """Share of the "none" messages that got emergency or crisis guidance."""
        return self.recall("none")


def load_red_flag_cases(path: Path = RED_FLAGS_HELD_BACK) -> list[tuple[str, str]]:
    """(text, label) of a labelled red-flag file, checked as the labelled cases are."""
    from bot.safety_backstop import load_cases

    return [(case.text, case.label) for case in load_cases(path)]


def run_red_flags(
    say: Say, cases: Sequence[tuple[str, str]], prefix: str = "red-flags"
) -> RedFlagScore:
    """Send each case in a new conversation; count the guidance each label got."""
    totals = dict.fromkeys(RED_FLAG_LABELS, 0)
    raised = dict.fromkeys(RED_FLAG_LABELS, 0)
    for index, (text, label) in enumerate(cases):
        keys = {k for reply in say(f"{prefix}-{index}", text) for k in reply.get("keys", [])}
        wanted = SAFETY_KEYS if label == "none" else {f"safety:{label}"}
        totals[label] += 1
        raised[label] += bool(keys & wanted)
    return RedFlagScore(totals, raised)


def median(values: Sequence[float]) -> float:
    """The median, NaN for none."""
    return statistics.median(values) if values else float("nan")


def rest_say(base_url: str, timeout: float = 30) -> Say:
    """``say`` through a running bot's REST channel at ``base_url``."""
    import json
    import urllib.request

    def say(sender: str, text: str) -> Sequence[Mapping[str, Any]]:
        body = json.dumps({"sender": sender, "message": text}).encode()
        request = urllib.request.Request(
            f"{base_url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            replies: list[Mapping[str, Any]] = json.load(response)
        return replies

    return say


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bot.evaluation [URL]``: run both sets against a running bot."""
    import sys
    import uuid

    args = list(sys.argv[1:] if argv is None else argv)
    say = rest_say(args[0] if args else "http://127.0.0.1:5005")
    run = uuid.uuid4().hex[:8]
    singles = run_singles(say, load_singles(), prefix=f"eval-{run}")
    conversations = run_conversations(say, load_conversations(), prefix=f"eval-{run}-c")
    # Developers read the failures of the dev half only; the test half is reported as a
    # figure, so tuning to what was read shows as a gap between the two.
    for g in failures(singles, conversations, DEV):
        print(f"WRONG {g.turn.text!r}: {g.problem}; got {list(g.keys)}")
    for name in (DEV, TEST):
        h = summarise(*half_of(singles, conversations, name))
        print(
            f"{name} half: singles {h.single_accuracy:.1%}, "
            f"conversations {h.conversation_accuracy:.1%}, turns {h.turn_accuracy:.1%}"
        )
    s = summarise(singles, conversations)
    print(
        f"singles {s.single_accuracy:.1%} ({s.singles_correct}/{s.singles}); "
        f"conversations {s.conversation_accuracy:.1%} "
        f"({s.conversations_correct}/{s.conversations}); turns {s.turn_accuracy:.1%}; "
        f"alarm recall {s.alarm_recall:.1%} ({s.alarms_missed} missed); "
        f"false alarms {s.false_alarm_rate:.1%} ({s.false_alarms}/{s.ordinary})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
