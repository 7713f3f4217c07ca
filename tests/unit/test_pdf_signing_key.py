"""The PDF signing key: configured, or a development key made once in the instance folder."""

import stat

import pytest

from portal.documents import signing


def test_development_key_is_made_on_first_use_and_kept(tmp_path):
    config = {"BODY_NAME_EN": "Test Body"}
    first = signing.signing_certificate(config, tmp_path)
    path = tmp_path / signing.DEV_KEY_FILE
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = signing.signing_certificate(config, tmp_path)
    assert again.dump() == first.dump()  # the same key signs after a restart
    assert "Test Body" in first.subject.human_friendly


def test_production_refuses_to_sign_without_a_configured_key(tmp_path):
    with pytest.raises(signing.SigningKeyError, match="PDF_SIGNING_KEY_FILE"):
        signing.signer({"PORTAL_ENV": "production"}, tmp_path)
    assert not (tmp_path / signing.DEV_KEY_FILE).exists()


def test_key_and_certificate_must_be_set_together(tmp_path):
    with pytest.raises(signing.SigningKeyError, match="both"):
        signing.signer({"PDF_SIGNING_KEY_FILE": str(tmp_path / "k.pem")}, tmp_path)


def test_a_certificate_of_another_key_is_refused(tmp_path):
    one, two = tmp_path / "one.pem", tmp_path / "two.pem"
    signing.make_development_key(one, body_name="One")
    signing.make_development_key(two, body_name="Two")
    config = {"PDF_SIGNING_KEY_FILE": str(one), "PDF_SIGNING_CERT_FILE": str(two)}
    with pytest.raises(signing.SigningKeyError, match="does not belong"):
        signing.signer(config, tmp_path)


def test_configured_key_files_sign(tmp_path):
    bundle = tmp_path / "body.pem"
    signing.make_development_key(bundle, body_name="Configured Body")
    config = {"PDF_SIGNING_KEY_FILE": str(bundle), "PDF_SIGNING_CERT_FILE": str(bundle)}
    cert = signing.signing_certificate(config, tmp_path / "instance")
    assert "Configured Body" in cert.subject.human_friendly
    assert not (tmp_path / "instance" / signing.DEV_KEY_FILE).exists()
