"""A change that commits after a later one (PostgreSQL sequences) is still applied."""

from datetime import UTC, datetime

from sqlalchemy import update

from portal.extensions import db
from portal.models import Certificate, SearchChange
from portal.services import search as search_service


def names(client, q):
    body = client.get("/api/v1/certificates", query_string={"q": q}).get_json()
    return [r["holder_name_zh"] for r in body["results"]]


def test_a_late_committed_lower_id_is_picked_up(client, make_certificate):
    cert = make_certificate(holder_name_zh="上海迟到测试有限公司")
    assert names(client, "迟到测试") == ["上海迟到测试有限公司"]
    now = datetime.now(UTC)
    last = search_service.service().index.state().last_id
    # Transaction A took id last+1 but has not committed; B took last+2 and commits first.
    db.session.add(SearchChange(id=last + 2, number_key="NOTHING", changed_at=now))
    db.session.commit()
    assert names(client, "迟到测试") == ["上海迟到测试有限公司"]
    assert search_service.service().index.state().gaps.keys() == {last + 1}
    # Now A commits: a rename, with the id below the mark.
    db.session.execute(update(Certificate).where(Certificate.id == cert.id)
                       .values(holder_name_zh="上海准时测试有限公司"))
    db.session.add(SearchChange(id=last + 1, number_key=cert.number_key, changed_at=now))
    db.session.commit()
    assert names(client, "准时测试") == ["上海准时测试有限公司"]
    assert names(client, "迟到测试") == []
    assert search_service.service().index.state().gaps == {}
