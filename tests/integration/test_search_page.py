"""/search as a person sees it: highlights, facets, paging, no-results help, both languages."""

import re

import pytest
from bs4 import BeautifulSoup

CJK = re.compile(r"[\u3400-\u9fff]")


def soup(client, **params):
    response = client.get("/search", query_string=params)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def test_results_show_highlighted_names_with_status_badges(client, make_certificate):
    cert = make_certificate(holder_name_zh="上海华虹电子有限公司")
    page = soup(client, q="華虹電子")
    result = page.select_one(".result")
    assert result.select_one("h3 a")["href"] == f"/certificates/{cert.certificate_number}"
    assert [m.text for m in result.select("h3 mark")] == ["华虹电子"]
    assert result.select_one(".badge--valid") is not None
    assert "1" in page.select_one("#results-heading").text


def test_highlighting_escapes_what_the_database_holds(client, make_certificate):
    make_certificate(holder_name_zh="<b>华虹</b>&电子<script>x</script>有限公司")
    response = client.get("/search", query_string={"q": "华虹"})
    assert "<script>x</script>" not in response.text
    assert "&lt;b&gt;<mark>华虹</mark>&lt;/b&gt;&amp;电子" in response.text


def test_search_box_is_labelled_and_keeps_the_query(client):
    page = soup(client, q="华虹")
    box = page.select_one("form[role=search] input[name=q]")
    assert page.select_one(f"label[for={box['id']}]") is not None
    assert box["value"] == "华虹"


def test_facet_links_filter_the_results(client, make_certificate):
    make_certificate(holder_name_zh="苏州东方电子有限公司", scheme="QMS")
    make_certificate(holder_name_zh="杭州东方电子有限公司", scheme="EMS")
    page = soup(client, q="东方电子")
    link = next(a for a in page.select(".facets a") if "scheme=EMS" in a["href"])
    assert "(1)" in link.text
    filtered = BeautifulSoup(client.get(link["href"]).text, "html.parser")
    assert [h.text.strip() for h in filtered.select(".result h3")] == ["杭州东方电子有限公司"]


def test_pages_link_to_each_other(client, make_certificate):
    for _ in range(25):
        make_certificate(holder_name_zh="宁波分页测试有限公司")
    page = soup(client, q="分页测试")
    assert len(page.select(".result")) == 20
    next_link = page.select_one(".pager a[rel=next]")
    second = BeautifulSoup(client.get(next_link["href"]).text, "html.parser")
    assert len(second.select(".result")) == 5
    assert second.select_one(".result-list")["start"] == "21"


@pytest.mark.parametrize(("lang", "labels"), [
    ("en", ("Result pages", "Previous page", "Page 2 of 3", "Next page")),
    ("zh", ("结果分页", "上一页", "第 2 页，共 3 页", "下一页"))])
def test_the_search_pager_is_the_shared_one_in_both_languages(client, make_certificate, lang,
                                                               labels):
    for _ in range(45):
        make_certificate(holder_name_zh="宁波分页测试有限公司")
    pager = soup(client, q="分页测试", page="2", scheme="QMS", lang=lang).select_one("nav.pager")
    prev, nxt = pager.select_one("a[rel=prev]"), pager.select_one("a[rel=next]")
    assert (pager["aria-label"], prev.text, pager.select_one("[aria-current=page]").text,
            nxt.text) == labels
    # plain links (no JavaScript) that keep the query and the filters
    assert "page=" not in prev["href"] and "page=3" in nxt["href"]  # page 1 needs no number
    assert all("scheme=QMS" in a["href"] and "q=" in a["href"] for a in (prev, nxt))


def test_no_results_page_offers_near_matches_and_how_to_report_a_fake(client, make_certificate):
    make_certificate(holder_name_zh="上海华虹电子有限公司")
    page = soup(client, q="华虹 量子计算")
    assert page.select(".result") == []
    assert page.select_one('a[href="/report-fake"]') is not None
    assert "上海华虹电子有限公司" in page.select_one(".near-list").text


def test_malformed_credit_code_suggests_the_corrected_one(client, make_certificate):
    from portal.domain.codes import make_credit_code

    code = make_credit_code("91310115MA1H00001")
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    make_certificate(credit_code=code)
    page = soup(client, q=wrong)
    link = page.select_one(".panel--warning a")
    assert link.text.strip() == code
    assert len(BeautifulSoup(client.get(link["href"]).text, "html.parser").select(".result")) == 1


def test_only_a_company_form_asks_for_a_distinctive_word(client, make_certificate):
    make_certificate()
    page = soup(client, q="有限公司")
    assert "有限公司" in page.select_one(".notice").text


def test_english_page_keeps_chinese_data_in_marked_elements(client, make_certificate):
    make_certificate(holder_name_zh="上海华虹电子有限公司", holder_name_en="")
    page = soup(client, q="华虹", lang="en")
    main = page.select_one("main")
    for element in main.find_all(string=CJK):
        if element.parent.name in ("input",) or element.find_parent(attrs={"lang": "zh-CN"}):
            continue
        pytest.fail(f"Chinese text outside lang=zh-CN: {element!r}")
    assert "Search certificates" in page.select_one("h1").text


def test_bad_filters_in_the_address_are_ignored_with_a_message(client, make_certificate):
    make_certificate(holder_name_zh="上海华虹电子有限公司")
    page = soup(client, q="华虹", scheme="NOPE", page="abc")
    assert page.select_one(".flash--error") is not None
    assert len(page.select(".result")) == 1
