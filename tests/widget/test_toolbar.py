"""The toolbar fits: one row on a desktop, at most two elsewhere, nothing cut off or hidden.

Rows are counted from the controls' bounding boxes: a control that starts below the
bottom of the row before it starts a new row.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.widget.chat import DESKTOP, TEXTS, WIDTHS, ChatWidget, axe_violations

pytestmark = pytest.mark.e2e

TARGET_PX = 44  # the smallest touch target
OPEN_ROWS = 3  # with More pressed: the toolbar's row, and at most two of its buttons below
LARGE_PANEL_KEY = "lems-chat:large-panel"  # preferences.js
KEYS = ("normal", "large", "largest")  # the text sizes, smallest first

# the toolbar's visible controls and labels, in document order, with their boxes; its
# own box, and whether anything scrolls sideways
MEASURE = """tb => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return {x: r.x, y: r.y, width: r.width, height: r.height}; };
  const items = [...tb.querySelectorAll('button, .lems-chat__tool-label')]
    .filter(e => e.getClientRects().length > 0)
    .map(e => ({name: (e.querySelector('.lems-chat__tip') || e).textContent.trim(),
                tag: e.tagName.toLowerCase(), ...box(e)}));
  const panel = tb.closest('.lems-chat__panel');
  return {items, toolbar: box(tb), panel: box(panel),
          scrolls: tb.scrollWidth > tb.clientWidth
            || document.scrollingElement.scrollWidth > innerWidth};
}"""

# each case: the most rows the toolbar may take, and whether the Larger window toggle is
# on (it is shown on a desktop only: a phone's panel fills the screen already)
CASES = [
    pytest.param(DESKTOP, 1, False, id="desktop"),
    pytest.param(DESKTOP, 2, True, id="desktop-larger-window"),
    *[pytest.param(p.values[0], 2, False, id=p.id) for p in WIDTHS if p.values[0] != DESKTOP],
]


def rows(items: list[dict[str, Any]]) -> list[list[str]]:
    """The items' names, row by row, from their boxes."""
    found: list[list[str]] = []
    bottom = None
    for item in sorted(items, key=lambda i: (i["y"], i["x"])):
        if bottom is None or item["y"] >= bottom - 1:  # 1 px for sub-pixel layout
            found.append([])
            bottom = item["y"] + item["height"]
        found[-1].append(item["name"])
        bottom = max(bottom, item["y"] + item["height"])
    return found


def check_fits(page: Page, toolbar: Locator, most_rows: int) -> list[dict[str, Any]]:
    """The toolbar's controls in at most ``most_rows`` rows, inside it and the panel."""
    measured = toolbar.evaluate(MEASURE)
    items, bar, panel = measured["items"], measured["toolbar"], measured["panel"]
    found = rows(items)
    assert len(found) <= most_rows, f"{len(found)} rows: {found}"
    assert not measured["scrolls"], "the toolbar or page scrolls sideways"
    for item in items:
        for outer in (bar, panel):  # nothing cut off
            assert item["x"] >= outer["x"] - 0.5, item
            assert item["x"] + item["width"] <= outer["x"] + outer["width"] + 0.5, item
        if item["tag"] == "button":
            assert round(item["height"], 2) >= TARGET_PX, item
            assert round(item["width"], 2) >= TARGET_PX, item
    return items


@pytest.mark.parametrize(("context_options", "most_rows", "larger"), CASES)
def test_the_toolbar_fits_in_its_rows(
    page: Page, widget: ChatWidget, context_options: dict[str, Any], most_rows: int, larger: bool
) -> None:
    if larger:  # the toggle's stored choice, before the panel opens
        page.evaluate(f"localStorage.setItem('{LARGE_PANEL_KEY}', 'on')")
        page.reload()
    widget.open()
    toolbar = widget.panel.locator(".lems-chat__toolbar")
    check_fits(page, toolbar, most_rows)

    # the text sizes show a letter at their size; each says its name when hovered or focused
    sizes = widget.panel.get_by_role("group", name=TEXTS["text_size"])
    for key in KEYS:
        button = sizes.get_by_role("button", name=TEXTS["text_sizes"][key], exact=True)
        button.focus()
        page.keyboard.press("Shift+Tab")  # focus shown by the keyboard, as a user would
        page.keyboard.press("Tab")
        tip = button.locator(".lems-chat__tip")
        expect(tip).to_be_visible()
        expect(tip).to_have_text(TEXTS["text_sizes"][key])
        tip_box, panel_box = tip.bounding_box(), widget.panel.bounding_box()
        assert tip_box is not None and panel_box is not None
        assert panel_box["x"] <= tip_box["x"]
        assert tip_box["x"] + tip_box["width"] <= panel_box["x"] + panel_box["width"]
        assert tip_box["y"] >= panel_box["y"]

    # the conversation's buttons are under More, in their order, and fit when shown too
    more = widget.panel.get_by_role("button", name=TEXTS["more"], exact=True)
    expect(more).to_have_attribute("aria-expanded", "false")
    tools = [TEXTS["save"], TEXTS["print"], TEXTS["start_over"]]
    if context_options is DESKTOP:
        tools.insert(0, TEXTS["larger_panel"])
    for name in tools:
        expect(widget.panel.get_by_role("button", name=name, exact=True)).to_be_hidden()
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    group = widget.panel.get_by_role("group", name=TEXTS["conversation_tools"])
    expect(group).to_be_visible()
    shown = [i["name"] for i in check_fits(page, toolbar, OPEN_ROWS)]
    assert shown[-len(tools) :] == tools
    if larger:
        expect(group.get_by_role("button", name=TEXTS["larger_panel"])).to_have_attribute(
            "aria-pressed", "true"
        )
    # keyboard: the sizes, More, then the conversation's buttons, as the page has them
    order = [
        *(sizes.get_by_role("button", name=TEXTS["text_sizes"][k], exact=True) for k in KEYS),
        more,
        *(group.get_by_role("button", name=name, exact=True) for name in tools),
    ]
    order[0].focus()
    for control in order[1:]:
        page.keyboard.press("Tab")
        expect(control).to_be_focused()
    assert axe_violations(page) == []

    page.keyboard.press("Escape")  # closes More, not the panel
    expect(group).to_be_hidden()
    expect(more).to_be_focused()
    expect(widget.panel).to_be_visible()
