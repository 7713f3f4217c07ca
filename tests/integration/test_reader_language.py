"""Register data appears in the reader's language: fixed reasons and places by table.

Status and re-issue reasons come from a fixed staff pick-list, provinces and cities from a
table of names (portal/domain/places.py); on English pages they read in English. Free text
that exists only in Chinese stays as it is and is marked lang="zh-CN".
"""

from datetime import date

import pytest
from bs4 import BeautifulSoup

from portal.domain import places, reasons
from portal.domain.status import CertificateStatus
from portal.extensions import db
from portal.services import certificates as certificate_service
from portal.services import demo_names
from portal.staff.forms import REASON_CLASSES
from tests.factories import NOW

S = CertificateStatus


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def suspended(make_certificate, reason, **fields):
    cert = make_certificate(**fields)
    certificate_service.change_status(cert, S.SUSPENDED, effective=date(2026, 1, 5),
                                      reason=reason, actor="test", now=NOW)
    db.session.commit()
    return cert


def reason_element(doc):
    return doc.select_one(".cert-status__reason")


def test_a_pick_list_reason_and_the_region_read_in_english(client, make_certificate):
    cert = suspended(make_certificate, "未按期接受监督审核", province="上海市", city="上海市")
    en = page(client, f"/certificates/{cert.number_key}?lang=en")
    reason = reason_element(en)
    assert "Surveillance audit not accepted on time" in reason.get_text()
    assert "未按期接受监督审核" not in en.select_one("main").get_text()
    region = en.find("dt", string="Region").find_next_sibling("dd")
    assert region.get_text(strip=True) == "Shanghai"
    assert "上海市" not in region.get_text()
    zh = page(client, f"/certificates/{cert.number_key}?lang=zh")
    assert "未按期接受监督审核" in reason_element(zh).get_text()
    assert zh.find("dt", string="所在地区").find_next_sibling("dd").get_text(strip=True) == "上海市"


def test_a_province_and_city_read_in_english(client, make_certificate):
    cert = make_certificate(province="江苏省", city="苏州市")
    en = page(client, f"/certificates/{cert.number_key}?lang=en")
    region = en.find("dt", string="Region").find_next_sibling("dd")
    assert region.get_text(strip=True) == "Suzhou, Jiangsu"
    assert region.select_one("[lang=en]") is not None


def test_a_detail_after_a_pick_list_reason_stays_chinese_and_is_marked(client,
                                                                        make_certificate):
    cert = suspended(make_certificate, "不符合认证要求：第二次监督审核发现严重不符合")
    reason = reason_element(page(client, f"/certificates/{cert.number_key}?lang=en"))
    assert "Does not meet certification requirements" in reason.get_text()
    detail = reason.select_one('[lang="zh-CN"]')
    assert detail.get_text() == "第二次监督审核发现严重不符合"


def test_free_text_only_in_chinese_is_marked(client, make_certificate):
    cert = suspended(make_certificate, "客户自行说明的特殊原因", province="西藏自治区",
                     city="那曲市")
    en = page(client, f"/certificates/{cert.number_key}?lang=en")
    marked = reason_element(en).select_one('[lang="zh-CN"]')
    assert marked is not None and marked.get_text() == "客户自行说明的特殊原因"
    region = en.find("dt", string="Region").find_next_sibling("dd")
    # The city is not in the table: the whole place stays readable, the Chinese part marked.
    assert "Xizang" in region.get_text() and region.select_one('[lang="zh-CN"]') is not None


def test_re_issue_reasons_in_the_history_read_in_english(client, make_certificate):
    cert = make_certificate()
    certificate_service.reissue_certificate(cert, effective=date(2026, 2, 1),
                                            reason="获证组织名称变更，换发证书", actor="test",
                                            now=NOW)
    db.session.commit()
    en = page(client, f"/certificates/{cert.number_key}?lang=en")
    history = " ".join(r.get_text() for r in en.select(".timeline__reason"))
    assert "re-issued after the certified organisation changed its name" in history
    assert "换发证书" not in history


def test_search_shows_places_and_province_facets_in_english(client, make_certificate):
    make_certificate(holder_name_zh="苏州东方电子有限公司", province="江苏省", city="苏州市")
    make_certificate(holder_name_zh="上海东方电子有限公司")
    en = page(client, "/search?q=东方电子&lang=en")
    facets = [a.get_text(" ", strip=True) for a in en.select(".facets a")
              if "province=" in a["href"]]
    assert any(f.startswith("Jiangsu") for f in facets)
    assert any(f.startswith("Shanghai") for f in facets)
    assert not any("省" in f or "市" in f for f in facets)
    locations = [dd.get_text(strip=True) for dd in en.select(".result dd")]
    assert "Suzhou, Jiangsu" in locations
    zh = page(client, "/search?q=东方电子&lang=zh")
    assert any("江苏省" in a.get_text() for a in zh.select(".facets a"))


def test_every_fixed_reason_has_english_wording():
    fixed = [zh for _key, zh, _en in REASON_CLASSES]
    fixed += [demo_names.REASON_MISSED_SURVEILLANCE, demo_names.REASON_RESTORED,
              demo_names.REASON_PRODUCT_SUSPENDED, demo_names.REASON_PRODUCT_RESTORED,
              demo_names.REASON_SUSPENSION_REQUESTED, demo_names.REASON_NOT_LIFTED,
              demo_names.REASON_NOT_RENEWED, demo_names.REASON_RENAMED,
              *demo_names.REASONS_WITHDRAWN, *demo_names.REASONS_CANCELLED]
    assert [zh for zh in fixed if reasons.english_reason(zh) is None] == []


def test_every_demo_place_and_every_province_has_an_english_name():
    assert len(places.PROVINCES) == 34  # every province-level division of China
    for province, _p_en, city, _c_en, *_rest in demo_names.PLACES:
        assert places.province_en(province), province
        assert places.city_en(city), city


@pytest.mark.parametrize("text, expected", [
    ("未按期接受监督审核", ("Surveillance audit not accepted on time", "")),
    ("其他：搬迁", ("Other", "搬迁")),
    ("随便写的", None),
    ("", None),
])
def test_english_reason(text, expected):
    assert reasons.english_reason(text) == expected
