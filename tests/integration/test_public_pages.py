"""The public information pages (/services, /certification-rules, /complaints, /about) and /alerts."""

import logging
import re
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from portal.i18n import STATUS_LABELS
from portal.models import AlertKind
from portal.services import alerts as alert_service
from portal.services import content
from tests.factories import NOW

# url -> content slug; the pages whose files this area writes come first.
PAGES = {"/services": "services", "/certification-rules": "certification-rules",
         "/complaints": "complaints", "/about": "about"}
OWN_SLUGS = ("services", "certification-rules")
TITLES = {("services", "zh"): "如何获得认证", ("services", "en"): "How to get certified",
          ("certification-rules", "zh"): "认证规则",
          ("certification-rules", "en"): "Certification rules"}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def get(client, url: str, lang: str):
    """GET `url` in `lang` (the language choice is remembered, so always say it)."""
    response = client.get(f"{url}?lang={lang}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def text_of(page: BeautifulSoup) -> str:
    return " ".join(page.select_one("main").get_text(" ").split())


def section_text(page: BeautifulSoup, heading: str) -> str:
    """Return the text from the `##` heading `heading` up to the next `##` heading."""
    h2 = next((h for h in page.select(".prose h2") if h.get_text(strip=True) == heading), None)
    assert h2 is not None, f"no section {heading!r} in {[h.text for h in page.select('h2')]}"
    parts = []
    for sibling in h2.find_next_siblings():
        if sibling.name == "h2":
            break
        parts.append(sibling.get_text(" "))
    return " ".join(" ".join(parts).split())


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("url", list(PAGES))
def test_information_page_has_title_lead_contents_and_review_date(client, url, lang):
    page = soup(get(client, url, lang))
    expected = content.load_page(PAGES[url], lang)
    assert page.html["lang"] == ("zh-CN" if lang == "zh" else "en")
    assert page.select_one("h1").get_text(strip=True) == expected.title
    assert expected.title in page.title.get_text()
    if PAGES[url] in OWN_SLUGS:
        assert expected.title == TITLES[(PAGES[url], lang)]
    assert page.select_one(".content-page__header .lead").get_text(strip=True) == \
        expected.description
    toc = page.select_one("nav.toc")
    assert toc["aria-label"] == ("本页目录" if lang == "zh" else "On this page")
    headings = {h["id"]: h.get_text(strip=True) for h in page.select(".prose h2")}
    links = [(a["href"], a.get_text(strip=True)) for a in toc.select("a")]
    assert links == [(f"#{anchor}", title) for anchor, title in headings.items()]
    assert len(links) >= 5
    reviewed = page.select_one(".content-page__reviewed").get_text(strip=True)
    assert reviewed == ("本页内容最近审阅日期：2026年12月1日" if lang == "zh"
                        else "Last reviewed: December 1, 2026")


@pytest.mark.parametrize("url", list(PAGES))
def test_information_page_defaults_to_chinese(client, url):
    page = soup(client.get(url))
    assert page.html["lang"] == "zh-CN"
    assert page.select_one("h1").get_text(strip=True) == content.load_page(PAGES[url], "zh").title


@pytest.mark.parametrize("url", list(PAGES))
def test_information_page_may_be_cached_per_language(client, url):
    response = client.get(url + "?lang=en")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    vary = {v.strip() for v in response.headers["Vary"].split(",")}
    assert {"Cookie", "Accept-Language"} <= vary


def test_services_page_lists_the_eight_schemes_with_their_standards(client):
    for lang, names in {
        "zh": ["质量管理体系", "环境管理体系", "中国职业健康安全管理体系", "企业社会责任管理体系",
               "其他管理体系", "绿色产品", "其他自愿性工业产品", "不动产服务"],
        "en": ["Quality management system", "Environmental management system",
               "Occupational health and safety", "Social responsibility", "Other management",
               "Green products", "Other voluntary industrial products", "Real estate services"],
    }.items():
        page = soup(get(client, "/services", lang))
        table = page.select_one(".prose table")
        rows = [[td.get_text(" ", strip=True) for td in tr.select("td")]
                for tr in table.select("tbody tr")]
        assert len(rows) == 8 and all(len(row) == 3 for row in rows)
        for row, name in zip(rows, names, strict=True):
            assert name in row[0]
        standards = " ".join(row[1] for row in rows)
        for standard in ("ISO 9001", "GB/T 19001", "ISO 14001", "GB/T 24001", "ISO 45001",
                         "GB/T 45001"):
            assert standard in standards


@pytest.mark.parametrize(("lang", "steps"), [
    ("zh", ["申请", "申请评审", "审核组", "第一阶段审核", "第二阶段审核", "不符合项", "认证决定",
            "颁发证书", "监督审核", "再认证", "结合审核"]),
    ("en", ["application", "contract", "audit team", "Stage 1 audit", "Stage 2 audit",
            "nonconformities", "Certification decision", "Certificate issue", "surveillance",
            "Recertification", "Integrated audits"]),
])
def test_services_page_gives_the_process_step_by_step(client, lang, steps):
    page = soup(get(client, "/services", lang))
    items = [li.get_text(" ", strip=True) for li in page.select(".prose ol > li")]
    assert len(items) == len(steps)
    for item, step in zip(items, steps, strict=True):
        assert step.lower() in item.lower(), (step, item)
    text = " ".join(items)
    if lang == "zh":
        assert "异议" in items[2]  # the applicant may object to an auditor
        assert "未参与" in items[6]  # the decision is taken by people who did not audit
        assert "每个日历年至少进行一次" in text and "12 个月内" in text
        assert "三年" in items[9]
    else:
        assert "object" in items[2]
        assert "took no part" in items[6]
        assert "at least once every calendar year" in text
        assert "within 12 months of the last day of the stage 2 audit" in text
        assert "three years" in items[9]


@pytest.mark.parametrize(("lang", "expect"), [
    ("zh", {"谁可以申请": ["法人", "3 个月", "内部审核", "管理评审", "一年内"],
            "需要准备的材料": ["申请书", "营业执照", "管理体系文件", "内部审核"],
            "时间安排": ["工作日", "周", "严重不符合", "6 个月"],
            "收费原则": ["审核人日", "CCAA", "书面报价", "隐性", "与认证结果无关"],
            "申请的评审与不予受理": ["能力", "范围", "公正性", "书面", "申诉"],
            "培训和其他服务": ["内审员", "养老服务"],
            "联系我们": ["rzzx@sqi.org.cn", "www.sqi.org.cn"]}),
    ("en", {"Who can apply": ["legal entity", "three months", "internal audit",
                              "management review", "year before applying"],
            "Documents to prepare": ["application form", "business licence",
                                     "management system documentation"],
            "Time frames": ["working days", "weeks", "major nonconformit", "six months"],
            "How fees are set": ["person-days", "CCAA", "written quotation", "hidden",
                                 "whether or not certification is granted"],
            "How we review applications": ["Competence", "Scope", "Impartiality", "in writing",
                                           "appeal"],
            "Training and other services": ["internal auditor", "elderly care"],
            "Contact": ["rzzx@sqi.org.cn", "www.sqi.org.cn"]}),
])
def test_services_page_answers_what_an_applicant_needs_to_know(client, lang, expect):
    page = soup(get(client, "/services", lang))
    for heading, words in expect.items():
        text = section_text(page, heading)
        for word in words:
            assert word in text, (heading, word)
    hrefs = {a["href"] for a in page.select(".prose a")}
    assert {"/complaints", "/certification-rules", "mailto:rzzx@sqi.org.cn"} <= hrefs


def test_services_page_invents_no_phone_numbers(client):
    for lang in ("zh", "en"):
        text = text_of(soup(get(client, "/services", lang)))
        assert not re.search(r"\d{3,4}-\d{7,8}|1[3-9]\d{9}", text)


@pytest.mark.parametrize(("lang", "headings"), [
    ("zh", ["认证的授予", "认证的保持", "认证的暂停", "暂停的恢复", "认证的撤销", "认证的注销",
            "认证范围的扩大和缩小", "证书状态的含义", "获证组织须知", "认证证书和认证标志的使用",
            "从其他认证机构转换", "如何查询证书"]),
    ("en", ["Granting certification", "Maintaining certification", "Suspension",
            "Restoring a suspended certification", "Withdrawal", "Cancellation",
            "Extending and reducing the scope", "What each status means",
            "Obligations of certified organisations", "Using certificates and certification marks",
            "Transferring from another certification body", "How to check a certificate"]),
])
def test_rules_page_has_every_rule_the_issue_requires(client, lang, headings):
    page = soup(get(client, "/certification-rules", lang))
    found = [h.get_text(strip=True) for h in page.select(".prose h2")]
    assert [h for h in found if h in headings] == headings
    hrefs = {a["href"] for a in page.select(".prose a")}
    assert {"/services", "/complaints", "/alerts", "/search"} <= hrefs


def test_rules_page_limits_suspension_and_says_what_it_forbids(client):
    zh = soup(get(client, "/certification-rules", "zh"))
    text = section_text(zh, "认证的暂停")
    assert "最长不超过 6 个月" in text
    for word in ("未按规定的时间接受监督审核", "误用", "主动请求暂停", "不得宣称已获认证",
                 "不得使用认证证书和认证标志"):
        assert word in text
    withdrawn = section_text(zh, "认证的撤销")
    assert "最终决定" in withdrawn and "交回证书原件" in withdrawn and "警示信息" in withdrawn
    en = soup(get(client, "/certification-rules", "en"))
    text = section_text(en, "Suspension")
    assert "no more than 6 months" in text
    assert "must not claim to be certified" in text
    assert "return the original certificate" in section_text(en, "Withdrawal")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rules_page_explains_every_status_with_the_portals_labels(app, client, lang):
    page = soup(get(client, "/certification-rules", lang))
    heading = "证书状态的含义" if lang == "zh" else "What each status means"
    h2 = next(h for h in page.select(".prose h2") if h.get_text(strip=True) == heading)
    table = h2.find_next("table")
    first_column = [tr.select_one("td").get_text(strip=True) for tr in table.select("tbody tr")]
    with app.test_request_context(f"/?lang={lang}"):
        labels = [str(STATUS_LABELS[s]) for s in
                  ("valid", "suspended", "withdrawn", "cancelled", "expired")]
    assert first_column == labels


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", {"获证组织须知": ["监督审核", "所有权", "地址", "认证覆盖", "事故", "诉讼", "投诉",
                       "认证费用"],
            "认证证书和认证标志的使用": ["不得用于产品", "误导", "暂停", "范围", "CNAS"],
            "从其他认证机构转换": ["IAF MD 2", "严重不符合项须已关闭"],
            "如何查询证书": ["二维码", "全国认证认可信息公共服务平台"]}),
    ("en", {"Obligations of certified organisations": [
                "surveillance", "ownership", "address", "certified scope", "incident",
                "legal proceedings", "complaints", "fees"],
            "Using certificates and certification marks": [
                "must not be shown on a product", "misleading", "suspension", "scope", "CNAS"],
            "Transferring from another certification body": ["IAF MD 2", "major ones must be"],
            "How to check a certificate": [
                "QR code", "national certification and accreditation information public service"]}),
])
def test_rules_page_sets_out_obligations_and_use_of_marks(client, lang, words):
    page = soup(get(client, "/certification-rules", lang))
    for heading, expected in words.items():
        text = section_text(page, heading)
        for word in expected:
            assert word in text, (heading, word)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_complaints_page_leads_to_the_form_the_tracker_and_the_fake_report(client, lang):
    page = soup(get(client, "/complaints", lang))
    panel = page.select_one(".action-panel")
    hrefs = [a["href"] for a in panel.select("a.button")]
    assert hrefs == ["/complaints/new", "/complaints/track", "/report-fake"]
    # The ways to act come before the long explanation, not only at its end.
    article = page.select_one("article")
    assert article.find_all(["section", "div"], recursive=False).index(panel) < \
        article.find_all(["section", "div"], recursive=False).index(page.select_one(".prose"))
    assert page.select(".action-panel--end a[href='/complaints/new']")


def test_own_content_files_exist_in_both_languages_with_matching_sections():
    for slug in OWN_SLUGS:
        texts = {lang: content.page_file(slug, lang).read_text(encoding="utf-8")
                 for lang in content.LANGS}
        counts = {lang: len(re.findall(r"^## ", text, re.MULTILINE)) for lang, text in texts.items()}
        assert counts["zh"] == counts["en"] >= 8, (slug, counts)
        for lang, text in texts.items():
            levels = {len(m) for m in re.findall(r"^(#+) ", text, re.MULTILINE)}
            assert levels <= {2, 3}, (slug, lang, levels)
            page = content.load_page(slug, lang)
            assert page.last_reviewed == date(2026, 12, 1)
            assert page.description


@pytest.fixture
def broken_content(tmp_path: Path, monkeypatch) -> Path:
    """Serve content pages from an empty temporary folder."""
    monkeypatch.setattr(content, "CONTENT_DIR", tmp_path)
    monkeypatch.setattr(content, "ROOT", tmp_path.parent)
    return tmp_path


@pytest.mark.parametrize("text", [
    "no front matter here\n\n## A section\n",
    "---\ntitle: 如何获得认证\nlast_reviewed: 1 December\n---\n## 认证项目\n",
    None,  # no file at all
])
def test_malformed_content_file_gives_an_explained_unavailable_page(client, broken_content,
                                                                     caplog, text):
    if text is not None:
        (broken_content / "services.zh.md").write_text(text, encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        response = client.get("/services?lang=zh")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "300"
    assert response.headers["Cache-Control"] == "no-store"
    page = soup(response)
    assert page.select_one("h1").get_text(strip=True) == "页面暂时无法显示"
    assert "rzzx@sqi.org.cn" in text_of(page)
    assert "Traceback" not in response.get_data(as_text=True)
    assert any("services.zh.md" in record.getMessage() for record in caplog.records)


def test_content_file_that_is_not_utf8_gives_the_unavailable_page(client, broken_content):
    (broken_content / "about.en.md").write_bytes("---\ntitle: Ab\u00f6ut\n".encode("utf-16"))
    response = client.get("/about?lang=en")
    assert response.status_code == 503
    assert soup(response).select_one("h1").get_text(strip=True) == "Page temporarily unavailable"


def test_unavailable_complaints_page_still_leads_to_the_form(client, broken_content):
    page = soup(client.get("/complaints?lang=en"))
    hrefs = {a["href"] for a in page.select("main a")}
    assert {"/complaints/new", "/complaints/track"} <= hrefs


def test_content_page_from_a_temporary_file_renders_its_sections(client, broken_content):
    (broken_content / "about.en.md").write_text(
        "---\ntitle: About the body\ndescription: Who we are.\nlast_reviewed: 2025-03-04\n---\n"
        "## Policy\n\nImpartial.\n\n### Detail\n\nMore.\n\n## Contacts\n\nWrite to us.\n",
        encoding="utf-8")
    page = soup(get(client, "/about", "en"))
    assert page.select_one("h1").get_text(strip=True) == "About the body"
    assert [a.get_text() for a in page.select("nav.toc a")] == ["Policy", "Contacts"]
    assert page.select_one(".content-page__reviewed").get_text(strip=True) == \
        "Last reviewed: March 4, 2025"


# --- /alerts -------------------------------------------------------------------------------

@pytest.fixture
def published_alerts(app):
    """One active alert of each kind, a second counterfeit one, and a withdrawn one."""
    def add(kind, value, zh, en="", day=date(2026, 10, 1)):
        return alert_service.create_alert(kind, value, description_zh=zh, description_en=en,
                                          published_on=day, actor="staff@example.test", now=NOW)

    made = {
        "fake": add(AlertKind.COUNTERFEIT_NUMBER, "02723Q18846R1M", "伪造的质量管理体系证书。",
                    "A forged quality management certificate.", date(2026, 11, 2)),
        "fake_zh_only": add(AlertKind.COUNTERFEIT_NUMBER, "02723Q19217R1M", "仅有中文说明的伪造证书。",
                            day=date(2026, 9, 5)),
        "site": add(AlertKind.LOOKALIKE_SITE, "sqi-cert-verify.example", "仿冒本中心查询页面的网站。",
                    "Imitates our verification pages."),
        "unreturned": add(AlertKind.UNRETURNED_CERTIFICATE, "SQI/FW/2025/0009",
                          "证书已撤销，原件未交回。", "Withdrawn; original not returned."),
        "old": add(AlertKind.COUNTERFEIT_NUMBER, "02720Q10001R0M", "已撤下的旧警示。", "Old."),
    }
    alert_service.set_alert_active(made["old"], False, actor="staff@example.test", now=NOW)
    return made


def group(page: BeautifulSoup, kind: str):
    return page.select_one(f"section.alert-group[data-kind='{kind}']")


def test_public_alerts_groups_active_alerts_by_kind_newest_first(app, published_alerts):
    grouped = alert_service.public_alerts()
    assert list(grouped) == list(AlertKind)
    assert [a.value for a in grouped[AlertKind.COUNTERFEIT_NUMBER]] == [
        "02723Q18846R1M", "02723Q19217R1M"]
    assert [a.value for a in grouped[AlertKind.LOOKALIKE_SITE]] == ["sqi-cert-verify.example"]
    assert [a.value for a in grouped[AlertKind.UNRETURNED_CERTIFICATE]] == ["SQI/FW/2025/0009"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_alerts_page_shows_active_alerts_in_their_sections(client, published_alerts, lang):
    response = get(client, "/alerts", lang)
    page = soup(response)
    assert page.html["lang"] == ("zh-CN" if lang == "zh" else "en")
    assert page.select_one("h1").get_text(strip=True) == ("警示信息" if lang == "zh"
                                                          else "Public alerts")
    fakes = group(page, "counterfeit_number")
    entries = [" ".join(li.get_text(" ").split()) for li in fakes.select("li.alert-entry")]
    assert len(entries) == 2
    assert "02723Q18846R1M" in entries[0] and "02723Q19217R1M" in entries[1]
    if lang == "zh":
        assert "伪造的质量管理体系证书。" in entries[0] and "2026年11月2日" in entries[0]
    else:
        assert "A forged quality management certificate." in entries[0]
        assert "November 2, 2026" in entries[0]
    # No English description: the Chinese one is shown, marked as Chinese.
    fallback = fakes.select("li.alert-entry")[1].select_one(".alert-entry__text")
    assert fallback.get_text(strip=True) == "仅有中文说明的伪造证书。"
    assert fallback["lang"] == "zh-CN"
    assert "02720Q10001R0M" not in response.get_data(as_text=True)  # withdrawn from /alerts
    assert page.select_one(".alert-empty") is None


def test_alerts_page_shows_lookalike_sites_as_text_never_as_links(client, published_alerts):
    page = soup(get(client, "/alerts", "en"))
    sites = group(page, "lookalike_site")
    assert sites.select_one(".alert-entry__value code").get_text() == "sqi-cert-verify.example"
    assert not any("sqi-cert-verify" in (a.get("href") or "") for a in page.select("a"))
    assert sites.select_one(".alert-entry").find("a") is None
    assert "Do not visit these addresses" in sites.get_text()


def test_alerts_page_links_unreturned_certificates_to_their_page(client, published_alerts):
    page = soup(get(client, "/alerts", "zh"))
    link = group(page, "unreturned_certificate").select_one(".alert-entry__value a")
    assert link["href"] == "/certificates/SQI%2FFW%2F2025%2F0009"
    assert "SQI/FW/2025/0009" in link.get_text()
    assert "证书已撤销，原件未交回。" in group(page, "unreturned_certificate").get_text()


@pytest.mark.parametrize(("lang", "empty"), [
    ("zh", ["目前没有公布伪造的证书编号。", "目前没有公布仿冒的查询网站。",
            "目前没有已撤销但未交回的证书。"]),
    ("en", ["No counterfeit certificate numbers are listed at present.",
            "No look-alike sites are listed at present.",
            "No withdrawn certificates are waiting to be returned at present."]),
])
def test_alerts_page_explains_each_empty_section(client, lang, empty):
    page = soup(get(client, "/alerts", lang))
    found = [group(page, kind.value).select_one(".alert-empty").get_text(strip=True)
             for kind in AlertKind]
    assert found == empty
    assert not page.select("li.alert-entry")


def test_alerts_page_explains_itself_and_leads_to_report_and_check(client):
    page = soup(get(client, "/alerts", "en"))
    intro = page.select_one(".alerts-intro")
    hrefs = {a["href"] for a in intro.select("a")}
    assert {"/report-fake", "/#number"} <= hrefs
    text = " ".join(intro.get_text(" ").split())
    assert "address bar" in text and "verify.example.test" in text and "www.sqi.org.cn" in text
    assert "no-cache" in client.get("/alerts").headers["Cache-Control"]
