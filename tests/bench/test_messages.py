from pathlib import Path

from bench.messages import intent_examples, plain, shuffled_texts

NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hey
    - hello there
- intent: ask_side_effect_specific
  examples: |
    - is [headache](side_effect) normal
    - does it cause [hair loss]{"entity": "side_effect"}
- synonym: cellcept
  examples: |
    - mycophenolate
"""


def test_reads_intent_examples_without_annotations(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(NLU)
    assert intent_examples(path) == [
        ("greet", "hey"),
        ("greet", "hello there"),
        ("ask_side_effect_specific", "is headache normal"),
        ("ask_side_effect_specific", "does it cause hair loss"),
    ]


def test_shuffle_is_fixed(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(NLU)
    assert shuffled_texts(path) == shuffled_texts(path)
    assert sorted(shuffled_texts(path)) == sorted(t for _, t in intent_examples(path))


def test_plain() -> None:
    assert plain("a [b](c) d") == "a b d"
