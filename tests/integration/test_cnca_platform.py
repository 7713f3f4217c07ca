"""The national platform where any certificate issued in China can be checked is a link."""

import pytest
from bs4 import BeautifulSoup

CNCA = "http://cx.cnca.cn"


def platform_links(response) -> list:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return page.select(f'main a[href^="{CNCA}"]')


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_not_found_page_links_the_platform_it_names(client, lang):
    response = client.get(f"/certificates/02799Q19999R0M?lang={lang}")
    assert response.status_code == 404
    links = platform_links(response)
    assert len(links) == 1
    assert links[0].get_text(strip=True) == "全国认证认可信息公共服务平台"
    assert links[0].find_parent(lang="zh-CN") is not None or links[0].get("lang") == "zh-CN"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_about_page_links_the_platform(client, lang):
    response = client.get(f"/about?lang={lang}")
    assert response.status_code == 200
    links = platform_links(response)
    assert links and "全国认证认可信息公共服务平台" in links[0].get_text()
    assert "&lt;" not in response.get_data(as_text=True).split(CNCA)[0][-200:]
