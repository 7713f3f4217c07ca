"""`portal demo-data` also loads applications in every stage and survey answers (#16)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal import clock
from portal.domain.applications import ApplicationStage
from portal.extensions import db
from portal.models.application import Application
from portal.models.survey import PhoneCheck, SurveyInvitation, SurveyResponse
from portal.services import mail
from portal.services.stats import compute_statistics
from tests.conftest import test_config
from tests.spec_tables import TABLE_2022
from tests.staff_support import own_app


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with own_app(test_config(Path(tmp_path_factory.mktemp("demo-apply")))) as app:
        result = app.test_cli_runner().invoke(args=["demo-data"])
        assert result.exit_code == 0, result.output
        assert "applications" in result.output and "survey invitations" in result.output
        yield app


def test_every_stage_is_in_the_queue(loaded):
    stages = {stage for (stage,) in db.session.execute(select(Application.stage).distinct())}
    assert stages == set(ApplicationStage)
    assert mail.read_outbox() == []  # demo applications are never e-mailed


def test_last_years_transparency_figures_are_not_empty(loaded):
    year = clock.today().year - 1
    body = loaded.test_client().get(f"/api/v1/stats?year={year}").json
    assert body["applications"]["received"] > 10 and body["applications"]["declined"] > 0
    assert body["applications"]["median_days_to_first_answer"] is not None
    assert body["surveys"]["invitations"] > 500 and 50 < body["surveys"]["response_rate"] < 90
    assert body["surveys"]["phone_checks"] == 42
    assert all(4 <= mean <= 5 for mean in body["surveys"]["mean_scores"].values())


def test_the_spec_table_of_2022_is_still_exact(loaded):
    stats = compute_statistics(2022)
    assert {row.scheme: row.values() for row in stats.rows} == TABLE_2022


def test_removing_the_demo_removes_its_applications_and_surveys(loaded):
    result = loaded.test_cli_runner().invoke(args=["demo-data", "--remove"])
    assert result.exit_code == 0, result.output
    for model in (Application, SurveyInvitation, SurveyResponse, PhoneCheck):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model
