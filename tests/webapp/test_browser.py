"""Smoke test in a real browser: search from the page and see a highlighted result."""
from browser import visit


def test_search_in_browser_shows_highlighted_hit(browser, live_server):
    with visit(browser, live_server + "/") as (page, problems):
        page.fill("input[name=q]", "veicoli")
        page.click("button[type=submit]")
        page.wait_for_selector("ol.hits li.hit")
        first = page.locator("ol.hits li.hit").first
        assert "IT" in first.locator(".badge.lang").inner_text()
        assert first.locator(".snippet mark").count() >= 1
        assert first.locator(".snippet mark").first.inner_text().lower().startswith("veicol")
        # the document page opens at the hit passage
        first.locator("h3 a").click()
        page.wait_for_selector("section.passage.hit")
        assert "#p" in page.url
        assert page.locator("section.passage.hit mark").count() >= 1
        assert not problems
