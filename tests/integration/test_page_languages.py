"""Every public page speaks one language: no untranslated UI text in zh or in en.

Data fields are exempt when the page marks them with their own `lang` (a Chinese holder name
on an English page is `lang="zh-CN"`); codes, numbers, e-mail and web addresses too.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from tests.conftest import test_config
from tests.public_pages import Page, example_pages, uncovered_rules
from tests.staff_support import own_app

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60]+")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
# Latin words a Chinese page may show: codes and proper names written the same in Chinese.
ZH_ALLOWED = {"ISO", "IEC", "GB", "CNAS", "CNCA", "CCAA", "IAF", "Global", "ACI", "MD", "QR", "PDF", "JPEG",
              "PNG", "CSV", "XLSX", "Excel", "API", "JSON", "OpenAPI", "Atom", "SVG", "URL",
              "TS", "SQI", "QMS", "EMS", "OHSMS", "SRMS", "OTHER", "MS", "GREEN", "PRODUCT",
              "VOLUNTARY", "REAL", "ESTATE", "SERVICE", "UTF", "BOM", "HTTPS", "HTTP", "www",
              "sqi", "org", "cn", "gov", "rzzx", "mailto", "https", "http", "English", "CA",
              "SR", "CNCA's", "ID", "WebP"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, list[Page]]]:
    """One app with the demo register loaded (shared: loading takes seconds)."""
    with own_app(test_config(Path(tmp_path_factory.mktemp("languages")))) as app:
        result = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
        assert result.exit_code == 0, result.output
        yield app, example_pages(app)


def visible_text(html: str, drop_lang: str) -> str:
    """Return the text a reader sees, without parts marked as another language or as code."""
    page = BeautifulSoup(html, "html.parser")
    for tag in page(["script", "style", "template", "code", "kbd", "samp"]):
        tag.decompose()
    for tag in page.select(f'[lang^="{drop_lang}"]'):
        if tag.name != "html":
            tag.decompose()
    for tag in page.select('[translate="no"]'):
        tag.decompose()
    texts = [page.get_text(" ")]
    for tag in page.select("[alt], [title], [aria-label], [placeholder]"):
        texts += [tag.get(attr, "") for attr in ("alt", "title", "aria-label", "placeholder")]
    return " ".join(texts)


def foreign_latin_words(text: str) -> set[str]:
    """Return Latin words of a Chinese page that are neither codes nor addresses."""
    words = set()
    for token in text.split():
        if "@" in token or "://" in token or token.startswith("/") or re.search(r"\w\.\w", token):
            continue
        for word in WORD.findall(token):
            if word in ZH_ALLOWED or word.isupper() or re.search(r"\d", token):
                continue
            words.add(word)
    return words


def fetch(app: Flask, page: Page, accept: str) -> str:
    response = app.test_client().get(page.path, headers={"Accept-Language": accept})
    assert response.status_code == page.status, (page.path, response.status_code)
    html = response.get_data(as_text=True)
    return html.replace(page.user_text, " ") if page.user_text else html


def test_every_public_page_is_listed(demo):
    app, pages = demo
    assert uncovered_rules(app, pages) == []


def test_english_pages_have_no_chinese_ui_text(demo):
    app, pages = demo
    found = {}
    for page in pages:
        text = visible_text(fetch(app, page, "en"), drop_lang="zh")
        if CJK.search(text):
            found[page.name] = sorted(set(CJK.findall(text)))[:10]
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_chinese_pages_have_no_english_ui_text(demo):
    app, pages = demo
    found = {}
    for page in pages:
        words = foreign_latin_words(visible_text(fetch(app, page, "zh-CN"), drop_lang="en"))
        if words:
            found[page.name] = sorted(words)[:15]
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
