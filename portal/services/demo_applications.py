"""Demo applications for certification and a year of satisfaction-survey answers (#16).

Loaded by `portal demo-data` after the register, so that the back office queue has an
application in every stage and `/transparency` shows application and survey figures. Nothing
here adds certificates or audits: the docs/contract.md §6 table of the demo register stays exact.
Applications go through the real service functions (reviews, answers, stage history); demo
applications are never e-mailed. Survey rows are written in bulk (one per audit since 1 January
of last year). Every row is marked `is_demo` and removed with the demo data set.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete, insert, select

from portal.domain.applications import (
    DeclineReason,
    RequestKind,
    ReviewKind,
    ReviewOutcome,
)
from portal.domain.codes import CREDIT_CODE_CHARSET, make_credit_code
from portal.domain.schemes import SCHEME_CODES
from portal.domain.surveys import ASPECTS, LOW_SCORE
from portal.extensions import db
from portal.models import Audit, Certificate
from portal.models.application import Application
from portal.models.survey import PhoneCheck, SurveyFollowUp, SurveyInvitation, SurveyResponse
from portal.services import applications as application_service

SEED = 16
SALES = SimpleNamespace(email="sales@demo.example")  # the demo reviewer (no account needed)
ORGANISATIONS = (
    ("上海申江精密机械有限公司", "Shanghai Shenjiang Precision Machinery Co., Ltd."),
    ("上海浦联物业管理有限公司", "Shanghai Pulian Property Management Co., Ltd."),
    ("苏州吴淞环保设备有限公司", "Suzhou Wusong Environmental Equipment Co., Ltd."),
    ("上海嘉禾养老服务有限公司", "Shanghai Jiahe Elderly Care Services Co., Ltd."),
    ("上海金桥电子元件有限公司", "Shanghai Jinqiao Electronic Components Co., Ltd."),
    ("上海松江家具制造有限公司", "Shanghai Songjiang Furniture Manufacturing Co., Ltd."),
    ("上海临港自动售货设备有限公司", "Shanghai Lingang Vending Equipment Co., Ltd."),
    ("上海宝钢配套包装有限公司", "Shanghai Baogang Packaging Co., Ltd."),
    ("上海青浦塑胶制品有限公司", "Shanghai Qingpu Plastic Products Co., Ltd."),
    ("上海奉贤日化有限公司", "Shanghai Fengxian Daily Chemicals Co., Ltd."),
)
SCOPES = ("精密机械零部件的机加工和装配", "住宅小区和写字楼的物业管理服务",
          "除尘设备的设计、生产和安装", "机构养老服务", "片式电子元件的生产",
          "办公家具的设计和生产", "自动售货机的生产", "金属包装容器的生产",
          "注塑件的生产", "洗涤用品的生产")
REASONS = {
    DeclineReason.OUT_OF_SCOPE: "贵单位申请的认证范围超出本中心获批的业务范围，本中心不能受理。"
                                "可向具备相应资质的认证机构申请。",
    DeclineReason.CONDITIONS_NOT_MET: "贵单位的管理体系运行尚不满三个月，且未完成内部审核和管理"
                                      "评审，暂不符合申请条件。条件具备后欢迎再次申请。",
    DeclineReason.COMPETENCE: "本中心目前没有该专业领域的注册审核员，无法保证审核质量，"
                              "因此不能受理。",
    DeclineReason.INCOMPLETE: "多次联系后仍未收到营业执照和场所清单，申请资料不完整。",
}
COMMENTS = ("审核组专业、严谨，沟通顺畅。", "审核发现对我们改进很有帮助。",
            "审核时间安排合理，准时开始。", "希望提前告知审核计划。",
            "The team was professional and on time.", "末次会议讲解清楚。", "")
LOW_COMMENTS = ("审核组迟到一个多小时，影响了生产安排。", "部分审核发现解释不清楚。")


@dataclass(frozen=True)
class DemoApplicationsSummary:
    applications: int
    invitations: int
    responses: int
    phone_checks: int


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(1, 0), UTC) + timedelta(minutes=rng.randint(0, 420))


def _credit_code(rng: random.Random) -> str:
    body = "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
    return make_credit_code("91310115" + body)


def _new(n: int, rng: random.Random, kind: RequestKind) -> application_service.NewApplication:
    name_zh, name_en = ORGANISATIONS[n % len(ORGANISATIONS)]
    schemes = tuple(sorted(rng.sample(("QMS", "EMS", "OHSMS"), rng.randint(1, 3)))) \
        if n % 4 else (rng.choice(SCHEME_CODES),)
    transfer = kind == RequestKind.TRANSFER
    return application_service.NewApplication(
        request_kind=kind, schemes=schemes, organisation_name_zh=name_zh,
        organisation_name_en=name_en, credit_code=_credit_code(rng),
        address="上海市嘉定区安亭镇墨玉路" + str(100 + n) + "号", headcount=rng.randint(8, 600),
        shifts=rng.randint(1, 3), scope=SCOPES[n % len(SCOPES)] + f"（演示 {n}）",
        contact_name="陈静", email=f"applicant{n}@demo.example", phone="021-5555 0188",
        transfer_body="某认证有限公司" if transfer else "",
        transfer_certificate_number=f"00123Q{20000 + n}R1M" if transfer else "",
        transfer_expiry=date(2027, 6, 30) if transfer else None, is_demo=True)


def _review(application: Application, when: datetime) -> None:
    actor: Any = SALES
    application_service.start_review(application, actor=actor, message="", now=when)
    for step, kind in enumerate(ReviewKind):
        application_service.record_review(application, kind, actor=actor,
                                          outcome=ReviewOutcome.POSITIVE, note="符合要求",
                                          now=when + timedelta(hours=step + 1))


def _applications(today: date, rng: random.Random) -> int:
    """File applications from 1 January of last year to today, each taken to a stage."""
    actor: Any = SALES
    start = date(today.year - 1, 1, 2)
    span = (today - start).days
    count = 0
    # The last ones filed stay early in the workflow, so every stage is in the queue.
    plan = ["closed", "contract", "accepted", "declined", "quoted"] * 10 + [
        "closed", "declined", "contract", "accepted", "quoted", "under_review", "under_review",
        "received", "received"]
    for n, target in enumerate(plan):
        received = start + timedelta(days=int(span * (n + 1) / (len(plan) + 1)))
        if target in ("received", "under_review"):
            received = today - timedelta(days=len(plan) - n)
        kind = RequestKind.TRANSFER if n % 9 == 4 else (
            RequestKind.QUOTE if n % 7 == 3 else RequestKind.APPLICATION)
        when = _at(received, rng)
        filed = application_service.file_application(_new(n, rng, kind), now=when, send=False)
        application = filed.application
        count += 1
        if target == "received":
            continue
        answer_at = when + timedelta(days=rng.choice((2, 3, 5, 6, 8, 9, 13)))
        if target == "declined":
            reason = rng.choice(list(REASONS))
            application_service.decline(application, actor=actor, reason_class=reason,
                                        reason=REASONS[reason], now=answer_at)
            continue
        _review(application, when + timedelta(hours=20))
        if target == "under_review":
            continue
        application_service.quote(application, actor=actor, now=answer_at,
                                  text=f"初次认证 {rng.randint(3, 9)} 人日，监督审核每年 "
                                       f"{rng.randint(2, 5)} 人日；费用明细见附件报价单。")
        if target == "quoted":
            continue
        application_service.accept(application, actor=actor, text="贵单位已确认报价。",
                                   now=answer_at + timedelta(days=3))
        if target == "accepted":
            continue
        application_service.record_contract(application, actor=actor, text="认证合同已签订。",
                                            now=answer_at + timedelta(days=7))
        if target == "contract":
            continue
        application_service.close(application, actor=actor, text="已转审核策划，审核组另行通知。",
                                  now=answer_at + timedelta(days=9))
    return count


def _surveys(today: date, rng: random.Random, now: datetime) -> tuple[int, int, int]:
    """Invite every audit since 1 January of last year; about 70 % answer; 42 phone checks
    in last year (the report's 2020 figure)."""
    audits = db.session.execute(
        select(Audit.id, Audit.certificate_id, Audit.audit_type, Audit.audit_date,
               Audit.auditors, Certificate.certificate_number, Certificate.scheme)
        .join(Certificate, Certificate.id == Audit.certificate_id)
        .where(Audit.audit_date.between(date(today.year - 1, 1, 1), today))
        .order_by(Audit.audit_date, Audit.id)).all()
    invitations, responses, checks = [], [], []
    answers: dict[int, dict[str, Any]] = {}
    for index, (audit_id, cert_id, audit_type, audit_date, auditors, number,
                scheme) in enumerate(audits):
        issued = _at(audit_date, rng)
        row_id = index + 1
        invitations.append({
            "audit_id": audit_id, "certificate_id": cert_id, "certificate_number": number,
            "scheme": scheme, "audit_type": getattr(audit_type, "value", audit_type),
            "audit_date": audit_date, "team": sorted(auditors or []),
            "nonce": secrets.token_hex(16), "contact_email": "", "lang": "zh",
            "issued_at": issued, "issued_by": SALES.email,
            "expires_at": issued + timedelta(days=60), "emailed_at": None,
            "answered_at": None, "is_demo": True, "_row": row_id})
        if rng.random() < 0.7 and audit_date < today - timedelta(days=2):
            low = rng.random() < 0.06
            scores = {a.value: (rng.choice((1, 2)) if low and a.value in ("punctuality",
                                                                         "overall")
                                else rng.choices((3, 4, 5), weights=(1, 4, 6))[0])
                      for a in ASPECTS}
            submitted = issued + timedelta(days=rng.randint(0, 10))
            invitations[-1]["answered_at"] = submitted
            answers[row_id] = {"scores": scores, "submitted": submitted, "low": low}
    invitation_ids: list[int] = []
    table = SurveyInvitation.__table__
    rows = [{k: v for k, v in row.items() if k != "_row"} for row in invitations]
    for start in range(0, len(rows), 1000):
        result = db.session.execute(insert(table).returning(table.c.id,
                                                            sort_by_parameter_order=True),
                                    rows[start:start + 1000])
        invitation_ids.extend(result.scalars())
    follow_up_sources = []
    for row_id, answer in answers.items():
        invitation_id = invitation_ids[row_id - 1]
        comment = rng.choice(LOW_COMMENTS) if answer["low"] else rng.choice(COMMENTS)
        responses.append({"invitation_id": invitation_id, **answer["scores"],
                          "comments": comment, "may_contact": answer["low"],
                          "contact_name": "", "contact_phone": "", "lang": "zh",
                          "submitted_at": answer["submitted"]})
    response_ids: list[int] = []
    rtable = SurveyResponse.__table__
    for start in range(0, len(responses), 1000):
        result = db.session.execute(insert(rtable).returning(rtable.c.id,
                                                             sort_by_parameter_order=True),
                                    responses[start:start + 1000])
        response_ids.extend(result.scalars())
    for response_id, response in zip(response_ids, responses, strict=True):
        low = [a.value for a in ASPECTS if response[a.value] <= LOW_SCORE]
        if low:
            closed = response["submitted_at"] < now - timedelta(days=30)
            follow_up_sources.append({
                "response_id": response_id, "phone_check_id": None, "aspects": low,
                "opened_at": response["submitted_at"],
                "closed_at": response["submitted_at"] + timedelta(days=6) if closed else None,
                "closed_by": SALES.email if closed else "",
                "note": "已与审核组长和客户沟通，调整了审核日程安排。" if closed else ""})
    if follow_up_sources:
        db.session.execute(insert(SurveyFollowUp.__table__), follow_up_sources)
    last_year = [a for a in audits if a.audit_date.year == today.year - 1]
    for audit_id, _cert, _type, audit_date, _auditors, number, scheme in rng.sample(
            last_year, min(42, len(last_year))):
        called = min(today, audit_date + timedelta(days=14), date(audit_date.year, 12, 31))
        checks.append({"audit_id": audit_id, "certificate_number": number, "scheme": scheme,
                       "audit_date": audit_date, "called_on": called,
                       "person_reached": "管理者代表", "overall": rng.choice((4, 5, 5)),
                       "notes": "反馈良好，审核组遵守纪律。", "called_by": SALES.email,
                       "recorded_at": _at(called, rng),
                       "is_demo": True})
    if checks:
        db.session.execute(insert(PhoneCheck.__table__), checks)
    return len(invitations), len(responses), len(checks)


def remove_demo_applications() -> None:
    """Delete the demo applications, invitations, answers, follow-ups and phone checks."""
    demo_invitations = select(SurveyInvitation.id).where(SurveyInvitation.is_demo.is_(True))
    demo_responses = select(SurveyResponse.id).where(
        SurveyResponse.invitation_id.in_(demo_invitations))
    demo_checks = select(PhoneCheck.id).where(PhoneCheck.is_demo.is_(True))
    db.session.execute(delete(SurveyFollowUp).where(
        SurveyFollowUp.response_id.in_(demo_responses) |
        SurveyFollowUp.phone_check_id.in_(demo_checks)))
    db.session.execute(delete(SurveyResponse).where(
        SurveyResponse.invitation_id.in_(demo_invitations)))
    db.session.execute(delete(SurveyInvitation).where(SurveyInvitation.is_demo.is_(True)))
    db.session.execute(delete(PhoneCheck).where(PhoneCheck.is_demo.is_(True)))
    for application in db.session.scalars(select(Application).where(
            Application.is_demo.is_(True))):
        db.session.delete(application)  # sites, events, reviews with it (ORM cascade)
    db.session.commit()


def load_demo_applications(*, now: datetime, today: date) -> DemoApplicationsSummary:
    """Load demo applications in every stage and a year of survey answers."""
    remove_demo_applications()
    rng = random.Random(SEED)
    applications = _applications(today, rng)
    invitations, responses, checks = _surveys(today, rng, now)
    db.session.commit()
    return DemoApplicationsSummary(applications=applications, invitations=invitations,
                                   responses=responses, phone_checks=checks)
