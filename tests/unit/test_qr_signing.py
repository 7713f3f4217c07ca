"""QR signing keys and where a scanned text may lead."""

import pytest

from portal.services import qr as qr_service

BASE = "https://verify.sqi.example.cn"
CONFIG = {"SECRET_KEY": "k" * 32, "QR_SIGNING_KEYS": ("1",), "PUBLIC_BASE_URL": BASE}


def test_keys_are_derived_per_key_id_and_secret():
    one, = qr_service.signing_keys(CONFIG)
    two, = qr_service.signing_keys(CONFIG | {"QR_SIGNING_KEYS": ("2",)})
    other, = qr_service.signing_keys(CONFIG | {"SECRET_KEY": "x" * 32})
    assert len({one.key, two.key, other.key}) == 3
    assert one.key != CONFIG["SECRET_KEY"].encode()


def test_signature_is_short_and_qr_alphanumeric():
    key, = qr_service.signing_keys(CONFIG)
    sig = qr_service.signature(key, "02722Q10234R3M", 1)
    assert len(sig) == qr_service.SIGNATURE_LENGTH
    assert set(sig) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert sig != qr_service.signature(key, "02722Q10234R3M", 2)


@pytest.mark.parametrize("keys", [("",), ("bad id!",), ("123456789",)])
def test_bad_key_ids_are_refused(keys):
    with pytest.raises(qr_service.SigningConfigError):
        qr_service.signing_keys(CONFIG | {"QR_SIGNING_KEYS": keys})


def test_key_list_from_the_environment_is_split_on_commas():
    keys = qr_service.signing_keys(CONFIG | {"QR_SIGNING_KEYS": "2, 1"})
    assert [k.kid for k in keys] == ["2", "1"]


def test_a_typical_code_fits_version_5_at_error_correction_q():
    import qrcode

    from portal.services.qr import ERROR_CORRECT_Q

    url = BASE + "/v/02722Q10234R3M/12/1.ABCDEFGHIJ"
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q)
    code.add_data(url)
    code.make(fit=True)
    assert code.version <= 5


@pytest.mark.parametrize("text, kind, detail", [
    (BASE + "/v/A/1/1.B", "portal", "/v/A/1/1.B"),
    ("http://verify.sqi.example.cn/v/A/1/1.B", "portal", "/v/A/1/1.B"),
    ("HTTPS://VERIFY.SQI.EXAMPLE.CN/V/A", "portal", "/V/A"),
    ("https://verify.sqi.example.cn.", "portal", "/"),
    ("verify.sqi.example.cn/receipts/X", "portal", "/receipts/X"),
    ("https://verify.sqi.example.cn:8443/v/A", "foreign", "verify.sqi.example.cn:8443"),
    ("https://verify.sqi.example.cn.evil.cn/v/A", "foreign", "verify.sqi.example.cn.evil.cn"),
    ("https://xn--verif-sqi-example.cn/v/A", "foreign", "xn--verif-sqi-example.cn"),
    ("//evil.cn/v/A", "foreign", "evil.cn"),
    ("https://evil.cn\\@verify.sqi.example.cn/v/A", "foreign", "evil.cn"),
    ("https://verify.sqi.example.cn@evil.cn/v/A", "foreign", "evil.cn"),
    ("https://verify.sqi.example.cn\\@evil.cn/v/A", "portal", "/@evil.cn/v/A"),
    ("https:verify.sqi.example.cn/v/A", "portal", "/v/A"),
    ("https:\\\\verify.sqi.example.cn\\v\\A", "portal", "/v/A"),
    ("https://verify.sqi.example.cn/v/A?x=\\y", "portal", "/v/A?x=\\y"),
    ("https://v\u0435rify.sqi.example.cn/v/A", "foreign", "xn--vrify-zwe.sqi.example.cn"),
    ("https://[::1]:8443/v/A", "foreign", "[::1]:8443"),
    ("http://[abc/v/A", "text", ""),
    ("ftp://verify.sqi.example.cn/x", "text", ""),
    ("javascript:alert(1)", "text", ""),
    ("02722Q10234R3M", "number", ""),
    ("hello, world", "text", ""),
    ("", "text", ""),
])
def test_scanned_texts_are_classified(text, kind, detail):
    target = qr_service.classify_scan(text, BASE)
    assert target.kind == kind
    if kind == "portal":
        assert target.path == detail
    elif kind == "foreign":
        assert target.host == detail


def test_base_url_with_a_path_only_accepts_addresses_under_it():
    base = "https://www.sqi.example.cn/verify"
    assert qr_service.classify_scan(base + "/v/A/1/1.B", base).path == "/v/A/1/1.B"
    assert qr_service.classify_scan("https://www.sqi.example.cn/other", base).kind == "foreign"


def test_key_list_comes_from_the_environment():
    from portal.config import settings_from_environ

    settings = settings_from_environ({"QR_SIGNING_KEYS": "2,1:old-secret"})
    assert settings["QR_SIGNING_KEYS"] == ("2", "1:old-secret")
    keys = qr_service.signing_keys(CONFIG | settings)
    assert [k.kid for k in keys] == ["2", "1"]
    pinned, = qr_service.signing_keys({"SECRET_KEY": "old-secret", "QR_SIGNING_KEYS": ("1",)})
    assert keys[1].key == pinned.key  # "1:old-secret" is key 1 as it was under that secret
