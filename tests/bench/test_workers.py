from pathlib import Path

from bench.workers import rasa_init_config, same_settings


def test_the_config_rasa_init_copies_leaves_the_pipeline_to_rasa() -> None:
    text = rasa_init_config().read_text()
    assert "recipe: default.v1" in text
    assert "pipeline:" in text


def test_settings_are_compared_without_comments(tmp_path: Path) -> None:
    first, second, third = tmp_path / "a.yml", tmp_path / "b.yml", tmp_path / "c.yml"
    first.write_text("language: en\npipeline:\n# - name: DIETClassifier\n")
    second.write_text("# trained with the defaults\nlanguage: en\npipeline:\n")
    third.write_text("language: de\npipeline:\n")
    assert same_settings(first, second)
    assert not same_settings(first, third)


def test_fewer_epochs_changes_only_the_epochs(tmp_path: Path) -> None:
    import yaml

    from bench.workers import default_pipeline_config, fewer_epochs

    target = fewer_epochs(default_pipeline_config(), 25, tmp_path / "quick.yml")
    original = yaml.safe_load(default_pipeline_config().read_text())
    quick = yaml.safe_load(target.read_text())
    epochs = {c["name"]: c.get("epochs") for c in quick["pipeline"]}
    assert epochs["DIETClassifier"] == 25 and epochs["ResponseSelector"] == 25
    assert [c["name"] for c in quick["pipeline"]] == [c["name"] for c in original["pipeline"]]


def test_last_epoch_reads_the_progress_bar() -> None:
    from bench.workers import last_epoch

    log = (
        "Epochs:  43%|####3     | 43/100 [12:20<05:29, ...]"
        "\rEpochs:  44%|####4     | 44/100 [12:33<05:29"
    )
    assert last_epoch(log) == "epoch 44 of 100 after 12:33"
    assert last_epoch("no bar") is None


def test_paused_freezes_the_workers_and_lets_them_go_on(tmp_path: Path) -> None:
    import os
    import sys
    import time

    from bench.progress import Progress
    from bench.servers import Server
    from bench.workers import NluWorkers

    ticks = tmp_path / "ticks"
    loop = (
        f"import time\nwhile True:\n    open({str(ticks)!r}, 'a').write('.')\n    time.sleep(0.02)"
    )
    worker = Server(
        "ticker", [sys.executable, "-c", loop], tmp_path, dict(os.environ), tmp_path / "log"
    )
    workers = NluWorkers(tmp_path, Progress(60), time.time() + 60, {"ticker": worker.start()})
    try:
        time.sleep(0.5)
        with workers.paused():
            time.sleep(0.2)  # a tick being written may finish
            frozen = ticks.stat().st_size
            time.sleep(0.5)
            assert ticks.stat().st_size == frozen
        time.sleep(0.5)
        assert ticks.stat().st_size > frozen
    finally:
        worker.stop()
