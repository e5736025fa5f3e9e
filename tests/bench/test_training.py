from bench.training import component_times

HOOK = "2026-11-27 {} INFO     rasa.engine.training.hooks  - {} component '{}'."
LOG = "\n".join(
    [
        HOOK.format("08:05:10", "Starting to train", "CountVectorsFeaturizer"),
        HOOK.format("08:05:12", "Finished training", "CountVectorsFeaturizer"),
        HOOK.format("08:05:12", "Starting to train", "DIETClassifier"),
        "Epochs: 100%|##########| 50/50",
        HOOK.format("08:06:02", "Finished training", "DIETClassifier"),
        HOOK.format("08:06:02", "Starting to train", "CountVectorsFeaturizer"),
        HOOK.format("08:06:03", "Finished training", "CountVectorsFeaturizer"),
        HOOK.format("08:06:03", "Starting to train", "RulePolicy"),
    ]
)


def test_component_times_from_rasas_log() -> None:
    assert component_times(LOG) == [("DIETClassifier", 50.0), ("CountVectorsFeaturizer", 3.0)]


def test_no_log_lines_no_times() -> None:
    assert component_times("nothing here") == []
