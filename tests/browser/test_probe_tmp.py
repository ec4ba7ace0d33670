import pytest
from playwright.sync_api import Page

@pytest.mark.browser
def test_probe(site: str, page: Page, page_log) -> None:
    resp = page.goto(site + "/directorio/")
    print(resp.status)
    print(page.evaluate("getComputedStyle(document.body).fontFamily"))
    links = page.evaluate("[...document.querySelectorAll('link')].map(l => l.href)")
    print(links)
    print(page.evaluate("document.styleSheets.length"))
    print(page_log)
    page.goto(site + "/directorio/?departamento=04")
    print(page.inner_text("main")[:600])
