"""Search filter by standard family and version, with facet counts (#15)."""

import pytest
from bs4 import BeautifulSoup

from search_index import normalise_standard, standard_terms

QMS_2015 = "GB/T 19001-2016/ISO 9001:2015"
QMS_2008 = "GB/T 19001-2008/ISO 9001:2008"
EMS_2015 = "GB/T 24001-2016/ISO 14001:2015"


@pytest.fixture
def three(make_certificate):
    return [make_certificate(holder_name_zh="苏州标准测试一有限公司", scheme="QMS", standard=QMS_2015),
            make_certificate(holder_name_zh="苏州标准测试二有限公司", scheme="QMS", standard=QMS_2008),
            make_certificate(holder_name_zh="苏州标准测试三有限公司", scheme="EMS", standard=EMS_2015)]


def api(client, **params):
    response = client.get("/api/v1/certificates", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_family_matches_every_version_and_version_only_its_own(client, three):
    family = api(client, q="标准测试", standard="ISO 9001")
    assert family["total"] == 2
    assert {r["standard"] for r in family["results"]} == {QMS_2015, QMS_2008}
    version = api(client, q="标准测试", standard="ISO 9001:2015")
    assert [r["standard"] for r in version["results"]] == [QMS_2015]
    national = api(client, q="标准测试", standard="GB/T 19001-2008")
    assert [r["standard"] for r in national["results"]] == [QMS_2008]
    # spelled loosely: lower case, a full-width colon, a dash for the ISO year
    assert api(client, q="标准测试", standard="iso 9001：2015")["total"] == 1
    assert api(client, q="标准测试", standard="ISO 9001-2015")["total"] == 1


def test_standard_facet_counts_families_and_versions(client, three):
    facets = api(client, q="标准测试")["facets"]["standard"]
    assert facets["ISO 9001"] == 2 and facets["ISO 9001:2015"] == 1
    assert facets["ISO 9001:2008"] == 1 and facets["GB/T 19001"] == 2
    assert facets["ISO 14001"] == 1 and facets["GB/T 24001-2016"] == 1
    # a facet ignores its own filter but obeys the others
    filtered = api(client, q="标准测试", standard="ISO 9001:2015", scheme="QMS")["facets"]
    assert filtered["standard"]["ISO 9001:2008"] == 1 and "ISO 14001" not in filtered["standard"]
    assert filtered["scheme"] == {"QMS": 1}


def test_standard_filter_alone_lists_every_match(client, three):
    assert api(client, standard="ISO 14001")["total"] == 1


def test_bad_standard_is_a_400_with_the_error_shape(client, three):
    for bad in ("nonsense", "ISO 9001/ISO 14001", "x" * 500):
        response = client.get("/api/v1/certificates", query_string={"standard": bad})
        assert response.status_code == 400
        assert "standard" in response.get_json()["error"]["message"]


def test_search_page_offers_standard_facets_and_keeps_the_filter(client, three):
    page = BeautifulSoup(client.get("/search?lang=en&q=标准测试").text, "html.parser")
    links = {a.get_text(" ", strip=True): a["href"] for a in page.select(".facet-list a")}
    family = next(href for text, href in links.items() if text.startswith("ISO 9001 (2)"))
    assert "standard=ISO" in family
    filtered = BeautifulSoup(client.get(family).text, "html.parser")
    assert "苏州标准测试三有限公司" not in filtered.select_one("main").get_text()
    assert filtered.select_one('input[name="standard"]')["value"] == "ISO 9001"
    assert filtered.select_one(".facet--current").get_text(" ", strip=True).startswith("ISO 9001")


def test_openapi_documents_the_standard_parameter(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"]: p for p in spec["paths"]["/certificates"]["get"]["parameters"]}
    assert "ISO 9001:2015" in str(params["standard"])
    facets = spec["components"]["schemas"]["SearchResponse"]["properties"]["facets"]
    assert "standard" in facets["properties"]


@pytest.mark.parametrize(("text", "terms"), [
    (QMS_2015, ["GB/T 19001", "GB/T 19001-2016", "ISO 9001", "ISO 9001:2015"]),
    ("GB/T 20647.9-2006", ["GB/T 20647.9", "GB/T 20647.9-2006"]),
    ("GB/T 28001-2011/OHSAS 18001:2007",
     ["GB/T 28001", "GB/T 28001-2011", "OHSAS 18001", "OHSAS 18001:2007"]),
    ("ISO/IEC 27001:2013", ["ISO/IEC 27001", "ISO/IEC 27001:2013"]),
    ("", []),
])
def test_standard_terms(text, terms):
    assert standard_terms(text) == terms


def test_normalise_standard():
    assert normalise_standard(" gb/t 19001-2016 ") == "GB/T 19001-2016"
    assert normalise_standard("ISO 9001") == "ISO 9001"
    assert normalise_standard(QMS_2015) is None  # two standards: not one filter value
