"""The panel as a dialog: modal on a phone (focus kept inside, Escape closes), not on a desktop."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.widget.chat import DESKTOP, PHONE, ChatWidget, axe_violations, tab_to_launcher

pytestmark = pytest.mark.e2e

# whether focus is inside the panel, and the panel's focusable elements in Tab order
FOCUS_INSIDE = "() => document.querySelector('.lems-chat__panel').contains(document.activeElement)"
FOCUSABLES = """() => [...document.querySelector('.lems-chat__panel').querySelectorAll(
  'a[href], button, textarea, input, [tabindex]:not([tabindex="-1"])')]
  .filter(e => e.getClientRects().length > 0)"""
IS_FIRST = f"() => ({FOCUSABLES})()[0] === document.activeElement"
IS_LAST = f"() => ({FOCUSABLES})().at(-1) === document.activeElement"


def open_with_the_keyboard(page: Page, widget: ChatWidget) -> None:
    tab_to_launcher(page)
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.input).to_be_focused()
    widget.wait_online()
    expect(widget.topic("Side effects")).to_be_visible(timeout=30_000)


def close_with_escape(page: Page, widget: ChatWidget) -> None:
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")


@pytest.mark.parametrize("context_options", [PHONE])
def test_on_a_phone_the_panel_is_a_modal_dialog_that_keeps_focus(
    page: Page, widget: ChatWidget
) -> None:
    open_with_the_keyboard(page, widget)
    expect(widget.panel).to_have_attribute("role", "dialog")
    expect(widget.panel).to_have_attribute("aria-modal", "true")
    count = page.evaluate(f"({FOCUSABLES})().length")
    assert count >= 8  # the buttons, the log, the topics, the box and Send

    for key in ("Tab", "Shift+Tab"):
        seen = set()
        for _ in range(count + 3):  # past the end: round again
            page.keyboard.press(key)
            assert page.evaluate(FOCUS_INSIDE), f"{key} left the dialog"
            seen.add(page.evaluate("document.activeElement.outerHTML"))
        assert len(seen) == count, f"{key} did not reach every control"

    page.evaluate(f"({FOCUSABLES})().at(-1).focus()")
    page.keyboard.press("Tab")
    assert page.evaluate(IS_FIRST), "Tab on the last control does not go to the first"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(IS_LAST), "Shift+Tab on the first control does not go to the last"

    page.get_by_role("link", name="About LEMS").focus()  # a script or a click behind it
    expect(widget.input).to_be_focused()
    assert axe_violations(page) == []

    close_with_escape(page, widget)
    expect(widget.root.locator(".lems-chat__panel")).not_to_have_attribute("aria-modal", "true")


@pytest.mark.parametrize("context_options", [DESKTOP])
def test_on_a_desktop_the_panel_floats_beside_the_page(page: Page, widget: ChatWidget) -> None:
    """Not modal: the page stays in reach; Escape still closes it and focus goes back."""
    open_with_the_keyboard(page, widget)
    expect(widget.panel).to_have_attribute("role", "dialog")
    expect(widget.panel).not_to_have_attribute("aria-modal", "true")
    page.get_by_role("link", name="About LEMS").focus()
    expect(page.get_by_role("link", name="About LEMS")).to_be_focused()
    assert axe_violations(page) == []
    widget.input.focus()
    close_with_escape(page, widget)


@pytest.mark.parametrize("context_options", [DESKTOP])
def test_turning_to_a_phone_sized_window_makes_it_modal(page: Page, widget: ChatWidget) -> None:
    widget.open()
    expect(widget.panel).not_to_have_attribute("aria-modal", "true")
    page.set_viewport_size({"width": 360, "height": 740})
    expect(widget.panel).to_have_attribute("aria-modal", "true")
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(widget.panel).not_to_have_attribute("aria-modal", "true")
