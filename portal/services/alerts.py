"""Public warnings at /alerts: staff publish and withdraw them; every change is audited."""

from datetime import date, datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import Alert, AlertKind
from portal.services import audit_log


def _view(alert: Alert) -> dict[str, object]:
    return {"kind": alert.kind.value, "value": alert.value,
            "description_zh": alert.description_zh, "description_en": alert.description_en,
            "published_on": alert.published_on.isoformat(), "active": alert.active}


def create_alert(kind: AlertKind | str, value: str, *, description_zh: str,
                 description_en: str = "", published_on: date, actor: str,
                 now: datetime) -> Alert:
    """Publish a warning (a counterfeit number, a look-alike site, an unreturned certificate)."""
    alert = Alert(kind=AlertKind(kind), value=value.strip(),
                  description_zh=description_zh.strip(), description_en=description_en.strip(),
                  published_on=published_on, active=True, created_by=actor, created_at=now)
    db.session.add(alert)
    db.session.flush()
    audit_log.record(actor=actor, action="alert.create", entity_type="alert",
                     entity_id=str(alert.id), before=None, after=_view(alert), now=now)
    db.session.commit()
    return alert


def set_alert_active(alert: Alert, active: bool, *, actor: str, now: datetime) -> None:
    """Withdraw a warning from /alerts, or show it again."""
    if alert.active == active:
        return
    before = _view(alert)
    alert.active = active
    audit_log.record(actor=actor, action="alert.activate" if active else "alert.deactivate",
                     entity_type="alert", entity_id=str(alert.id), before=before,
                     after=_view(alert), now=now)
    db.session.commit()


def list_alerts() -> list[Alert]:
    """Return every alert, active ones first, newest first."""
    return list(db.session.scalars(select(Alert).order_by(
        Alert.active.desc(), Alert.published_on.desc(), Alert.id.desc())))


def public_alerts() -> dict[AlertKind, list[Alert]]:
    """Return the active alerts grouped by kind (every kind present), newest first."""
    grouped: dict[AlertKind, list[Alert]] = {kind: [] for kind in AlertKind}
    active = db.session.scalars(select(Alert).where(Alert.active.is_(True)).order_by(
        Alert.published_on.desc(), Alert.id.desc()))
    for alert in active:
        grouped[alert.kind].append(alert)
    return grouped
