"""bot/emergency_numbers.py: the numbers file, its checks, and how the numbers read.

Expected numbers come from the file itself, never copied English: a changed number
changes what is checked.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import emergency_numbers
from bot.emergency_numbers import (
    NUMBERS_FILE,
    Country,
    EmergencyNumbers,
    conversation_country,
    template_fields,
)
from bot.knowledge import KnowledgeError

# fmt: off
EU = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
      "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]  # the 27
# fmt: on
COVERED = ["US", "GB", "IE", "CA", "AU", "NZ", *EU]


def parts(numbers: EmergencyNumbers, country: Country | None) -> list[str]:
    """How the emergency numbers, crisis lines and poison centre read, for tablets swallowed."""
    return [
        numbers.fill(f"{{{p}}}", country, True) for p in ("emergency", "crisis_lines", "poison")
    ]


@pytest.fixture(scope="module")
def numbers() -> EmergencyNumbers:
    return emergency_numbers.load()


def crisis_numbers(country: Country) -> list[str]:
    return [n for line in country.crisis for n in (line.call, line.text, line.text_word) if n]


def test_the_required_countries_are_covered(numbers: EmergencyNumbers) -> None:
    assert set(COVERED) <= set(numbers.countries)
    assert all(numbers.countries[c].emergency[0] == "112" for c in EU if c != "IE")
    assert "112" in numbers.countries["IE"].emergency  # and 999


@pytest.mark.parametrize("code", sorted(set(COVERED) | {"NANP"}))
def test_each_countrys_numbers_appear_in_its_messages(numbers: EmergencyNumbers, code: str) -> None:
    country = numbers.countries[code]
    emergency, crisis, poison = parts(numbers, country)
    assert country.name in emergency
    assert all(n in emergency for n in country.emergency)
    assert "local emergency number" not in emergency
    if country.crisis:
        assert all(n in crisis for n in crisis_numbers(country))
        assert all(line.name in crisis for line in country.crisis)
    else:
        assert crisis == numbers.wording["crisis_none"]
    if country.poison is not None:
        assert country.poison.call is not None
        assert country.poison.name in poison and country.poison.call in poison
    else:
        assert poison == ""
    assert numbers.fill("{poison}", country, poisoning=False) == ""


EVERY = "{emergency} {crisis_lines} {poison}"  # every placeholder, as a message may use them


@pytest.mark.parametrize("code", sorted(set(COVERED) | {"NANP"}))
def test_the_numbers_a_message_gives_are_listed_to_call_or_to_text(
    numbers: EmergencyNumbers, code: str
) -> None:
    country = numbers.countries[code]
    given = numbers.phones_given(EVERY, country, poisoning=True)
    phones = {p.number: p for p in given}
    assert len(phones) == len(given)  # each number once
    assert all(phones[n].call for n in country.emergency)
    for line in country.crisis:
        assert line.call is None or phones[line.call].call
        assert line.text is None or phones[line.text].text
        if line.text and line.text != line.call:  # a number only for texts is not to call
            assert not phones[line.text].call
    if country.poison is not None and country.poison.call:
        assert phones[country.poison.call].call
    expected = {*country.emergency, *crisis_numbers(country)} - {
        line.text_word for line in country.crisis
    }
    if country.poison is not None and country.poison.call:
        expected.add(country.poison.call)
    assert set(phones) == expected
    text = numbers.fill(EVERY, country, poisoning=True)
    assert all(number in text for number in phones)


def test_only_the_numbers_of_the_placeholders_used_are_listed(numbers: EmergencyNumbers) -> None:
    gb = numbers.countries["GB"]
    assert [p.number for p in numbers.phones_given("{emergency}", gb)] == list(gb.emergency)
    assert numbers.phones_given("{poison}", numbers.countries["US"], poisoning=False) == ()
    unknown = numbers.phones_given("{emergency} {crisis_lines}", None)
    examples = [e.number for e in (*numbers.unknown_emergency, *numbers.unknown_crisis)]
    assert [p.number for p in unknown] == list(dict.fromkeys(examples))
    assert all(p.call and not p.text for p in unknown)


def test_an_unknown_country_gets_the_local_emergency_number_and_examples(
    numbers: EmergencyNumbers,
) -> None:
    emergency, crisis, poison = parts(numbers, None)
    assert "your local emergency number" in emergency
    assert len(numbers.unknown_emergency) >= 4 and len(numbers.unknown_crisis) >= 2
    for example in numbers.unknown_emergency:
        assert f"{example.number} in {example.where}" in emergency
    for example in numbers.unknown_crisis:
        assert f"{example.number} in {example.where}" in crisis
    assert poison == ""
    assert numbers.country(None) is None and numbers.country("JP") is None


def test_the_examples_are_the_countries_own_numbers(numbers: EmergencyNumbers) -> None:
    by_where = {e.where: e.number for e in numbers.unknown_emergency}
    assert by_where["the US and Canada"] == numbers.countries["US"].emergency[0] == "911"
    assert by_where["the EU"] == "112"
    assert by_where["Australia"] == numbers.countries["AU"].emergency[0]


def test_canada_and_the_us_share_what_the_nanp_entry_gives(numbers: EmergencyNumbers) -> None:
    shared = numbers.countries["NANP"]
    for code in ("US", "CA"):
        assert set(shared.emergency) <= set(numbers.countries[code].emergency)
        assert set(crisis_numbers(shared)) <= set(crisis_numbers(numbers.countries[code]))
    assert shared.poison is None  # Poison Help is for the US only


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("+447700900123", "GB"),
        ("whatsapp:+447700900123", "GB"),
        ("+353851234567", "IE"),
        ("+61412345678", "AU"),
        ("+64211234567", "NZ"),
        ("+14165550123", "NANP"),  # Toronto: the US and Canada share 911 and 988
        ("+12125550123", "NANP"),
        ("+33612345678", "FR"),
        ("+4915112345678", "DE"),
        ("+18765550123", None),  # Jamaica, inside +1, has other numbers
        ("+81312345678", None),  # Japan is not listed
        ("447700900123", None),  # not E.164
        ("+1-http", None),
        ("", None),
    ],
)
def test_a_phone_number_names_its_country(
    numbers: EmergencyNumbers, number: str, code: str | None
) -> None:
    assert numbers.for_phone(number) == code


def test_every_calling_code_in_the_file_leads_to_its_entry(numbers: EmergencyNumbers) -> None:
    for code, entry in numbers.countries.items():
        if entry.phone is not None:
            assert numbers.for_phone(f"+{entry.phone}5550123") == code
    assert all(numbers.for_phone(f"+{prefix}5550123") is None for prefix in numbers.elsewhere)


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (None, "US"),  # no metadata: the operator's
        ({}, "US"),
        ({"other": 1}, "US"),
        ({"country": "gb"}, "GB"),
        ({"country": " GB "}, "GB"),
        ({"country": None}, None),  # the channel could not tell: unknown, not the default
        ({"country": ""}, None),
        ({"country": 44}, None),
        ("country=GB", "US"),
    ],
)
def test_the_channels_country_wins_over_the_operators(metadata: Any, expected: str | None) -> None:
    assert conversation_country(metadata, "US") == expected


@pytest.mark.parametrize(
    ("metadata", "default", "expected"),
    [
        ({"country": "US", "country_guessed": True}, "GB", "GB"),  # en-US browser, UK bot
        ({"country": "US", "country_guessed": True}, None, "US"),  # no operator's: the guess
        ({"country": None, "country_guessed": True}, "GB", "GB"),
        ({"country": "NZ"}, "GB", "NZ"),  # a page that fixes its country
    ],
)
def test_the_operators_country_wins_over_a_guess(
    metadata: Any, default: str | None, expected: str | None
) -> None:
    assert conversation_country(metadata, default) == expected


def test_the_operators_country_must_be_in_the_file(numbers: EmergencyNumbers) -> None:
    emergency_numbers.require(numbers, "GB")
    emergency_numbers.require(numbers, None)
    with pytest.raises(KnowledgeError, match=r"BOT_COUNTRY=XX is not in .*emergency_numbers\.yml"):
        emergency_numbers.require(numbers, "XX")


def test_templates_may_use_only_the_known_placeholders() -> None:
    assert template_fields("Call {emergency}. {crisis_lines}") == {"emergency", "crisis_lines"}
    with pytest.raises(ValueError, match="emergncy"):
        template_fields("Call {emergncy}.")


# --------------------------------------------------------------------- broken files


def break_file(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = copy.deepcopy(yaml.safe_load(NUMBERS_FILE.read_text(encoding="utf-8")))
    change(data)
    path = tmp_path / "emergency_numbers.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def country(data: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["countries"] if c["code"] == code)
    return found


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "lower-case code": (lambda d: country(d, "GB").update(code="gb"), "ISO 3166 alpha-2"),
    "three-letter code": (lambda d: country(d, "GB").update(code="GBR"), "ISO 3166 alpha-2"),
    "duplicate country": (
        lambda d: d["countries"].append(copy.deepcopy(country(d, "FR"))),
        "country FR is listed twice",
    ),
    "no emergency number": (lambda d: country(d, "NZ").update(emergency=[]), "emergency must"),
    "empty number": (lambda d: country(d, "NZ").update(emergency=[" "]), "non-empty text"),
    "not a number": (
        lambda d: country(d, "NZ").update(emergency=["one one one"]),
        r"countries\[\d+\] \(NZ\)\.emergency\[0\] must be a phone number",
    ),
    "unquoted number": (
        lambda d: country(d, "AU").update(emergency=[0]),
        "must be quoted",
    ),
    "crisis line without a number": (
        lambda d: country(d, "GB")["crisis"].append({"name": "Nobody"}),
        "needs a number to call or text",
    ),
    "poison centre to text": (
        lambda d: country(d, "US").update(poison={"name": "P", "text": "1"}),
        "poison needs a number to call",
    ),
    "shared number not shared": (
        lambda d: d["shared"][0].update(emergency=["911", "112"]),
        r"shared\[0\] \(NANP\): US does not have all its emergency numbers",
    ),
    "shared entry names unknown country": (
        lambda d: d["shared"][0].update(countries=["US", "XX"]),
        "unknown country 'XX'",
    ),
    "two entries on one calling code": (
        lambda d: country(d, "IE").update(phone="44"),
        "GB and IE both have phone 44",
    ),
    "prefix outside every calling code": (
        lambda d: d["elsewhere"].append("7999"),
        "'7999' must be digits inside a listed calling code",
    ),
    "example with no shared number": (
        lambda d: d["unknown"]["emergency"].append({"where": "x", "countries": ["GB", "AU"]}),
        "share no emergency number",
    ),
    "example with unknown country": (
        lambda d: d["unknown"]["crisis"].append({"where": "x", "countries": ["JP"]}),
        "unknown country 'JP'",
    ),
    "missing wording": (lambda d: d["wording"].pop("crisis_none"), "missing: crisis_none"),
    "bad placeholder": (
        lambda d: d["wording"].update(poison="Call {nmae}."),
        "bad placeholder",
    ),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_numbers_file_is_a_clear_error(tmp_path: Path, name: str) -> None:
    change, problem = BROKEN[name]
    path = break_file(tmp_path, change)
    with pytest.raises(KnowledgeError, match=problem) as raised:
        emergency_numbers.load(path)
    assert str(path) in str(raised.value)


def test_a_missing_numbers_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="missing"):
        emergency_numbers.load(tmp_path / "emergency_numbers.yml")
