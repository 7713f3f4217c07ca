"""Rate limits on sending and following applications: a page of their own, in zh and en."""

import pytest
from bs4 import BeautifulSoup

from tests.integration.test_complaint_limits import client_address, limited_app, use_up

__all__ = ["limited_app"]  # the fixture, shared with the complaint limits

# (path, POST allowance, what the page explains in each language)
ROUTES = [
    ("/apply", 5, {"en": "at most 5 applications an hour and 20 a day",
                   "zh": "每小时最多可提交 5 份申请"}),
    ("/apply/track", 10, {"en": "To protect every application from guessing",
                          "zh": "为防止申请被猜测查询"}),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("path", "allowance", "explained"), ROUTES)
def test_over_the_limit_an_applicant_reads_about_applications(limited_app, path, allowance,
                                                                explained, lang):
    client = limited_app.test_client()
    address = client_address()
    use_up(client, path, allowance, address)

    response = client.post(f"{path}?lang={lang}", data={}, environ_base={"REMOTE_ADDR": address})

    assert response.status_code == 429
    assert response.headers["Cache-Control"] == "no-store"
    page = BeautifulSoup(response.text, "html.parser")
    assert page.html["lang"] == ("zh-CN" if lang == "zh" else "en")
    assert page.select_one("h1").text == ("请求过于频繁" if lang == "zh" else "Too many requests")
    main = page.select_one("main").text
    assert explained[lang] in main
    assert page.select_one("#retry-at") is not None
    assert limited_app.config["BODY_EMAIL"] in main
    links = [a["href"] for a in page.select("main a[href]")]
    assert "/apply" in links and "/complaints" not in " ".join(links)
    for complaint_word in ("case", "案件", "表单"):
        assert complaint_word not in main
