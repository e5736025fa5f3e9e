"""How well the parts of a message are named: 5-fold cross-validation on ``data/nlu``.

``python -m bench.question_parts``

For each fold the linear intent classifier is fitted on the other folds; the fold's
messages are split into parts (:func:`bot.questions.message_parts`) and each part named
as :class:`bot.nlu.question_classifier.SeveralQuestionsClassifier` names it, by the
question words or by the classifier at each threshold. It prints, per way and threshold:
how many ``ask_several`` examples are found to ask several things, how many other
examples are wrongly found to, and how often a pair of two held-out questions of
different intents ("A? B?") is named exactly. Used to choose ``part_confidence``.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence

from bench.nlu_eval import TRAINING
from bench.nlu_metrics import stratified_folds
from bot import nlp
from bot.nlu.linear_intent_classifier import LinearIntentClassifier, build_pipeline
from bot.nlu.question_classifier import SEVERAL, answerable_intents
from bot.questions import Part, QuestionSpotter, message_parts, question_words

THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
PAIRS_PER_FOLD = 400
SEED = 3
# how one part is named: (part, words' intent, classifier's intent, its confidence, threshold)
Namer = Callable[[Part, str | None, str, float, float], str | None]


def _sure(part: Part, intent: str, confidence: float, threshold: float) -> str | None:
    """The classifier's intent for an asking part, when sure and answerable."""
    sure = part.asks and confidence >= threshold and intent in answerable_intents()
    return intent if sure else None


NAMERS: dict[str, Namer] = {
    "question words": lambda part, words, intent, p, t: words,
    "classifier": lambda part, words, intent, p, t: _sure(part, intent, p, t),
    "classifier, parts that ask nothing too": lambda part, words, intent, p, t: _sure(
        Part(part.text, True), intent, p, t
    ),
    "classifier, else words": lambda part, words, intent, p, t: (
        _sure(part, intent, p, t) or (words if part.asks else None)
    ),
}


def main() -> None:
    """Print the cross-validated figures."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(TRAINING)).intent_examples
    texts = [str(m.get("text")).lower() for m in examples]
    labels = [str(m.get("intent")) for m in examples]
    answerable = answerable_intents()
    spotter = QuestionSpotter(nlp.load(), question_words())
    settings = LinearIntentClassifier.get_default_config()
    rng = random.Random(SEED)
    # (way, threshold) -> several found, several examples, wrongly several, others,
    # pairs named exactly, pairs
    counts: dict[tuple[str, float], list[int]] = defaultdict(lambda: [0] * 6)
    for fold in stratified_folds(labels, 5):
        held = sorted(fold)
        train = sorted(set(range(len(texts))) - set(fold))
        model = build_pipeline(float(settings["C"]), int(settings["max_char_ngram"]))
        model.fit([texts[i] for i in train], [labels[i] for i in train])
        single = [i for i in held if labels[i] in answerable and len(message_parts(texts[i])) == 1]
        items: list[tuple[str, str, frozenset[str]]] = [
            (texts[i], labels[i], frozenset()) for i in held
        ]
        for _ in range(PAIRS_PER_FOLD):
            a, b = rng.sample(single, 2)
            if labels[a] != labels[b]:
                pair = f"{texts[a].rstrip(' ?.')}? {texts[b].rstrip(' ?.')}?"
                items.append((pair, "", frozenset({labels[a], labels[b]})))
        for text, label, wanted in items:
            parts = message_parts(text)
            scored = model.predict_proba([p.text for p in parts]) if parts else []
            named = [
                (
                    part,
                    spotter.intent_of(part.text),
                    str(model.classes_[s.argmax()]),
                    float(s.max()),
                )
                for part, s in zip(parts, scored, strict=True)
            ]
            for way, namer in NAMERS.items():
                for threshold in THRESHOLDS if way != "question words" else THRESHOLDS[:1]:
                    found = _found(named, namer, threshold)
                    row = counts[(way, threshold)]
                    if wanted:
                        row[4] += set(found) == wanted
                        row[5] += 1
                    elif label == SEVERAL:
                        row[0] += len(found) >= 2
                        row[1] += 1
                    else:
                        row[2] += len(found) >= 2
                        row[3] += 1
    for (way, threshold), (hit, several, wrong, others, exact, pairs) in counts.items():
        at = f" at {threshold}" if way != "question words" else ""
        print(
            f"{way}{at}: several found {hit}/{several} ({hit / several:.1%}), "
            f"wrongly several {wrong}/{others} ({wrong / others:.2%}), "
            f"pairs named exactly {exact / pairs:.1%}"
        )


def _found(
    named: Sequence[tuple[Part, str | None, str, float]],
    namer: Namer,
    threshold: float,
) -> list[str]:
    found: list[str] = []
    for part, words, intent, confidence in named:
        name = namer(part, words, intent, confidence, threshold)
        if name and name not in found:
            found.append(name)
    return found


if __name__ == "__main__":
    main()
