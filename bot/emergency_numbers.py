"""Local emergency, poison-centre and crisis numbers, by country.

Reads and checks ``bot/knowledge/emergency_numbers.yml`` and fills the emergency and
crisis messages of ``safety.yml`` with one country's numbers, or, when the country is
unknown, with "your local emergency number" and a few examples.

A conversation's country is data: the ``country`` field of a message's metadata when
its channel sent one (the web widget from the browser's locale, Twilio from the sender's
phone prefix), else the operator's ``BOT_COUNTRY`` (see :mod:`bot.launch.settings`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Any

from bot.knowledge import KNOWLEDGE_DIR, KnowledgeError, YamlFile

NUMBERS_FILE = KNOWLEDGE_DIR / "emergency_numbers.yml"
COUNTRY_FIELD = "country"  # the message metadata field that names the country
# true when the channel only guessed it (browser language, phone prefix): BOT_COUNTRY wins
COUNTRY_GUESSED_FIELD = "country_guessed"
PLACEHOLDERS = frozenset({"emergency", "crisis_lines", "poison"})  # in safety.yml messages
WORDING = frozenset(
    {
        "emergency",
        "emergency_unknown",
        "example",
        "call_or_text",
        "call_and_text",
        "call",
        "text_word",
        "text",
        "crisis_lines",
        "crisis_none",
        "crisis_unknown",
        "poison",
    }
)
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")  # ISO 3166-1 alpha-2
_SHARED_CODE = re.compile(r"[A-Z]{3,8}")  # never mistaken for a country's
_NUMBER = re.compile(r"\d(?:[\d -]*\d)?")  # digits, with spaces or hyphens between
_PHONE_PREFIX = re.compile(r"[1-9]\d{0,3}")
_E164 = re.compile(r"\+(\d{4,15})")


@dataclass(frozen=True)
class Line:
    """A helpline: its name and the number to call, to text, or both."""

    name: str
    call: str | None = None
    text: str | None = None
    text_word: str | None = None  # the word to text ("SHOUT"), where the service asks


@dataclass(frozen=True)
class Phone:
    """A number a message gives: to call (the emergency services, most lines), to text, or both."""

    number: str  # as the message writes it ("116 123")
    call: bool = True
    text: bool = False


def _line_phones(line: Line) -> tuple[Phone, ...]:
    """The numbers a crisis line's wording gives: one to call and text, or each apart."""
    if line.call and line.call == line.text:
        return (Phone(line.call, call=True, text=True),)
    call = (Phone(line.call),) if line.call else ()
    return (*call, *((Phone(line.text, call=False, text=True),) if line.text else ()))


def merge_phones(phones: Iterable[Phone]) -> tuple[Phone, ...]:
    """``phones`` in order, a number given twice once (to call if either is, to text likewise)."""
    merged: dict[str, Phone] = {}
    for phone in phones:
        known = merged.get(phone.number)
        merged[phone.number] = (
            phone
            if known is None
            else Phone(phone.number, known.call or phone.call, known.text or phone.text)
        )
    return tuple(merged.values())


@dataclass(frozen=True)
class Country:
    """One country's numbers, or those a group of countries shares (``code`` "NANP")."""

    code: str
    name: str  # as it reads after "in": "the UK"
    emergency: tuple[str, ...]
    poison: Line | None = None
    crisis: tuple[Line, ...] = ()
    phone: str | None = None  # the country calling code, without "+"


@dataclass(frozen=True)
class Example:
    """A number given as an example when the country is unknown."""

    number: str
    where: str  # "the US and Canada"


@dataclass(frozen=True)
class EmergencyNumbers:
    """Every country's numbers, and how they read in a message."""

    countries: Mapping[str, Country]  # by code, shared entries included
    unknown_emergency: tuple[Example, ...]
    unknown_crisis: tuple[Example, ...]
    wording: Mapping[str, str]
    phones: Mapping[str, str]  # calling code -> entry code
    elsewhere: frozenset[str] = frozenset()  # prefixes inside a calling code, not its own

    def country(self, code: str | None) -> Country | None:
        """The entry for ``code`` ("GB", "gb"), or None when there is none."""
        return self.countries.get(code.strip().upper()) if code else None

    def for_phone(self, number: str) -> str | None:
        """The entry code for an E.164 number ("+44...", "whatsapp:+61..."), or None."""
        found = _E164.fullmatch(number.removeprefix("whatsapp:").strip())
        if found is None:
            return None
        digits = found.group(1)
        for size in range(4, 0, -1):  # calling codes are prefix-free; longest first
            if digits[:size] in self.elsewhere:
                return None
            if digits[:size] in self.phones:
                return self.phones[digits[:size]]
        return None

    def fill(self, template: str, country: Country | None, poisoning: bool = False) -> str:
        """``template`` (a message of safety.yml) with ``country``'s numbers.

        ``country`` None: "your local emergency number" with examples. ``poisoning``:
        the message is about tablets swallowed; the poison centre is named where known.
        """
        parts = self._parts(country, poisoning)
        text = template.format(**{name: wording for name, (wording, _) in parts.items()})
        return " ".join(text.split())

    def phones_given(
        self, template: str, country: Country | None, poisoning: bool = False
    ) -> tuple[Phone, ...]:
        """The numbers :meth:`fill` gives in ``template``, in order, each once."""
        parts = self._parts(country, poisoning)
        names = [name for _, name, _, _ in Formatter().parse(template) if name is not None]
        return merge_phones(phone for name in names for phone in parts[name][1])

    def _parts(
        self, country: Country | None, poisoning: bool
    ) -> dict[str, tuple[str, tuple[Phone, ...]]]:
        """Each placeholder's wording, and the numbers that wording gives."""
        w = self.wording
        if country is None:
            return {
                "emergency": (
                    w["emergency_unknown"].format(examples=self._examples(self.unknown_emergency)),
                    tuple(Phone(e.number) for e in self.unknown_emergency),
                ),
                "crisis_lines": (
                    w["crisis_unknown"].format(examples=self._examples(self.unknown_crisis)),
                    tuple(Phone(e.number) for e in self.unknown_crisis),
                ),
                "poison": ("", ()),
            }
        emergency = w["emergency"].format(numbers=_or_list(country.emergency), country=country.name)
        crisis: tuple[str, tuple[Phone, ...]] = (w["crisis_none"], ())
        if country.crisis:
            lines = _or_list([self._line(line) for line in country.crisis])
            phones = tuple(phone for line in country.crisis for phone in _line_phones(line))
            crisis = (w["crisis_lines"].format(lines=lines), phones)
        poison: tuple[str, tuple[Phone, ...]] = ("", ())
        if poisoning and country.poison is not None and country.poison.call:
            wording = w["poison"].format(name=country.poison.name, call=country.poison.call)
            poison = (wording, (Phone(country.poison.call),))
        return {
            "emergency": (emergency, tuple(Phone(n) for n in country.emergency)),
            "crisis_lines": crisis,
            "poison": poison,
        }

    def _examples(self, examples: Sequence[Example]) -> str:
        return _or_list(
            [self.wording["example"].format(number=e.number, where=e.where) for e in examples]
        )

    def _line(self, line: Line) -> str:
        if line.call and line.text:
            key = "call_or_text" if line.call == line.text else "call_and_text"
        elif line.call:
            key = "call"
        else:
            key = "text_word" if line.text_word else "text"
        return self.wording[key].format(
            name=line.name, call=line.call, text=line.text, word=line.text_word
        )


def _or_list(items: Sequence[str]) -> str:
    """The items as a list joined by "or": "a", "a or b", "a, b or c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def conversation_country(metadata: Any, default: str | None) -> str | None:
    """The country code for a message: its channel's, else ``default`` (``BOT_COUNTRY``).

    A country the channel was told (a page's setting) decides. One it only guessed (the
    browser's language, a phone prefix) gives way to the operator's ``BOT_COUNTRY``: many
    browsers say "en-US" wherever they are. A channel that sent a ``country`` field with no
    country it could tell (None, "") gets the numbers for an unknown country, not the
    operator's, unless the field says it was a guess.
    """
    if not isinstance(metadata, Mapping) or COUNTRY_FIELD not in metadata:
        return default
    if default and metadata.get(COUNTRY_GUESSED_FIELD) is True:
        return default
    value = metadata[COUNTRY_FIELD]
    return (value.strip().upper() or None) if isinstance(value, str) else None


def template_fields(template: str) -> set[str]:
    """The placeholders in ``template``; ``ValueError`` for any but :data:`PLACEHOLDERS`."""
    fields = {name for _, name, _, _ in Formatter().parse(template) if name is not None}
    unknown = fields - PLACEHOLDERS
    if unknown:
        raise ValueError(f"unknown placeholders {sorted(unknown)}")
    return fields


class _Reader:
    """The checks of one numbers file, each error naming the file and the place."""

    def __init__(self, path: Path) -> None:
        self.file = YamlFile(path)

    def entries(self, value: Any, where: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not value:
            raise self.file.fail(f"{where} must be a non-empty list")
        return [self.file.mapping(v, f"{where}[{i}]") for i, v in enumerate(value)]

    def number(self, value: Any, where: str) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            raise self.file.fail(f"{where} must be quoted, as YAML drops leading zeros")
        number = self.file.text(value, where)
        if not _NUMBER.fullmatch(number):
            raise self.file.fail(f"{where} must be a phone number (digits, spaces, hyphens)")
        return number

    def optional(self, entry: Mapping[str, Any], key: str, where: str) -> str | None:
        return self.number(entry[key], f"{where}.{key}") if key in entry else None

    def line(self, raw: Any, where: str, poison: bool = False) -> Line:
        entry = self.file.mapping(raw, where)
        word = entry.get("text_word")
        line = Line(
            name=self.file.text(entry.get("name"), f"{where}.name"),
            call=self.optional(entry, "call", where),
            text=None if poison else self.optional(entry, "text", where),
            text_word=None if word is None else self.file.text(word, f"{where}.text_word"),
        )
        if line.call is None and (poison or line.text is None):
            raise self.file.fail(f"{where} needs a number to call" + ("" if poison else " or text"))
        if line.text_word and not line.text:
            raise self.file.fail(f"{where}.text_word needs a text number")
        return line

    def country(self, raw: dict[str, Any], where: str, code_pattern: re.Pattern[str]) -> Country:
        code = self.file.text(raw.get("code"), f"{where}.code")
        if not code_pattern.fullmatch(code):
            kind = "an ISO 3166 alpha-2 code" if code_pattern is _COUNTRY_CODE else "A-Z"
            raise self.file.fail(f"{where}.code '{code}' must be {kind} in capitals")
        where = f"{where} ({code})"
        emergency = raw.get("emergency")
        if not isinstance(emergency, list) or not emergency:
            raise self.file.fail(f"{where}.emergency must be a non-empty list of numbers")
        crisis = raw.get("crisis", [])
        if not isinstance(crisis, list):
            raise self.file.fail(f"{where}.crisis must be a list")
        phone = raw.get("phone")
        if phone is not None and not (
            isinstance(phone, str) and _PHONE_PREFIX.fullmatch(phone.strip())
        ):
            raise self.file.fail(f'{where}.phone must be a quoted calling code such as "44"')
        return Country(
            code=code,
            name=self.file.text(raw.get("name"), f"{where}.name"),
            emergency=tuple(
                self.number(n, f"{where}.emergency[{i}]") for i, n in enumerate(emergency)
            ),
            poison=self.line(raw["poison"], f"{where}.poison", True) if "poison" in raw else None,
            crisis=tuple(self.line(c, f"{where}.crisis[{i}]") for i, c in enumerate(crisis)),
            phone=None if phone is None else phone.strip(),
        )

    def members(
        self, raw: dict[str, Any], where: str, known: Mapping[str, Country]
    ) -> list[Country]:
        codes = self.file.texts(raw.get("countries"), f"{where}.countries")
        for code in codes:
            if code not in known:
                raise self.file.fail(f"{where}.countries names unknown country '{code}'")
        return [known[c] for c in codes]

    def example(
        self, raw: dict[str, Any], where: str, known: Mapping[str, Country], crisis: bool
    ) -> Example:
        members = self.members(raw, where, known)
        shared = [
            n
            for n in _numbers(members[0], crisis)
            if all(n in _numbers(m, crisis) for m in members[1:])
        ]
        if not shared:
            what = "crisis line" if crisis else "emergency number"
            raise self.file.fail(f"{where}: its countries share no {what}")
        return Example(shared[0], self.file.text(raw.get("where"), f"{where}.where"))


def _numbers(country: Country, crisis: bool) -> list[str]:
    """A country's emergency numbers, or its crisis lines' numbers to call."""
    if crisis:
        return [line.call for line in country.crisis if line.call]
    return list(country.emergency)


def _check_shared(r: _Reader, entry: Country, members: Sequence[Country], where: str) -> None:
    """A shared entry claims only numbers every one of its countries has."""
    for member in members:
        if not set(entry.emergency) <= set(member.emergency):
            raise r.file.fail(f"{where}: {member.code} does not have all its emergency numbers")
        theirs = {n for line in member.crisis for n in (line.call, line.text) if n}
        ours = {n for line in entry.crisis for n in (line.call, line.text) if n}
        if not ours <= theirs:
            raise r.file.fail(f"{where}: {member.code} does not have all its crisis numbers")
        if entry.poison is not None and (
            member.poison is None or member.poison.call != entry.poison.call
        ):
            raise r.file.fail(f"{where}: {member.code} does not have its poison centre")


def load(path: Path = NUMBERS_FILE) -> EmergencyNumbers:
    """Read and check the numbers file; raise :class:`KnowledgeError` naming it."""
    r = _Reader(path)
    data = r.file.data
    countries: dict[str, Country] = {}
    for i, raw in enumerate(r.entries(data.get("countries"), "countries")):
        country = r.country(raw, f"countries[{i}]", _COUNTRY_CODE)
        if country.code in countries:
            raise r.file.fail(f"country {country.code} is listed twice")
        countries[country.code] = country
    entries = dict(countries)
    for i, raw in enumerate(r.entries(data["shared"], "shared") if "shared" in data else []):
        where = f"shared[{i}]"
        entry = r.country(raw, where, _SHARED_CODE)
        where = f"{where} ({entry.code})"
        if entry.code in entries:
            raise r.file.fail(f"{where}: code {entry.code} is listed twice")
        _check_shared(r, entry, r.members(raw, where, countries), where)
        entries[entry.code] = entry

    phones: dict[str, str] = {}
    for entry in entries.values():
        if entry.phone is None:
            continue
        if entry.phone in phones:
            raise r.file.fail(
                f"{phones[entry.phone]} and {entry.code} both have phone {entry.phone}"
            )
        phones[entry.phone] = entry.code
    elsewhere = r.file.texts(data["elsewhere"], "elsewhere") if "elsewhere" in data else ()
    for prefix in elsewhere:
        if not prefix.isdigit() or not any(prefix.startswith(p) and prefix != p for p in phones):
            raise r.file.fail(f"elsewhere: '{prefix}' must be digits inside a listed calling code")

    unknown = r.file.mapping(data.get("unknown"), "unknown")
    examples = {
        crisis: tuple(
            r.example(raw, f"unknown.{kind}[{i}]", countries, crisis)
            for i, raw in enumerate(r.entries(unknown.get(kind), f"unknown.{kind}"))
        )
        for crisis, kind in ((False, "emergency"), (True, "crisis"))
    }
    wording = r.file.mapping(data.get("wording"), "wording")
    missing = sorted(WORDING - wording.keys())
    if missing:
        raise r.file.fail(f"wording is missing: {', '.join(missing)}")
    numbers = EmergencyNumbers(
        countries=entries,
        unknown_emergency=examples[False],
        unknown_crisis=examples[True],
        wording={key: r.file.text(wording[key], f"wording.{key}") for key in WORDING},
        phones=phones,
        elsewhere=frozenset(elsewhere),
    )
    for place in (None, *entries.values()):  # every message can be written
        try:
            numbers.fill("{emergency} {crisis_lines} {poison}", place, poisoning=True)
        except (KeyError, IndexError, ValueError) as exc:
            raise r.file.fail(f"wording has a bad placeholder: {exc!r}") from None
    return numbers


def require(numbers: EmergencyNumbers, code: str | None, setting: str = "BOT_COUNTRY") -> None:
    """Stop with :class:`KnowledgeError` unless ``code`` (when set) is in the file."""
    if code and numbers.country(code) is None:
        raise KnowledgeError(
            f"{setting}={code} is not in {NUMBERS_FILE}; use one of "
            f"{', '.join(sorted(numbers.countries))}, or leave it unset"
        )


__all__ = [
    "COUNTRY_FIELD",
    "COUNTRY_GUESSED_FIELD",
    "Country",
    "EmergencyNumbers",
    "Line",
    "Phone",
    "conversation_country",
    "load",
    "require",
]
