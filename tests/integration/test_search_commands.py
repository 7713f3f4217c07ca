"""`portal reindex` and `portal check-index` against the database."""

from sqlalchemy import delete, update

from portal.extensions import db
from portal.models import Certificate
from portal.services import search as search_service


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_reindex_rebuilds_the_index_from_the_database(app, make_certificate):
    for _ in range(3):
        make_certificate()
    make_certificate(restricted=True)
    result = run(app, "reindex")
    assert result.exit_code == 0, result.output
    assert "indexed 3 certificates" in result.output
    assert "indexing certificates" in result.stderr
    assert search_service.service().index.doc_count() == 3


def test_check_index_is_clean_after_catching_up(app, make_certificate):
    make_certificate()
    result = run(app, "check-index")
    assert result.exit_code == 0, result.output
    assert "applied 1 pending changes" in result.output
    assert "matches the database (1 certificates)" in result.output


def test_check_index_reports_every_difference_and_fails(app, make_certificate):
    stale = make_certificate(holder_name_zh="旧名字有限公司")
    gone = make_certificate()
    assert run(app, "check-index").exit_code == 0
    missing = make_certificate()  # committed, not yet applied
    # Written behind the change log's back (a bug elsewhere, or a manual SQL fix):
    db.session.execute(update(Certificate).where(Certificate.id == stale.id)
                       .values(holder_name_zh="新名字有限公司"))
    db.session.execute(delete(Certificate).where(Certificate.id == gone.id))
    db.session.commit()
    result = run(app, "check-index", "--no-catch-up")
    assert result.exit_code == 1
    assert f"missing: {missing.number_key}" in result.output
    assert f"outdated: {stale.number_key}" in result.output
    assert f"extra: {gone.number_key}" in result.output
    assert "1 extra, 1 missing, 1 outdated" in result.stderr
    assert run(app, "reindex").exit_code == 0
    assert run(app, "check-index").exit_code == 0
