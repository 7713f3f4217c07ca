"""Issue #13.12: feeds name the portal by PUBLIC_BASE_URL, never by the request's Host header."""

import re

import pytest

BASE = "http://verify.example.test"


@pytest.mark.parametrize("path", ["/feed.atom", "/certificates/{number}/feed.atom"])
def test_feed_ids_and_self_links_ignore_a_forged_host(client, make_certificate, path):
    cert = make_certificate()
    response = client.get(path.format(number=cert.certificate_number),
                          headers={"Host": "evil.example"},
                          environ_overrides={"HTTP_X_FORWARDED_HOST": "evil.example"})
    assert response.status_code == 200
    feed = response.get_data(as_text=True)
    assert "evil.example" not in feed
    feed_id = re.search(r"<feed[^>]*>\s*<id>(.*?)</id>", feed).group(1)
    self_link = re.search(r'<link rel="self"[^>]*href="([^"]+)"', feed).group(1)
    assert feed_id == self_link
    assert feed_id.startswith(BASE + "/") and feed_id.endswith("feed.atom")
    for url in re.findall(r'(?:<id>|href=")(https?://[^<"]+)', feed):
        assert url.startswith(BASE + "/"), url
