from pathlib import Path

from bench.content import check
from bench.readability import Reply, every_medical_answer
from bot.knowledge import Knowledge
from bot.safety import default_rules


def test_counts_quotes_found_in_the_source_and_disclaimers(
    knowledge: Knowledge, tmp_path: Path
) -> None:
    quotes = [f.source_quote for f in knowledge.facts.values()]
    quotes += [s.source_quote for s in knowledge.listed_symptoms if s.source_quote]
    source = tmp_path / "source.txt"
    source.write_text("\n".join(quotes[1:]))  # all but the first
    medical = every_medical_answer(knowledge, default_rules())
    broken = Reply("broken", "No disclaimer here.", True)
    both = f"{knowledge.disclaimer}\n{knowledge.phrases['safety_line']}"
    alert_and_disclaimer = Reply("alert and disclaimer", both, True)
    result = check(knowledge, [*medical, broken, alert_and_disclaimer], source)
    assert result.quotes == len(quotes)
    assert result.quotes_found == len(quotes) - 1
    assert result.missing_quotes == (quotes[0],)
    assert result.medical_answers == len(medical) + 2
    assert result.closed_once == len(medical)  # the emergency and crisis guidance among them
    assert result.without == ("broken", "alert and disclaimer")


def test_a_missing_source_is_not_counted(knowledge: Knowledge, tmp_path: Path) -> None:
    result = check(knowledge, [], tmp_path / "absent.txt")
    assert result.quotes_found is None
