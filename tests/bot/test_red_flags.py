import pytest
import yaml

from bot.knowledge import KnowledgeError
from bot.red_flags import RedFlagMatcher
from bot.safety import Alarm, SafetyRules, default_rules, parse_phrase
from bot.safety_backstop import CASES_FILE

CASES = CASES_FILE


@pytest.fixture(scope="module")
def matcher(nlp) -> RedFlagMatcher:  # type: ignore[no-untyped-def]
    return RedFlagMatcher(nlp, default_rules())


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("I can't breathe properly", "emergency.breathing"),
        ("she cannot breathe", "emergency.breathing"),
        ("my lips are swelling up", "emergency.swelling"),
        ("Swollen face and tongue since this morning", "emergency.swelling"),
        ("I have chest pain", "emergency.chest_pain"),
        ("running a high temperature and shivering", "emergency.serious_infection"),
        ("temp 39.2 on cellcept", "emergency.serious_infection"),
        ("I took too many pills", "emergency.overdose"),
        ("my son swallowed my tablets by accident", "emergency.overdose"),
        ("my husband fainted", "emergency.fainting"),
        ("she collapsed in the kitchen", "emergency.fainting"),
        (
            "my 3 year old got into my bag and ate some of my cellcept tablets!!",
            "emergency.overdose",
        ),
        ("my toddler may have swallowed one of my tablets", "emergency.swallowed_by_someone_else"),
        ("my breathing feels weak today", "emergency.breathing"),
        ("I can't swallow", "emergency.swallowing_speech"),
        ("her speech is slurring and getting worse", "emergency.swallowing_speech"),
        ("he is choking", "emergency.breathing"),
        ("temp is 39.5", "emergency.serious_infection"),
        ("39.5", "emergency.serious_infection"),
        ("thermometer says 101 F", "emergency.serious_infection"),
        ("my son is having a seizure", "emergency.seizure"),
        # asking whether it causes something is not an alarm, but saying it does to you is
        ("it gives me chest pain every morning", "emergency.chest_pain"),
        ("can it give you fevers? mine is 39.5 now", "emergency.serious_infection"),
        ("they say it's getting hard to swallow for him now", "emergency.breathing"),
    ],
)
def test_emergencies_are_found(matcher: RedFlagMatcher, text: str, group: str) -> None:
    finding = matcher.find(text)
    assert finding.alarm is Alarm.EMERGENCY
    assert group in finding.groups


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "I don't want to live anymore",
        "thinking about suicide",
        "i want to end my life",
        "I've been self-harming again",
        "everyone would be better off without me",
    ],
)
def test_crisis_is_found(matcher: RedFlagMatcher, text: str) -> None:
    assert matcher.find(text).alarm is Alarm.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "I had chest pain last year, is it a side effect?",
        "years ago I fainted once",
        "no chest pain, just a headache",
        "does it help with hay fever",
        "does it make infections more likely?",
        "is headache a side effect?",
        "this headache is killing me",
        "I'm dying to know how it works",
        "can I take it while pregnant?",
        "how does it kill immune cells",
        "can i take a double dose if i miss one",
        "I don't have chest pain",
        "what counts as a high temperature",
        "can i get the yellow fever vaccine",
        "This medicine, how it stop the body to attack himself?",
        "can i split my dose into 3 smaller ones",
        "she was sick after her tablet, should she take another",
        "37.2 is that a fever?",
        "I'm 40 years old and take 2 tablets",
        "can I crush the tablets, big pills are hard to swallow",
        "the dog ate one of my tablets",
        "not suicidal, just fed up",
        "can it cause fevers?",
        "does cellcept give people seizures",
        "could this drug give you chest pain",
        "my gran had a fit months before she started on it",
        "he won't take his tablets, he says they're too hard to swallow",
    ],
)
def test_ordinary_messages_and_near_misses_raise_no_alarm(
    matcher: RedFlagMatcher, text: str
) -> None:
    assert matcher.find(text).alarm is None


@pytest.mark.parametrize(
    ("text", "alarm"),
    [
        ("mi madre no puede respirar bien", Alarm.EMERGENCY),
        ("Meine Frau bekommt keine Luft mehr", Alarm.EMERGENCY),
        ("我胸痛", Alarm.EMERGENCY),
        ("je veux mourir", Alarm.CRISIS),
        ("صدري يؤلمني كثيرا", Alarm.EMERGENCY),  # "my chest hurts a lot"
    ],
)
def test_red_flags_in_other_languages(matcher: RedFlagMatcher, text: str, alarm: Alarm) -> None:
    assert alarm in matcher.find(text).alarms


def test_other_language_words_only_match_at_a_word_start(matcher: RedFlagMatcher) -> None:
    assert matcher.find("what is the treatment for respiratory infections").alarm is None


def test_a_body_part_named_in_another_language_is_no_alarm_alone(matcher: RedFlagMatcher) -> None:
    assert matcher.find("هل يسبب الدواء حب الشباب على صدري؟").alarm is None  # acne on my chest


def test_a_red_flag_wins_even_inside_another_question(matcher: RedFlagMatcher) -> None:
    finding = matcher.find("What are the side effects? Also my chest hurts a lot right now")
    assert finding.alarm is Alarm.EMERGENCY


def test_crisis_and_emergency_together_raise_both(matcher: RedFlagMatcher) -> None:
    finding = matcher.find("I took all my pills because I want to die")
    assert finding.alarms == {Alarm.CRISIS, Alarm.EMERGENCY}
    assert finding.alarm is Alarm.CRISIS


def test_multiword_alternatives_are_rejected_when_compiled(nlp) -> None:  # type: ignore[no-untyped-def]
    rules = default_rules()
    broken = SafetyRules(
        phrases={
            Alarm.EMERGENCY: (parse_phrase("emergency.x", "won't|not wake"),),
            Alarm.CRISIS: (),
        },
        past_markers=rules.past_markers,
        ignore=rules.ignore,
        crisis_ignore=rules.crisis_ignore,
        negations=rules.negations,
        messages=rules.messages,
        numbers=rules.numbers,
    )
    with pytest.raises(KnowledgeError, match="single words"):
        RedFlagMatcher(nlp, broken)


def test_labelled_set_recall_and_precision(matcher: RedFlagMatcher) -> None:
    """The labelled set in bot/knowledge (also reported by `make bench`), spelling corrected
    first as in the NLU pipeline, which reads other languages in the original text."""
    from bot.spelling import project_corrector

    corrector = project_corrector(str(matcher.nlp.path))
    cases = yaml.safe_load(CASES.read_text())["cases"]
    for case in cases:
        case["original"], case["text"] = case["text"], corrector.correct(case["text"])
    findings = [matcher.find(c["text"], c["original"]) for c in cases]
    for alarm in Alarm:
        truth = [c["label"] == alarm.value for c in cases]
        found = [alarm in finding.alarms for finding in findings]
        hits = sum(t and f for t, f in zip(truth, found, strict=True))
        recall = hits / sum(truth)
        # a crisis raised with an emergency ("took them all on purpose") is not a false one
        raised = [f for c, f in zip(cases, found, strict=True) if c["label"] in (alarm, "none")]
        precision = hits / sum(raised)
        assert recall == 1.0, f"{alarm.value} recall {recall:.3f}"
        assert precision >= 0.98, f"{alarm.value} precision {precision:.3f}"
    ordinary = [c for c in cases if c["label"] == "none"]
    false_alarms = [c["text"] for c in ordinary if matcher.find(c["text"], c["original"]).alarms]
    assert len(false_alarms) <= 0.01 * len(ordinary), false_alarms
