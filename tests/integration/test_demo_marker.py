"""`portal demo-data` on an empty register: the demo marker comes and goes with the data.

Apart from test_demo.py: its module-wide loaded app would hold PostgreSQL locks this test's
fresh database needs.
"""

from collections import Counter

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Alert, AuditLogEntry
from portal.services import demo
from portal.services import search as search_service
from tests.integration.test_demo import banner, run


def test_marker_appears_with_the_demo_and_goes_with_remove(app, client):
    assert banner(client) is None
    result = run(app, "--if-empty")
    assert result.exit_code == 0, result.output
    assert "writing rows" in result.stderr  # progress on stderr
    assert banner(client) is not None
    assert demo.demo_count() > 2500
    result = run(app, "--remove")
    assert result.exit_code == 0, result.output
    assert banner(client) is None
    assert demo.certificate_count() == 0
    assert db.session.scalar(select(func.count(Alert.id))) == 0
    assert list(search_service.differences()) == []
    assert Counter(db.session.scalars(select(AuditLogEntry.action)))["demo.remove"] == 1
