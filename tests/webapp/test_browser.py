"""Smoke test in a real browser: search from the page and see a highlighted result."""
from browser import visit


def test_search_in_browser_shows_highlighted_hit(browser, live_server):
    with visit(browser, live_server + "/") as (page, problems):
        page.fill("input[name=q]", "veicoli")
        page.click("button[type=submit]")
        page.wait_for_selector("ol.hits li.hit")
        # the Italian hit (English ones, found through the translated query, may rank first)
        first = page.locator("ol.hits li.hit").filter(
            has=page.locator(".badge.lang", has_text="IT")).first
        assert first.locator(".snippet mark").count() >= 1
        assert first.locator(".snippet mark").first.inner_text().lower().startswith("veicol")
        # the document page opens at the hit passage
        first.locator("h3 a").click()
        page.wait_for_selector("section.passage.hit")
        assert "#p" in page.url
        assert page.locator("section.passage.hit mark").count() >= 1
        assert not problems


def without_javascript(browser, url: str):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url, wait_until="load")
    return context, page


def test_other_passages_of_a_document_open_without_javascript(browser, live_server):
    context, page = without_javascript(browser, live_server + "/?q=leapmotor&mode=keyword")
    try:
        hits = page.locator("ol.hits > li.hit")
        assert hits.count() == 6  # one per document
        report = hits.filter(has=page.locator("h3 a[href^='/doc/004_902272254a36adef']"))
        more = report.locator("details.more")
        assert "more passages in this document" in more.locator("summary").inner_text()
        assert not more.locator("ol.more-passages").is_visible()
        more.locator("summary").click()
        assert more.locator("ol.more-passages > li").first.is_visible()
        assert more.locator("ol.more-passages mark").count() >= 1
    finally:
        context.close()


def test_a_timeline_bar_narrows_the_search_to_its_year(browser, live_server):
    context, page = without_javascript(browser, live_server + "/?q=leapmotor&mode=keyword")
    try:
        bars = page.locator("figure.timeline svg a.bar")
        assert bars.count() == 4 and bars.first.bounding_box()["height"] > 0
        bars.filter(has=page.locator("rect")).nth(1).click()  # 2023
        page.wait_for_url("**date_to=2023*")
        assert "date_from=2023" in page.url
        assert page.locator("ol.hits li.hit .date").all_inner_texts() == ["2023-09"]
        assert page.locator("input[name=date_from]").input_value() == "2023"
    finally:
        context.close()
