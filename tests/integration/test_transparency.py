"""`/transparency` on the demo register: the report's 2022 table cell for cell, CSV, chart, text.

The demo data set is loaded once for the module (it takes seconds); tests that need an empty
database are in test_transparency_records.py.
"""

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask

from portal import clock
from portal.services import stats as stats_service
from tests.conftest import test_config
from tests.spec_tables import COLUMNS, SUBTOTALS_2022, TABLE_2022
from tests.staff_support import own_app

SVG = "{http://www.w3.org/2000/svg}"
HEADERS = {
    "zh": ["认证类别", "认证项目名称", "有效证书总份数", "新颁发证书份数", "监督审核次数",
           "暂停证书份数", "撤销证书份数", "注销证书份数"],
    "en": ["Category", "Certification scheme", "Valid certificates", "Newly issued certificates",
           "Surveillance audits", "Suspended certificates", "Withdrawn certificates",
           "Cancelled certificates"],
}
# The report's "3、人力资源" table, copied exactly (the EMS totals differ in the report too).
STAFFING = {
    "zh": [["项目", "QMS", "EMS", "OHSMS", "服务认证", "产品认证"],
           ["专职审核员/总数", "27/48", "25/38", "25/35", "4/5", "16/16"],
           ["兼职审核员/总数", "21/48", "14/39", "10/35", "1/5", "0"],
           ["实习", "3", "1", "1", "0", "0"]],
    "en": [["Item", "QMS", "EMS", "OHSMS", "Service", "Product"],
           ["Full-time auditors / total", "27/48", "25/38", "25/35", "4/5", "16/16"],
           ["Part-time auditors / total", "21/48", "14/39", "10/35", "1/5", "0"],
           ["Trainees", "3", "1", "1", "0", "0"]],
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app with the demo data set loaded through the CLI (shared: loading takes seconds)."""
    with own_app(test_config(Path(tmp_path_factory.mktemp("transparency")))) as app:
        result = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
        assert result.exit_code == 0, result.output
        yield app


def get(app: Flask, path: str, lang: str = "zh"):
    accept = "en" if lang == "en" else "zh-CN,zh;q=0.9"
    return app.test_client().get(path, headers={"Accept-Language": accept})


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def number(text: str) -> int:
    """Read a formatted figure: `1,652` (grouping separators of either language)."""
    return int(re.sub(r"[^0-9]", "", text))


def html_table(page: BeautifulSoup) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple]]:
    """Return {scheme: figures} and {category: figures} read from the statistics table."""
    table = page.select_one("table#stats-table")
    rows = {tr["data-scheme"]: tuple(number(td.text) for td in tr.select("td"))
            for tr in table.select("tr[data-scheme]")}
    subtotals = {tr["data-subtotal"]: tuple(number(td.text) for td in tr.select("td"))
                 for tr in table.select("tr[data-subtotal]")}
    return rows, subtotals


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_2022_table_is_the_report_cell_for_cell(loaded, lang):
    page = soup(get(loaded, "/transparency?year=2022", lang))

    rows, subtotals = html_table(page)

    assert rows == TABLE_2022
    assert subtotals == SUBTOTALS_2022
    assert [th.text.strip() for th in page.select("#stats-table thead th")] == HEADERS[lang]
    assert all(th["scope"] == "col" for th in page.select("#stats-table thead th"))
    assert "2022" in page.select_one("#stats-table caption").text


def test_rows_follow_the_report_layout_with_subtotals_after_each_category(loaded):
    page = soup(get(loaded, "/transparency?year=2022"))

    order = [tr.get("data-scheme") or f"{tr['data-subtotal']} total"
             for tr in page.select("#stats-table tbody tr")]

    assert order == ["QMS", "EMS", "OHSMS", "SRMS", "OTHER_MS", "management total",
                     "GREEN_PRODUCT", "VOLUNTARY_PRODUCT", "product total",
                     "REAL_ESTATE_SERVICE", "service total"]
    qms = page.select_one('tr[data-scheme="QMS"] th[scope="row"]').text
    assert "质量管理体系认证" in qms and "QMS" in qms
    group = page.select_one('tbody[data-category="management"] th[scope="rowgroup"]')
    assert group["rowspan"] == "6"
    assert page.select_one('tr[data-subtotal="product"] th').text.strip() == "合计"
    assert page.select_one('tr[data-scheme="QMS"] td').text.strip() == "838"
    assert page.select_one('tr[data-subtotal="management"] td').text.strip() == "1,652"


def test_english_rows_name_the_schemes_in_english(loaded):
    page = soup(get(loaded, "/transparency?year=2022", "en"))

    assert page.select_one("html")["lang"] == "en"
    qms = page.select_one('tr[data-scheme="QMS"] th[scope="row"]').text
    assert "Quality management system certification" in qms
    assert page.select_one('tr[data-subtotal="service"] th').text.strip() == "Total"
    definitions = page.select_one(".stats-definitions").text
    assert "Certificates in force on 31 December 2022" in definitions


def test_column_definitions_follow_spec_six(loaded):
    page = soup(get(loaded, "/transparency?year=2022"))

    items = {div["data-column"]: div.select_one("dd").text
             for div in page.select(".stats-definitions div")}

    assert list(items) == list(COLUMNS)
    assert "2022年12月31日当日有效" in items["valid"]
    assert "初次颁证日期在2022年内" in items["newly_issued"]
    assert "监督审核" in items["surveillance_audits"]
    for column, word in (("suspended", "暂停"), ("withdrawn", "撤销"), ("cancelled", "注销")):
        assert word in items[column] and "2022" in items[column]


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM, for Excel
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_csv_equals_the_table_and_the_api(loaded):
    response = get(loaded, "/transparency.csv?year=2022")
    lines = read_csv(response)
    api = loaded.test_client().get("/api/v1/stats?year=2022").get_json()

    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=sqi-statistics-2022.csv")
    assert lines[0] == ["scheme", "category", "valid", "newly_issued", "surveillance_audits",
                        "suspended", "withdrawn", "cancelled"]
    body = {line[0]: (line[1], tuple(int(v) for v in line[2:])) for line in lines[1:]}
    assert [line[0] for line in lines[1:]] == [*TABLE_2022, "management total", "product total",
                                               "service total"]
    for scheme, figures in TABLE_2022.items():
        assert body[scheme][1] == figures
    for category, figures in SUBTOTALS_2022.items():
        assert body[f"{category} total"] == (category, figures)
    for row in api["rows"]:
        assert body[row["scheme"]] == (row["category"], tuple(row[c] for c in api["columns"]))
    for row in api["subtotals"]:
        assert body[f"{row['category']} total"][1] == tuple(row[c] for c in api["columns"])


def test_page_links_the_csv_of_the_shown_year(loaded):
    page = soup(get(loaded, "/transparency?year=2022"))

    href = page.select_one("#csv-link")["href"]

    assert href == "/transparency.csv?year=2022"
    assert read_csv(loaded.test_client().get(href))[1][0] == "QMS"


@pytest.mark.parametrize("path", ["/transparency?year=2022", "/transparency.csv?year=2022"])
def test_page_and_csv_are_cacheable_for_five_minutes(loaded, path):
    response = get(loaded, path)

    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert {"Cookie", "Accept-Language"} <= set(response.vary)


def chart(response) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", response.text, re.DOTALL)
    assert match, "no inline SVG chart"
    return ET.fromstring(match.group(0))  # raises if the SVG is not well-formed XML


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_is_accessible_well_formed_svg_with_the_figures(loaded, lang):
    svg = chart(get(loaded, "/transparency?year=2022", lang))

    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == desc_id
    assert svg.get("viewBox").startswith("0 0 ")
    texts = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    for scheme, figures in TABLE_2022.items():
        valid, newly = figures[0], figures[1]
        assert f"{valid:,}" in desc.text and f"{valid:,}" in texts, scheme
        assert f"{newly:,}" in texts
    if lang == "zh":
        assert "质量管理体系认证" in texts and "有效 838" in texts and "新颁发 63" in texts
    else:
        assert "Quality management" in texts and "Valid 838" in texts
        assert "Newly issued 63" in texts
    assert 'style="' not in re.search(r"<svg\b.*?</svg>", get(loaded, "/transparency").text,
                                      re.DOTALL).group(0)


def test_default_year_is_the_last_complete_year_and_the_selector_lists_years(loaded):
    page = soup(get(loaded, "/transparency"))

    select = page.select_one("form.year-form select#year")
    options = [int(o["value"]) for o in select.select("option")]

    assert page.select_one('label[for="year"]').text.strip() == "统计年份"
    assert page.select_one("form.year-form")["method"] == "get"
    assert page.select_one("form.year-form button[type=submit]") is not None
    assert select.select_one("option[selected]")["value"] == str(clock.today().year - 1)
    with loaded.app_context():
        assert sorted(options) == stats_service.available_years()
    assert options[0] == clock.today().year and 2022 in options


def test_demo_year_without_complaints_says_so(loaded):
    page = soup(get(loaded, "/transparency?year=2022"))

    assert page.select_one("#no-complaints").text.strip() == "2022年未收到投诉或申诉。"
    assert page.select_one("#complaint-figures") is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_staffing_table_of_the_report_is_on_the_page(loaded, lang):
    page = soup(get(loaded, "/transparency?year=2022", lang))
    content = page.select_one(".transparency-content")

    staffing = [table for table in content.select("table") if "QMS" in table.text]
    cells = [[cell.text.strip() for cell in tr.select("th, td")] for tr in staffing[0].select("tr")]

    assert cells == STAFFING[lang]
    text = " ".join(content.text.split())
    if lang == "zh":
        assert "管理人员 10 人" in text and "各级别审核员 63 人" in text
    else:
        assert "10 management staff" in text and "63 auditors" in text


def test_commitments_and_accreditation_in_both_languages_have_the_same_sections(loaded):
    zh = soup(get(loaded, "/transparency?year=2022", "zh"))
    en = soup(get(loaded, "/transparency?year=2022", "en"))

    zh_sections = zh.select(".transparency-content h2")
    en_sections = en.select(".transparency-content h2")

    assert len(zh_sections) == len(en_sections) == 5
    assert [h.text for h in zh_sections][:3] == ["公正性承诺", "保密承诺", "批准与认可"]
    assert [h.text for h in en_sections][:3] == ["Impartiality commitment",
                                                 "Confidentiality commitment",
                                                 "Approval and accreditation"]
    assert "保密责任及公正性承诺" in zh.text and "末次会议" in zh.text and "首次会议" in zh.text
    assert "CNCA" in en.text and "CNAS" in en.text
    toc = [a["href"] for a in zh.select(".transparency-toc a")]
    assert all(zh.select_one(href) is not None for href in toc)


@pytest.mark.parametrize(("lang", "text"), [("zh", "本页内容最近审核日期：2026年12月1日"),
                                            ("en", "Last reviewed on December 1, 2026")])
def test_last_reviewed_date_is_shown_at_the_bottom(loaded, lang, text):
    page = soup(get(loaded, "/transparency?year=2022", lang))

    reviewed = page.select_one("#last-reviewed")

    assert reviewed.text.strip() == text
    assert page.select_one("article").find_all(recursive=False)[-1] is reviewed
