"""class-report.html in Debian's chromium (Playwright), opened from disk: clean, light and dark,
usable by keyboard, every plot with a text alternative. Screenshots go to artifacts/class-report/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.classroom.policy import load_policy
from grader.classroom.roster import read_roster, read_times
from grader.classroom.run import finish_class

from .conftest import ARTIFACTS, GradedClass, Watched, watch


@pytest.fixture(scope="module")
def report_folder(graded_class: GradedClass, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from .conftest import DATA

    out = tmp_path_factory.mktemp("class-report")
    hrefs = graded_class.write_reports(out)
    finish_class(
        out,
        graded_class.reports,
        max_score=22,
        roster=read_roster(DATA / "roster.csv"),
        policy=load_policy(DATA / "policy.yaml"),
        times=read_times(DATA / "times.csv"),
        forms=graded_class.forms,
        starters=graded_class.starters,
        report_hrefs=hrefs,
    )
    return out


@pytest.fixture(params=["light", "dark"])
def report_page(request: Any, browser: Any, report_folder: Path) -> Iterator[tuple[Watched, str]]:
    context = browser.new_context(
        viewport={"width": 1100, "height": 900}, color_scheme=request.param
    )
    watched = watch(context, report_folder)
    yield watched, request.param
    try:
        watched.assert_clean()
    finally:
        context.close()


def test_opens_offline_without_errors_and_saves_screenshots(
    report_page: tuple[Watched, str],
) -> None:
    watched, scheme = report_page
    page = watched.open("class-report.html")
    assert page.title().startswith("Class report")
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(13, 17, 23)" if scheme == "dark" else "rgb(255, 255, 255)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"class-report-{scheme}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000
    watched.assert_clean()
    assert all(url.startswith("file://") for url in watched.requests)


def test_every_plot_has_a_text_alternative(report_page: tuple[Watched, str]) -> None:
    watched, _ = report_page
    page = watched.open("class-report.html")
    plots = page.locator("svg")
    assert plots.count() == 2
    for index in range(plots.count()):
        svg = plots.nth(index)
        assert svg.get_attribute("role") == "img"
        names = (svg.get_attribute("aria-labelledby") or "").split()
        texts = [page.locator(f"#{name}").text_content() or "" for name in names]
        assert len(texts) == 2 and all(len(text.strip()) > 10 for text in texts), texts
        caption = svg.locator("xpath=../figcaption").text_content() or ""
        assert caption.strip() == texts[1].strip()


def test_usable_by_keyboard(report_page: tuple[Watched, str]) -> None:
    watched, _ = report_page
    page = watched.open("class-report.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    # Tab on to a student link in the misconceptions and follow it with Enter.
    for _ in range(80):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if href.startswith("#student-"):
            break
    else:
        raise AssertionError("Tab never reached a link to a student")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == href
    assert page.locator(f"tr{href}").is_visible()
    # The checks table opens from the keyboard too.
    summary = page.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("details").get_attribute("open") is not None
