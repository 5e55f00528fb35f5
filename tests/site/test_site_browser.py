"""The built site in a real browser (Debian's chromium through Playwright), from file://."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

import pytest
from conftest import SCREENSHOTS, Watched, watch

from grader.course.digest import canonical_number, digest


def _expect() -> Any:
    from playwright.sync_api import expect

    return expect


def _answer_numeric(page: Any, quiz_id: str, text: str) -> Any:
    form = page.locator(f'form[data-quiz-id="{quiz_id}"]')
    form.locator("[data-quiz-input]").fill(text)
    form.locator("button[type=submit]").click()
    return form.locator("[data-quiz-feedback]")


def _answer_choice(page: Any, quiz_id: str, key: str) -> Any:
    form = page.locator(f'form[data-quiz-id="{quiz_id}"]')
    form.locator(f'label[for="quiz-{quiz_id}-{key}"]').click()
    form.locator("button[type=submit]").click()
    return form.locator("[data-quiz-feedback]")


def test_every_page_loads_offline_without_errors(site_page: Watched) -> None:
    for path in sorted(site_page.site.glob("*.html")):
        page = site_page.open(path.name)
        assert page.evaluate("typeof NeuronSite.sha256Hex") == "function"
    site_page.assert_clean()
    assert site_page.requests and all(u.startswith("file://") for u in site_page.requests)


def test_numeric_quiz_checks_right_and_wrong_answers(site_page: Watched) -> None:
    expect = _expect()
    page = site_page.open("double_it.html")
    feedback = _answer_numeric(page, "double_it", "2.4")
    expect(feedback).to_have_attribute("data-correct", "false")
    expect(feedback).to_contain_text("Not quite")
    expect(page.locator('[data-status-for="double_it"]')).to_have_text("Try again")
    feedback = _answer_numeric(page, "double_it", "2.499")  # rounds to 2.50 at 0.01
    expect(feedback).to_have_attribute("data-correct", "true")
    expect(page.locator('[data-status-for="double_it"]')).to_have_text("Done")
    feedback = _answer_numeric(page, "double_it", "2,5")
    expect(feedback).to_have_attribute("data-correct", "true")
    feedback = _answer_numeric(page, "double_it", "2.494")
    expect(feedback).to_have_attribute("data-correct", "false")
    feedback = _answer_numeric(page, "double_it", "two and a half")
    expect(feedback).not_to_have_attribute("data-correct", "true")
    expect(feedback).to_contain_text("not a number")


def test_choice_quiz_checks_the_picked_option(site_page: Watched) -> None:
    expect = _expect()
    page = site_page.open("pick_range.html")
    form = page.locator('form[data-quiz-id="pick_range"]')
    form.locator("button[type=submit]").click()
    expect(form.locator("[data-quiz-feedback]")).to_contain_text("Choose one")
    expect(_answer_choice(page, "pick_range", "a")).to_have_attribute("data-correct", "false")
    expect(_answer_choice(page, "pick_range", "c")).to_have_attribute("data-correct", "false")
    expect(_answer_choice(page, "pick_range", "b")).to_have_attribute("data-correct", "true")


def test_progress_survives_a_reload_and_shows_on_the_index(site_page: Watched) -> None:
    expect = _expect()
    page = site_page.open("double_it.html")
    _answer_numeric(page, "double_it", "2.5")
    page = site_page.open("pick_range.html")
    _answer_choice(page, "pick_range", "a")

    page = site_page.open("double_it.html")
    page.reload()
    form = page.locator('form[data-quiz-id="double_it"]')
    expect(form.locator("[data-quiz-input]")).to_have_value("2.5")
    expect(form.locator("[data-quiz-feedback]")).to_have_attribute("data-correct", "true")

    page = site_page.open("index.html")
    page.reload()
    expect(page.locator('[data-status-for="double_it"]')).to_have_text("Done")
    expect(page.locator('[data-status-for="pick_range"]')).to_have_text("Try again")
    expect(page.locator('[data-status-for="relu_demo"]')).to_have_text("Not started")
    expect(page.locator("[data-progress-text]")).to_have_text("1 of 3 done")
    expect(page.locator("[data-next-title]")).to_have_text("ReLU, by hand")
    expect(page.locator("[data-next-link]")).to_have_attribute("href", "relu_demo.html")
    expect(page.locator("[data-next-link] .kind-icon--code")).to_have_count(1)

    page = site_page.open("relu_demo.html")
    page.locator('label[for="done-relu_demo"]').click()
    page = site_page.open("index.html")
    expect(page.locator('[data-status-for="relu_demo"]')).to_have_text("Done")
    expect(page.locator("[data-progress-text]")).to_have_text("2 of 3 done")
    expect(page.locator("[data-next-title]")).to_have_text("Where ReLU lives")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-reset-progress]").click()
    expect(page.locator("[data-progress-text]")).to_have_text("0 of 3 done")
    page.reload()
    expect(page.locator('[data-status-for="double_it"]')).to_have_text("Not started")


def _tab_until(page: Any, selector: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_skip_link_comes_first_and_focus_is_visible(site_page: Watched) -> None:
    page = site_page.open("double_it.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    assert page.evaluate("getComputedStyle(document.activeElement).top") != "-64px"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    _tab_until(page, "[data-quiz-input]")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_numeric_quiz_by_keyboard_alone(site_page: Watched) -> None:
    expect = _expect()
    page = site_page.open("double_it.html")
    _tab_until(page, "[data-quiz-input]")
    page.keyboard.type("2.50")
    page.keyboard.press("Enter")
    feedback = page.locator('form[data-quiz-id="double_it"] [data-quiz-feedback]')
    expect(feedback).to_have_attribute("data-correct", "true")


def test_choice_quiz_by_keyboard_alone(site_page: Watched) -> None:
    expect = _expect()
    page = site_page.open("pick_range.html")
    _tab_until(page, "[data-quiz-choice]")
    page.keyboard.press("ArrowDown")  # moves from a to b and selects it
    assert page.evaluate("document.activeElement.value") == "b"
    page.keyboard.press("Enter")
    feedback = page.locator('form[data-quiz-id="pick_range"] [data-quiz-feedback]')
    expect(feedback).to_have_attribute("data-correct", "true")


def test_hints_open_from_the_keyboard(site_page: Watched) -> None:
    page = site_page.open("relu_demo.html")
    _tab_until(page, "details.hint summary")
    page.keyboard.press("Enter")
    assert page.evaluate("document.querySelector('details.hint').open")


def test_copy_button_and_theme_toggle(site_page: Watched) -> None:
    expect = _expect()
    page = site_page.open("relu_demo.html")
    button = page.locator('[data-copy-target="stub-code"]')
    button.click()
    expect(button).to_contain_text("C")  # "Copied" or, without clipboard access, "Press Ctrl+C"
    expect(page.locator('[data-status-for="relu_demo"]')).to_have_text("In progress")

    page.emulate_media(color_scheme="light")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.locator("[data-theme-toggle]").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark != light
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    expect(page.locator("[data-theme-toggle]")).to_have_attribute("aria-pressed", "true")


def test_dark_mode_follows_the_system(browser: Any, fixture_site: Path) -> None:
    context = browser.new_context(color_scheme="dark")
    try:
        watched = watch(context, fixture_site)
        page = watched.open("index.html")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(19, 22, 26)"
        watched.assert_clean()
    finally:
        context.close()


# -- crypto.subtle's SHA-256 (on a file:// page) and the canonical forms agree with Python


def test_js_sha256_matches_hashlib(site_page: Watched) -> None:
    page = site_page.open("index.html")
    texts = ["", "abc", "salt:quiz:150e-2", "ünïcödé ✓ 🧠", "\u0000", "x" * 1000]
    texts += ["a" * n for n in (1, 55, 56, 57, 63, 64, 65, 119, 120, 128)]
    got = page.evaluate("(xs) => Promise.all(xs.map((s) => NeuronSite.sha256Hex(s)))", texts)
    assert got == [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in texts]


def test_js_canonical_numbers_and_digests_match_python(site_page: Watched) -> None:
    page = site_page.open("index.html")
    rng = random.Random(2026)
    values = [1.5, 1.499, 1.505, 1.495, 2.675, 0.1 + 0.2, -0.3, -1.5, -2.5, 0.0, 1e-7, 0.5]
    values += [123456.789, 1e15, 0.125, 1 / 3, 2 / 3, 1e20, -1e20, 0.596, 0.269, 2.5, 4.35]
    values += [rng.uniform(-10, 10) for _ in range(200)]
    values += [rng.uniform(-1, 1) * 10 ** rng.randint(-8, 12) for _ in range(200)]
    values += [round(rng.uniform(-5, 5), 3) + 0.0005 for _ in range(100)]  # exact halves
    cases = [(value, d) for value in values for d in (0, 1, 2, 3, 6)]
    got = page.evaluate("(cases) => cases.map(([v, d]) => NeuronSite.canonicalNumber(v, d))", cases)
    expected = [canonical_number(value, 10.0**-d) for value, d in cases]
    assert got == expected
    salted = page.evaluate(
        "(cs) => Promise.all(cs.map((c) => NeuronSite.answerDigest('5eed', 'q_1', c)))",
        expected[:50],
    )
    assert salted == [digest("5eed", "q_1", c) for c in expected[:50]]


def test_js_reads_numbers_like_python_floats(site_page: Watched) -> None:
    page = site_page.open("index.html")
    texts = ["1.5", " 2.499 ", "-0.3", ".5", "1e-3", "1E2", "+4", "0.1", "2,5", "\u22121.25"]
    got = page.evaluate(
        "(xs) => xs.map((t) => NeuronSite.canonicalNumber(NeuronSite.parseNumber(t), 2))", texts
    )
    python = [float(t.strip().replace(",", ".").replace("\u2212", "-")) for t in texts]
    assert got == [canonical_number(value, 0.01) for value in python]
    assert (
        page.evaluate("['', 'abc', '1..2', '1e', 'NaN', 'Infinity'].map(NeuronSite.parseNumber)")
        == [None] * 6
    )


# -- screenshots for people to look at ---------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots(browser: Any, fixture_site: Path, scheme: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1100, "height": 900}, color_scheme=scheme)
    try:
        watched = watch(context, fixture_site)
        page = watched.open("double_it.html")
        _answer_numeric(page, "double_it", "2.5")
        page.screenshot(path=str(SCREENSHOTS / f"quiz-{scheme}.png"), full_page=True)
        page = watched.open("pick_range.html")
        _answer_choice(page, "pick_range", "c")
        page.screenshot(path=str(SCREENSHOTS / f"choice-{scheme}.png"), full_page=True)
        page = watched.open("relu_demo.html")
        page.locator("details.hint summary").first.click()
        page.screenshot(path=str(SCREENSHOTS / f"exercise-{scheme}.png"), full_page=True)
        page = watched.open("index.html")
        page.screenshot(path=str(SCREENSHOTS / f"index-{scheme}.png"), full_page=True)
        watched.assert_clean()
    finally:
        context.close()
    for name in ("index", "exercise", "quiz", "choice"):
        assert (SCREENSHOTS / f"{name}-{scheme}.png").stat().st_size > 10_000
