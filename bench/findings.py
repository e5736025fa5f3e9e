"""The report's Findings: where the time goes, and what to change for each missed target.

Every figure quoted is this run's; which advice is given depends on those figures.
"""

from __future__ import annotations

from bench.markdown import table
from bench.profiling import HOTSPOTS, STEPS, Profile
from bench.results import TRAINING_TARGET_SECONDS, BenchResults, Target, targets

NOTABLE_SHARE = 0.10  # a step or hotspot worth a suggestion of its own

VALIDATOR_PATCH = """\
```python
# bot/launch/rasa_server.py, next to set_action_timeout()
def validate_action_replies_with_one_validator() -> None:
    \"\"\"Build the action-reply validator once instead of on every action call.\"\"\"
    import jsonschema
    import rasa.core.actions.action as remote_action

    schema = remote_action.RemoteAction.action_response_format_spec()
    validator = jsonschema.validators.validator_for(schema)(schema)

    def validate(self: remote_action.RemoteAction, result: dict) -> bool:
        validator.validate(result)  # raises jsonschema.ValidationError as before
        return True

    remote_action.RemoteAction._validate_action_result = validate
```"""


def _ms(profile: Profile, seconds: float) -> str:
    per = 1000 * seconds / max(1, profile.messages)
    return f"{per:.1f} ms ({100 * profile.share(seconds):.0f}%)"


def profile_table(profiles: dict[str, Profile]) -> list[str]:
    """Start-up steps and the time of one message, split by step, per bot."""
    labels = list(profiles)
    rows: list[list[str]] = [
        ["Import `rasa.core.agent`", *(f"{profiles[x].import_seconds:.1f} s" for x in labels)],
        [
            "Load the model with its endpoints",
            *(f"{profiles[x].load_seconds:.1f} s" for x in labels),
        ],
        [
            "First message",
            *(f"{1000 * profiles[x].first_message_seconds:.0f} ms" for x in labels),
        ],
        [
            f"Mean message after that (in process, no profiler, "
            f"{profiles[labels[0]].unprofiled_messages} messages)",
            *(f"{profiles[x].per_message_ms:.1f} ms" for x in labels),
        ],
    ]
    for name, _, _ in STEPS:
        rows.append(
            [
                f"Profiled: {name}",
                *(_ms(profiles[x], profiles[x].steps.get(name, 0.0)) for x in labels),
            ]
        )
    for name, _, _ in HOTSPOTS:
        rows.append(
            [
                f"… of which {name}",
                *(_ms(profiles[x], profiles[x].hotspots.get(name, 0.0)) for x in labels),
            ]
        )
    return table(["", *labels], rows).splitlines()


def imports_table(profile: Profile) -> list[str]:
    """The slowest imports of one profile."""
    if not profile.imports:
        return []
    rows = [[f"`{i.package}`", f"{i.seconds:.1f} s"] for i in profile.imports]
    return [
        f"Slowest imports while the {profile.label} model loads (`python -X importtime`; each "
        "package includes what it imports, so the figures overlap):",
        "",
        *table(["Package", "Import time"], rows).splitlines(),
    ]


def findings(results: BenchResults) -> list[str]:
    """Markdown lines for the Findings section."""
    rows = targets(results)
    missed = [t for t in rows if t.met is False]
    lines = [
        "Missed targets: " + "; ".join(t.name for t in missed) + "."
        if missed
        else "Every measured target was met.",
        "",
    ]
    if results.profiles:
        lines += [
            "To see where the time goes, each profiled model was loaded in a fresh process "
            "(`python -X importtime -m bench.profile_handling`) the way `rasa run` loads it, "
            "with its endpoints (ours: its action server and SQLite tracker store), and sent "
            "messages through `Agent.handle_text`, which is what the REST channel calls, "
            "minus HTTP: first some without a profiler, then 100 under pyinstrument (async "
            "mode, 5 ms samples). The step shares are of profiled time." + _patches_note(results),
            "",
            *profile_table(results.profiles),
            "",
        ]
        for profile in results.profiles.values():
            lines += [*imports_table(profile), ""]
    lines += advice(results, missed)
    ours = results.profiles.get("ours")
    if ours is not None and ours.flat:
        lines += [
            "",
            "<details><summary>Ours: functions with the most own time (pyinstrument, flat)"
            "</summary>",
            "",
            "```",
            ours.flat,
            "```",
            "",
            "</details>",
        ]
    return lines


def _patches_note(results: BenchResults) -> str:
    ours = results.profiles.get("ours")
    if ours is None:
        return ""
    if not ours.launcher_patches:
        return " No patch of the launcher's was found to apply to ours."
    names = ", ".join(f"`{p}`" for p in ours.launcher_patches)
    return f" Ours ran with the changes the launcher makes to Rasa: {names}."


def _names(missed: list[Target]) -> set[str]:
    return {t.name for t in missed}


def advice(results: BenchResults, missed: list[Target]) -> list[str]:
    """Suggestions for the lead, each backed by a figure of this run."""
    tips: list[str] = ["### Suggestions", ""]
    names = _names(missed)
    slow = {n for n in names if "latency" in n or "Throughput" in n}
    ours = results.profiles.get("ours")
    if ours is not None:
        tips += _message_tips(results, ours, bool(slow))
        if any(n.startswith("Ready") for n in names):
            tips += _startup_tips(ours)
    if any(n.startswith("Throughput") for n in names):
        tips += _throughput_tips(results)
    if any(n.startswith("Training") for n in names):
        tips += _training_tips(results)
    if len(tips) == 2:
        tips.append("Nothing to change for the targets measured here.")
    return tips


def variants_table(profile: Profile) -> list[str]:
    """The suggested changes tried one on top of the other, in the profiling process."""
    if len(profile.variants) < 2:
        return []
    base = profile.variants[0][1]
    rows = [
        [name, f"{1000 * seconds:.1f} ms", f"{100 * (seconds / base - 1):+.0f}%" if base else ""]
        for name, seconds in profile.variants
    ]
    return [
        f"The changes below, tried one on top of the other in the profiling process only "
        f"(the bot's code untouched), each timed once over the same "
        f"{profile.unprofiled_messages} messages in new conversations. The bot is first timed "
        "twice unchanged: a difference smaller than the gap between those two runs is noise.",
        "",
        *table(["Change", "Mean per message (in process)", "vs as configured"], rows).splitlines(),
        "",
    ]


def _variant(profile: Profile, prefix: str) -> float | None:
    return next((t for n, t in profile.variants if n.startswith(prefix)), None)


def _noise(profile: Profile) -> float:
    """The gap between the two unchanged runs, in seconds per message."""
    first = _variant(profile, "as configured")
    again = _variant(profile, "as configured, again")
    return abs(first - again) if first is not None and again is not None else 0.0


def _before(profile: Profile, prefix: str) -> float | None:
    """The time of the variant tried just before the one named ``prefix``."""
    for index, (name, _) in enumerate(profile.variants):
        if name.startswith(prefix) and index > 0:
            return profile.variants[index - 1][1]
    return None


def _message_tips(results: BenchResults, ours: Profile, slow: bool) -> list[str]:
    tips: list[str] = [*variants_table(ours)]
    as_configured = _variant(ours, "as configured")
    validation = ours.hotspots.get(HOTSPOTS[0][0], 0.0)
    with_validator = _variant(ours, "+ action replies")
    if ours.share(validation) >= NOTABLE_SHARE or (
        as_configured and with_validator and with_validator < 0.9 * as_configured
    ):
        tips += [
            f"1. **Check action replies with one prebuilt validator** (profiled: "
            f"{_ms(ours, validation)} of each message). For every custom action Rasa calls "
            "`jsonschema.validate(reply, schema)`, which first checks the schema itself "
            "(all of Rasa's event types) against the JSON-Schema meta-schema, every time. "
            "Building the validator once and calling `validator.validate(reply)` makes the "
            "same check (" + _validation_costs(ours) + "). The launcher already patches "
            "Rasa's action timeout, so the same place fits:",
            "",
            VALIDATOR_PATCH,
            "",
        ]
    elif not _checked_by_rasa(ours):
        tips.append(
            "1. **Action replies are already checked with a prebuilt validator**, by the "
            "launcher's patch, which this profile applied too. Worth keeping: "
            + _validation_costs(ours)
            + "."
        )
    store = ours.steps.get(STEPS[3][0], 0.0)
    with_wal = _variant(ours, "+ SQLite")
    before_wal = _before(ours, "+ SQLite")
    in_memory = _variant(ours, "+ in-memory")
    if ours.share(store) >= NOTABLE_SHARE or in_memory is not None:
        measured = []
        verdict = ""
        if with_wal is not None and before_wal is not None:
            measured.append(
                f"WAL journal with `synchronous=NORMAL` took {1000 * with_wal:.1f} ms a message "
                f"against {1000 * before_wal:.1f} ms before it"
            )
        if in_memory is not None:
            before_memory = _before(ours, "+ in-memory")
            measured.append(
                f"Rasa's in-memory store {1000 * in_memory:.1f} ms a message"
                + (f" against {1000 * before_memory:.1f} ms before it" if before_memory else "")
                + (f" (the noise: {1000 * _noise(ours):.1f} ms)" if _noise(ours) else "")
            )
        if with_wal is not None and before_wal is not None and in_memory is not None:
            syncing, reading = before_wal - with_wal, with_wal - in_memory
            noise = _noise(ours)
            if max(syncing, reading) <= noise:
                verdict = (
                    f" Both differences are within the noise ({1000 * noise:.1f} ms between "
                    "the two unchanged runs), so this run cannot tell which part costs more."
                )
            elif reading > syncing:
                verdict = " So most of the cost is reading and rebuilding, not syncing to disk."
            else:
                verdict = " So most of the cost is syncing to disk."
        if ours.store == "cached":
            how = (
                "It already keeps the conversations it saved in memory, checked against the "
                "database by one indexed query per message (`bot/tracker_cache.py`), writes "
                "each message's new events in one insert and keeps SQLite in WAL mode; what "
                "is left is that query, the insert and the commit."
            )
        else:
            how = (
                "`SQLTrackerStore` reads every event of the conversation from the database "
                "and rebuilds the tracker on each message, then writes the new events and "
                "commits."
            )
        tips.append(
            f"1. **The tracker store** (profiled: {_ms(ours, store)} of each message). "
            + how
            + " Tried here: "
            + ("; ".join(measured) or "nothing")
            + "."
            + verdict
            + " Conversations must survive a restart (the README promises it), so the store "
            "stays SQL; the in-memory store is what the starter bot uses."
        )
    request = ours.hotspots.get(HOTSPOTS[1][0], 0.0)
    if ours.share(request) >= 0.05:
        tips.append(
            f"1. **Send the domain to the action server only when needed "
            f"({_ms(ours, request)} building each action request).** Rasa serialises "
            "the whole domain into every action call; none of `actions/` reads it, so "
            "`enable_selective_domain: true` under `action_endpoint` in `endpoints.yml` "
            "drops it from the request."
        )
    nlu = ours.steps.get(STEPS[0][0], 0.0)
    policies = ours.steps.get(STEPS[1][0], 0.0)
    leading = (
        "now the largest part" if ours.share(nlu + policies) > ours.share(store) else "smaller"
    )
    tips.append(
        f"1. **NLU and policies are {leading}** (profiled: NLU {_ms(ours, nlu)}, policies "
        f"{_ms(ours, policies)} of each message). The policies are already lean (RulePolicy "
        "only, where the starter runs MemoizationPolicy, RulePolicy, UnexpecTEDIntentPolicy "
        "and TEDPolicy), every answer ends its turn with `FollowupAction(action_listen)` so "
        "the policies run once per message rather than twice, the launcher runs the model's "
        "graph without dask, and there is one TensorFlow model (DIET without transformer "
        "layers), which needs a TensorFlow call per message. Besides SpacyNLP, each custom "
        "matching component in `bot/nlu/` runs the spaCy pipeline again on the lower-cased "
        "text (`self.nlp(text.lower())`); they could reuse SpacyNLP's doc "
        "(`message.get('text_spacy_doc')`, already lower-cased by `case_sensitive: false`), "
        "a small saving."
    )
    if slow:
        base = results.serve.get("baseline")
        ours_serve = results.serve.get("ours")
        if base is not None and ours_serve is not None:
            goal = 0.4 * base.latency.p50 * 1000
            now = 1000 * ours_serve.latency.p50
            text = (
                f"1. **What the latency target asks:** a p50 of at most {goal:.0f} ms (0.4x "
                f"the starter's {1000 * base.latency.p50:.0f} ms) against ours {now:.0f} ms "
                "over REST here. The starter answers from `domain.yml` responses, with no "
                "action server and conversations in memory; every answer of ours is a "
                "custom action (HTTP to the action server, the reply check) and an SQL "
                "round trip."
            )
            if as_configured is not None and len(ours.variants) > 1:
                for name, seconds in ours.variants[1:]:
                    if name.startswith("as configured") or seconds >= as_configured:
                        continue
                    saved = 1000 * (as_configured - seconds)
                    projected = now - saved
                    verdict = "within" if projected <= goal else "still above"
                    text += (
                        f" Taking off what `{name.lstrip('+ ')}` (and those above it) saved in "
                        f"process gives about {projected:.0f} ms, {verdict} the target."
                    )
            tips.append(text)
    return tips


def _checked_by_rasa(profile: Profile) -> bool:
    """Whether the profiled bot still checked action replies Rasa's own way."""
    return not any("validate_action_replies" in p for p in profile.launcher_patches)


def _validation_costs(profile: Profile) -> str:
    rasa_way = profile.validation.get("rasa_validate")
    prebuilt = profile.validation.get("prebuilt_validator")
    if rasa_way is None or prebuilt is None:
        return "not timed"
    return (
        f"timed in the profiling process on a typical reply: {1000 * rasa_way:.1f} ms a "
        f"check Rasa's way, {1000 * prebuilt:.2f} ms with the prebuilt validator; "
        f"{profile.checks_per_message:.2f} replies were checked per message"
    )


def _startup_tips(ours: Profile) -> list[str]:
    top = ", ".join(f"`{i.package}` {i.seconds:.1f} s" for i in ours.imports[:4])
    return [
        f"1. **Start-up:** importing Rasa took {ours.import_seconds:.1f} s ({top}) and "
        f"loading the model {ours.load_seconds:.1f} s. Rasa imports TensorFlow through its "
        "policy modules whatever the pipeline, and TensorFlow 2.12 imports `jax` (a "
        "declared dependency) through `tf.lite`; nothing in `bot/` is slow at import."
    ]


def _throughput_tips(results: BenchResults) -> list[str]:
    ours = results.serve.get("ours")
    if ours is None:
        return []
    one, many = ours.load(1), ours.load(20)
    if one is None or many is None:
        return []
    return [
        f"1. **Throughput is bounded by CPU time per message:** ours {one.throughput:.1f} "
        f"msg/s with 1 sender and {many.throughput:.1f} with 20. The Rasa server is a "
        "single process running the NLU and policies on its event loop, so concurrent "
        "senders queue; only less work per message (above) raises it."
    ]


def _training_tips(results: BenchResults) -> list[str]:
    train = results.training
    if train is None:
        return []
    parts = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in train.forced.components[:4])
    return [
        f"1. **Training ({train.forced.seconds:.0f} s, target {TRAINING_TARGET_SECONDS:.0f} "
        f"s):** slowest components: {parts or 'not logged'}. The rest is starting Python "
        "and importing Rasa and TensorFlow, and packing the model. DIET's cost grows with "
        "its epochs and with the size of the sparse features (the character 2-4-gram "
        "vocabulary); fewer epochs or `max_features` on the char_wb "
        "CountVectorsFeaturizer are the levers, to be checked against the held-out "
        "accuracy above."
    ]
