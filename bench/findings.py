"""The report's Findings: the missed targets and where the time goes, as measured.

Only this run's figures: no advice written in advance, no explanation that would hold
whatever the figures say.
"""

from __future__ import annotations

from bench.markdown import table
from bench.profiling import HOTSPOTS, STEPS, Profile
from bench.results import BenchResults, targets

NOTABLE_SHARE = 0.10  # a step or hotspot worth a suggestion of its own


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
    ours = results.profiles.get("ours")
    if ours is not None:
        lines += variants_table(ours)
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


def variants_table(profile: Profile) -> list[str]:
    """The changes tried one on top of the other, in the profiling process."""
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
