"""`portal demo-data`: the demo register, its 2022 statistics, its history, alerts and index."""

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import func, select

from portal import clock
from portal.domain.codes import is_valid_credit_code, number_key
from portal.domain.schemes import BY_CODE, Category
from portal.domain.status import FINAL, MAX_SUSPENSION_DAYS, CertificateStatus, can_move
from portal.extensions import db
from portal.models import (
    Alert,
    AlertKind,
    Audit,
    AuditLogEntry,
    AuditType,
    Certificate,
    CertificateEvent,
    EventKind,
    Setting,
)
from portal.models.setting import DEMO_SETTING
from portal.services import certificates as certificate_service
from portal.services import demo
from portal.services import search as search_service
from portal.services.stats import compute_statistics
from tests.conftest import test_config
from tests.factories import NOW, certificate_data
from tests.spec_tables import COLUMNS, SUBTOTALS_2022, TABLE_2022
from tests.staff_support import own_app

S = CertificateStatus


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["demo-data", *args])


def banner(client) -> object:
    page = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser")
    return page.select_one(".demo-banner")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app with the demo data set loaded through the CLI (shared: loading takes seconds)."""
    with own_app(test_config(Path(tmp_path_factory.mktemp("demo")))) as app:
        result = run(app, "--if-empty")
        assert result.exit_code == 0, result.output
        assert "loaded the demo data set" in result.output
        yield app


@pytest.fixture(scope="module")
def histories(loaded: Flask) -> dict[int, list[CertificateEvent]]:
    by_cert: dict[int, list[CertificateEvent]] = defaultdict(list)
    for event in db.session.scalars(select(CertificateEvent).order_by(
            CertificateEvent.certificate_id, CertificateEvent.effective_date,
            CertificateEvent.id)):
        by_cert[event.certificate_id].append(event)
    return by_cert


@pytest.fixture(scope="module")
def certificates(loaded: Flask) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).order_by(Certificate.id)))


def test_demo_statistics_for_2022_are_the_report_table_cell_for_cell(loaded):
    stats = compute_statistics(2022)
    assert {row.scheme: row.values() for row in stats.rows} == TABLE_2022
    assert {row.category: row.values() for row in stats.subtotals} == SUBTOTALS_2022


def test_stats_api_serves_the_report_table_for_2022(loaded):
    response = loaded.test_client().get("/api/v1/stats?year=2022")
    assert response.status_code == 200
    body = response.get_json()
    assert body["year"] == 2022
    assert body["columns"] == list(COLUMNS)
    rows = {row["scheme"]: tuple(row[c] for c in COLUMNS) for row in body["rows"]}
    assert rows == TABLE_2022
    subtotals = {row["category"]: tuple(row[c] for c in COLUMNS) for row in body["subtotals"]}
    assert subtotals == SUBTOTALS_2022


def test_other_years_look_like_a_living_register(loaded):
    for year in range(2019, 2027):
        management = compute_statistics(year).subtotals[0]
        assert 1000 < management.valid < 2500, year
        assert 80 < management.newly_issued < 400, year
        assert 600 < management.surveillance_audits < 1600, year
        assert management.cancelled > 50 and management.withdrawn > 0, year


def test_every_demo_certificate_is_marked_and_bilingual(certificates):
    assert len(certificates) >= 2500
    assert all(c.is_demo for c in certificates)
    assert all(c.holder_name_zh and c.holder_name_en for c in certificates)
    assert all(c.scope_zh and c.scope_en and c.standard for c in certificates)
    assert all(c.address_zh and c.address_en and c.province and c.city for c in certificates)
    assert len({c.number_key for c in certificates}) == len(certificates)
    provinces = Counter(c.province for c in certificates)
    assert provinces.most_common(1)[0][0] == "上海市"
    assert {"江苏省", "浙江省", "安徽省"} <= set(provinces)
    by_scheme = Counter(c.scheme for c in certificates)
    assert set(by_scheme) == set(TABLE_2022)


def test_every_credit_code_is_valid(certificates):
    codes = [c.credit_code for c in certificates]
    assert all(codes) and all(is_valid_credit_code(code) for code in codes)


def test_numbers_follow_the_bodys_formats(certificates):
    numbers = [c.certificate_number for c in certificates]
    compact = [n for n in numbers if n.startswith("027") and n.endswith("M") and "-" not in n]
    dashed = [n for n in numbers if n.startswith("027-")]
    slashed = [n for n in numbers if n.startswith("SQI/")]
    assert compact and dashed and slashed
    assert len(compact) + len(dashed) + len(slashed) == len(numbers)
    for cert in certificates:
        if BY_CODE[cert.scheme].category is Category.MANAGEMENT:
            assert cert.accreditation == "CNAS"
            assert not cert.certificate_number.startswith("SQI/")
        if cert.scheme == "REAL_ESTATE_SERVICE":
            assert cert.certificate_number.startswith("SQI/FW/")


def test_every_history_obeys_the_transition_rules(certificates, histories):
    today = clock.today()
    for cert in certificates:
        events = histories[cert.id]
        assert events[0].kind is EventKind.ISSUED and events[0].status is S.VALID
        assert events[0].effective_date == cert.initial_issue_date
        status, since = S.VALID, events[0].effective_date
        for event in events[1:]:
            assert event.effective_date <= today
            assert status not in FINAL, f"{cert.certificate_number}: entry after {status}"
            if event.kind is not EventKind.STATUS:
                assert event.status is None
                continue
            assert can_move(status, event.status), (cert.certificate_number, status,
                                                    event.status)
            if status is S.SUSPENDED:  # every suspension is lifted or ended within 6 months
                assert (event.effective_date - since).days <= MAX_SUSPENSION_DAYS
            status, since = event.status, event.effective_date
        assert cert.status is status, cert.certificate_number
        if status is S.SUSPENDED:  # a suspension still running began less than 6 months ago
            assert (today - since).days <= MAX_SUSPENSION_DAYS, cert.certificate_number
        status_events = [e for e in events if e.kind is EventKind.STATUS]
        if status_events:
            assert cert.status_date == status_events[-1].effective_date
            assert cert.status_reason == status_events[-1].public_reason


def test_renewals_chain_the_expiry_dates(certificates, histories):
    for cert in certificates:
        renewals = [e for e in histories[cert.id] if e.kind is EventKind.RENEWED]
        expiry = cert.initial_issue_date.replace(year=cert.initial_issue_date.year + 3)
        expiry -= timedelta(days=1)
        for event in renewals:
            assert event.details["previous_expiry_date"] == expiry.isoformat()
            assert event.effective_date <= expiry  # renewed before the old expiry
            expiry = date.fromisoformat(event.details["expiry_date"])
        assert cert.expiry_date == expiry
        assert cert.issue_date == (renewals[-1].effective_date if renewals
                                   else cert.initial_issue_date)


def test_audits_are_plausible(certificates, histories):
    audits: dict[int, list[Audit]] = defaultdict(list)
    for audit in db.session.scalars(select(Audit).order_by(Audit.audit_date)):
        audits[audit.certificate_id].append(audit)
    today = clock.today()
    for cert in certificates:
        mine = audits[cert.id]
        assert mine[0].audit_type is AuditType.INITIAL
        assert mine[0].audit_date <= cert.initial_issue_date
        assert all(a.audit_date <= today for a in mine)
        if cert.status in FINAL:
            assert all(a.audit_date <= cert.status_date for a in mine)
        surveillance = [a.audit_date for a in mine if a.audit_type is AuditType.SURVEILLANCE]
        if BY_CODE[cert.scheme].category is Category.PRODUCT:
            assert not surveillance
        years = Counter(day.year for day in surveillance)
        assert max(years.values(), default=0) <= 2
        renewals = sum(e.kind is EventKind.RENEWED for e in histories[cert.id])
        recertifications = sum(a.audit_type is AuditType.RECERTIFICATION for a in mine)
        assert recertifications in (renewals, renewals + 1)
    surveillance_2022 = db.session.scalar(select(func.count(Audit.id)).where(
        Audit.audit_type == AuditType.SURVEILLANCE,
        Audit.audit_date.between(date(2022, 1, 1), date(2022, 12, 31))))
    assert surveillance_2022 == 901 + 11


def test_the_register_shows_every_kind_of_certificate_today(certificates):
    today = clock.today()
    public = Counter(c.public_status(today).value for c in certificates)
    assert public["valid"] > 800
    assert public["suspended"] >= 5
    assert public["expired"] >= 5
    assert public["withdrawn"] >= 50 and public["cancelled"] >= 500
    assert sum(c.restricted for c in certificates) >= 5
    renamed = [c for c in certificates if c.former_names]
    assert len(renamed) >= 10
    assert all(c.issue_number >= 2 for c in renamed)
    # Printed issues follow the paper (#21): one new issue per renewal and per rename, so the
    # QR code of the newest paper is the current one.
    events = Counter((e.certificate_id, e.kind) for e in db.session.scalars(
        select(CertificateEvent)))
    for c in certificates:
        reissued = events[(c.id, EventKind.REISSUED)]
        assert c.issue_number == 1 + reissued
        assert reissued == events[(c.id, EventKind.RENEWED)] + events[(c.id, EventKind.RENAMED)]
    assert sum(bool(c.sites) for c in certificates) >= 100
    issued = Counter(c.initial_issue_date.year for c in certificates)
    assert all(issued[year] > 50 for year in range(2019, 2026))


def test_renamed_holders_keep_their_former_names_in_history(certificates, histories):
    for cert in (c for c in certificates if c.former_names):
        renames = [e for e in histories[cert.id] if e.kind is EventKind.RENAMED]
        assert [e.details for e in renames] == [{"from": cert.former_names[0],
                                                 "to": cert.holder_name_zh}]


def test_demo_alerts_cover_every_kind(loaded):
    alerts = list(db.session.scalars(select(Alert)))
    assert {a.kind for a in alerts} == set(AlertKind)
    assert all(a.is_demo and a.active and a.description_zh and a.description_en
               for a in alerts)
    unreturned = next(a for a in alerts if a.kind is AlertKind.UNRETURNED_CERTIFICATE)
    cert = db.session.scalar(select(Certificate).where(
        Certificate.number_key == number_key(unreturned.value)))
    assert cert is not None and cert.status is S.WITHDRAWN and cert.is_demo
    assert cert.certificate_number in unreturned.description_zh
    for alert in alerts:
        if alert.kind is AlertKind.COUNTERFEIT_NUMBER:
            assert db.session.scalar(select(Certificate.id).where(
                Certificate.number_key == number_key(alert.value))) is None


def test_demo_marker_and_one_summary_in_the_audit_log(loaded):
    assert db.session.get(Setting, DEMO_SETTING).value == "1"
    assert banner(loaded.test_client()) is not None
    actions = Counter(db.session.scalars(select(AuditLogEntry.action)))
    assert actions["demo.load"] == 1
    assert actions["certificate.create"] == 0
    entry = db.session.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "demo.load"))
    assert entry.actor.startswith("cli")
    assert entry.after["certificates"] == len(list(db.session.scalars(select(Certificate.id))))


def test_search_index_matches_the_database_after_loading(loaded):
    assert list(search_service.differences()) == []
    result = loaded.test_cli_runner().invoke(args=["check-index", "--no-catch-up"])
    assert result.exit_code == 0, result.output
    hits = loaded.test_client().get("/api/v1/certificates?q=电子").get_json()
    assert hits["total"] > 100


def test_if_empty_on_a_loaded_register_does_nothing(loaded):
    before = demo.certificate_count()
    result = run(loaded, "--if-empty")
    assert result.exit_code == 0
    assert f"already holds {before} certificates; demo data not loaded" in result.output
    assert demo.certificate_count() == before
    assert Counter(db.session.scalars(select(AuditLogEntry.action)))["demo.load"] == 1


def test_loading_twice_is_refused_without_replace(loaded):
    result = run(loaded)
    assert result.exit_code == 1
    assert "use --replace" in result.output


def test_the_demo_set_is_deterministic(loaded):
    today = clock.today()
    first = [(life.number, life.status, life.expiry) for life in demo.draw_register(today)]
    second = [(life.number, life.status, life.expiry) for life in demo.draw_register(today)]
    assert first == second
    stored = set(db.session.scalars(select(Certificate.certificate_number)))
    assert {number for number, _, _ in first} == stored


def test_replace_reloads_the_demo_rows_and_keeps_real_ones(loaded, make_certificate_in):
    real = make_certificate_in(loaded)
    count = demo.demo_count()
    alerts = db.session.scalar(select(func.count(Alert.id)))
    result = run(loaded, "--replace")
    assert result.exit_code == 0, result.output
    assert f"{count} earlier demo certificates replaced" in result.output
    assert demo.demo_count() == count
    assert db.session.get(Certificate, real.id) is not None
    assert db.session.scalar(select(func.count(Alert.id))) == alerts
    assert {row.scheme: row.values() for row in compute_statistics(2022).rows} == TABLE_2022
    assert list(search_service.differences()) == []


@pytest.fixture
def make_certificate_in():
    """Create a real (non-demo) certificate issued in 2026 in a given app."""

    def make(app: Flask) -> Certificate:
        data = certificate_data(initial_issue_date=date(2026, 3, 1), issue_date=date(2026, 3, 1),
                                expiry_date=date(2029, 2, 28))
        cert = certificate_service.create_certificate(data, actor="test", now=NOW)
        db.session.commit()
        return cert

    return make
