"""Train the model only when its inputs changed.

The inputs (config, domain, training data, the spaCy pipeline, the code of the trained
components and the versions of the libraries that train) are hashed; a model trained
from the same inputs is reused, from ``models/`` or from a cache outside the clone
(``~/.cache/mycophenolate-lems-bot``), so CI and fresh clones on the same machine skip
training.

Usage: ``python -m bot.launch.train [--force]``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from bot.launch.settings import PROJECT_DIR, Settings
from bot.spacy_model import DEFAULT_DIR as SPACY_DIR

# what the model is trained from, with the code of the components that learn from it
INPUTS = (
    "config.yml",
    "domain.yml",
    "data",
    str(SPACY_DIR / "meta.json"),
    "bot/nlu/linear_intent_classifier.py",
    "bot/text_features.py",
)
TRAINING_LIBRARIES = ("rasa", "spacy", "tensorflow", "scikit-learn")
CACHE_DIR = Path(
    os.environ.get("LEMS_BOT_CACHE") or Path.home() / ".cache" / "mycophenolate-lems-bot"
)


def _files(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise SystemExit(f"Training input {path} is missing.")
    return found


def library_versions() -> str:
    """The installed versions of the libraries that train the model."""
    return ",".join(f"{name}=={metadata.version(name)}" for name in TRAINING_LIBRARIES)


def inputs_hash(root: Path = PROJECT_DIR) -> str:
    """A digest of every file the model is trained from, and of the training libraries."""
    digest = hashlib.sha256(library_versions().encode())
    for path in _files(root / p for p in INPUTS):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def _stamp(model: Path) -> Path:
    return model.with_suffix(".inputs")


def is_fresh(model: Path, digest: str) -> bool:
    """Whether ``model`` was trained from inputs with this digest."""
    stamp = _stamp(model)
    return model.is_file() and stamp.is_file() and stamp.read_text().strip() == digest


def train(model: Path, digest: str) -> None:
    """Run ``rasa train`` into ``model`` and record the inputs' digest."""
    model.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", str(model.parent), "--fixed-model-name", model.name.removesuffix(".tar.gz"),
    ]  # fmt: skip
    started = time.monotonic()
    subprocess.run(command, cwd=PROJECT_DIR, check=True)
    print(f"Trained {model} in {time.monotonic() - started:.0f} s")
    _stamp(model).write_text(digest + "\n")


def ensure_model(settings: Settings, force: bool = False) -> Path:
    """Make ``settings.model_path`` current: reuse, restore from cache, or train."""
    if not (PROJECT_DIR / SPACY_DIR).is_dir():
        from bot.spacy_model import build

        build(PROJECT_DIR / SPACY_DIR)
    model = settings.model_path
    digest = inputs_hash()
    if not force and is_fresh(model, digest):
        print(f"Model is up to date ({model.name}, inputs {digest}).")
        return model
    cached = CACHE_DIR / f"{digest}.tar.gz"
    if not force and cached.is_file():
        model.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, model)
        _stamp(model).write_text(digest + "\n")
        print(f"Reused the model trained earlier from the same inputs ({cached}).")
        return model
    train(model, digest)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model, cached)
    return model


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    settings = Settings.from_env()
    settings.export()
    ensure_model(settings, force="--force" in argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
