"""The acknowledgement e-mail cannot be aimed at a mailbox at will (#13.14)."""

import pytest
from bs4 import BeautifulSoup

from portal.services.complaints.recipients import ACK_MAILS_PER_ADDRESS, normalise_address
from tests.complaint_support import distinct_form, outbox


def file(client, email: str, lang: str = "en", **changes):
    response = client.post(f"/complaints/new?lang={lang}",
                           data=distinct_form(email=email, **changes),
                           environ_base={"REMOTE_ADDR": f"10.0.0.{len(outbox()) + 1}"})
    assert response.status_code == 200, response.text
    return BeautifulSoup(response.text, "html.parser")


def mails_to(address: str) -> int:
    return sum(1 for m in outbox() if normalise_address(m["To"]) == normalise_address(address))


@pytest.mark.parametrize("raw, mailbox", [
    ("Victim@Example.COM", "victim@example.com"),
    ("victim+urgent@example.com", "victim@example.com"),
    ("v.i.c.t.i.m@googlemail.com", "victim@gmail.com"),
    ("  victim@example.com ", "victim@example.com"),
])
def test_spellings_of_one_mailbox_are_one_address(raw, mailbox):
    assert normalise_address(raw) == mailbox


def test_one_mailbox_gets_a_few_acknowledgements_a_day_whatever_the_spelling(client):
    spellings = ["victim@example.com", "Victim@example.com", "victim+a@example.com",
                 "victim+b@EXAMPLE.com", "VICTIM+c@example.com"]
    pages = [file(client, email) for email in spellings]
    assert mails_to("victim@example.com") == ACK_MAILS_PER_ADDRESS
    held = pages[ACK_MAILS_PER_ADDRESS:]
    for page in held:
        # Filed all the same, and the page gives the complainant what the mail would have.
        assert page.select_one("#reference").text.strip()
        assert page.select_one("#tracking-code").text.strip()
        assert "already received several" in page.text
    file(client, "someone.else@example.com")
    assert mails_to("someone.else@example.com") == 1


def test_held_acknowledgement_is_explained_in_chinese(client):
    for _ in range(ACK_MAILS_PER_ADDRESS):
        file(client, "victim@example.com")
    page = file(client, "victim@example.com", lang="zh")
    assert "今天已收到" in page.text


def test_first_mail_subject_carries_no_text_from_the_form(client):
    file(client, "victim@example.com", name="Click http://evil.example now",
         subject="You won 1000 yuan: http://evil.example")
    [message] = outbox()
    assert "evil" not in message["Subject"] and "Click" not in message["Subject"]
    assert message["Subject"].startswith("We received your complaint TS-")


def test_reports_of_fakes_are_limited_per_mailbox_too(client):
    for index in range(ACK_MAILS_PER_ADDRESS + 2):
        response = client.post("/report-fake?lang=en", data={
            "kind": "counterfeit_certificate", "certificate_number": "02799Q99999R0M",
            "description": f"A supplier sent this certificate, report {index}.",
            "email": f"victim+{index}@example.com"})
        assert response.status_code == 200, response.text
    assert mails_to("victim@example.com") == ACK_MAILS_PER_ADDRESS
