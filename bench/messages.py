"""Read the example messages of a Rasa NLU YAML file without importing Rasa."""

from __future__ import annotations

import random
import re
from pathlib import Path

import yaml

_ANNOTATION = re.compile(r"\[([^\]]+)\]\((?:[^)]*)\)|\[([^\]]+)\]\{[^}]*\}")


def plain(text: str) -> str:
    """``text`` without entity annotations: ``[headache](side_effect)`` -> ``headache``."""
    return _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), text).strip()


def intent_examples(path: Path) -> list[tuple[str, str]]:
    """``(intent, text)`` for every intent example in a YAML NLU file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in data.get("nlu") or []:
        intent = block.get("intent")
        examples = block.get("examples")
        if not intent or not isinstance(examples, str):
            continue
        for line in examples.splitlines():
            line = line.strip()
            if line.startswith("- "):
                found.append((str(intent), plain(line[2:])))
    return found


def shuffled_texts(path: Path, seed: int = 7) -> list[str]:
    """The example texts of ``path`` in a fixed shuffled order."""
    texts = [text for _, text in intent_examples(path)]
    random.Random(seed).shuffle(texts)
    return texts
