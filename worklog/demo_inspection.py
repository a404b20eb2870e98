"""Demo data for supervision: the city bureau's inspector (督察, account 900006) records findings this month with
their evidence — about officers, a department and a county — and their rectifications stand in each state: waiting
for the unit's answer, answered and waiting for verification, returned with a reason, accepted on time, and past
the deadline and escalated to the city bureau. A survey follow-up found to be an officer's fault becomes a finding.

Findings land in the month they are dated, so they are dated in the current month (the earlier months of the demo
are final). The escalated one's deadline is moved into the past by hand, as no finding of this month can be overdue
yet; everything else goes through the services, audited as in production.
"""
from __future__ import annotations

import struct
import zlib
from datetime import date, timedelta

from sqlalchemy import func, select

from models import Department, Finding, Person, Role, SurveyFollowUp, Unit
from worklog import demo, timekeeping
from worklog.admin import services as admin
from worklog.extensions import db
from worklog.inspection import services as inspection
from worklog.inspection.services import Upload

INSPECTOR = "900006"


def _png(width: int = 8, height: int = 8) -> bytes:
    """A small grey PNG: evidence as a camera would give it, without shipping a picture."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _pdf(text: str) -> bytes:
    return (b"%PDF-1.4\n% " + text.encode() + b"\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"
            b"%%EOF\n")


def _badge(code: str) -> Person:
    return db.session.scalar(select(Person).where(Person.badge == demo.ACCOUNTS[code]))


def _inspector(city: Unit) -> Person:
    person = db.session.scalar(select(Person).where(Person.badge == INSPECTOR))
    if person is None:
        office = db.session.scalar(select(Department).where(Department.unit_id == city.id)
                                   .order_by(Department.code))
        reference = _badge("hr")
        post = reference.assignments[-1].post
        person = admin.create_person({"badge": INSPECTOR, "name": "督察 周正", "rank": "二级警督"}, None)
        person.password_hash = reference.password_hash
        # Posted this month: the demo's earlier months are final, and an assignment may not reach into them.
        admin.assign(person, {"department": office, "post": post, "supervisor": None,
                              "valid_from": timekeeping.today().replace(day=1)}, None)
        admin.grant_role(person, Role.inspector.value, city, None)
        db.session.flush()
    return person


def load() -> dict[str, int]:
    if db.session.scalar(select(func.count()).select_from(Finding)):
        return {"findings": 0}
    today = timekeeping.today()
    first = today.replace(day=1)
    city = db.session.scalar(select(Unit).where(Unit.code == "C01"))
    east = db.session.scalar(select(Unit).where(Unit.code == "C01-D"))
    west = db.session.scalar(select(Unit).where(Unit.code == "C01-X"))
    inspector = _inspector(city)
    panel = _badge("panel")  # 东城分局's panel answers its rectifications
    station = db.session.scalar(select(Department).where(Department.unit_id == east.id, Department.code == "PCS1"))

    def day(n: int) -> date:
        """``n`` days ago, within this month."""
        return max(first, today - timedelta(days=n))

    def record(**data) -> Finding:
        return inspection.record_finding({"rectify": False, "files": []} | data, inspector)

    made = []
    made.append(record(target="officer", badge="310004", found_on=day(3), category="enforcement",
                       description="询问笔录未记载告知权利义务，程序不规范。", rectify=True,
                       files=[Upload("笔录复印件.pdf", _pdf("bilu")), Upload("现场照片.png", _png())]))
    made.append(record(target="officer", badge="310004", found_on=day(2), category="enforcement",
                       description="再次出现笔录未签名确认。", rectify=True,
                       files=[Upload("笔录.pdf", _pdf("bilu-2"))]))           # a repeat: weighs 1.5 times
    made.append(record(target="officer", badge="310005", found_on=day(4), category="appearance",
                       description="执勤时未按规定着装。", files=[Upload("督察照片.png", _png())]))
    made.append(record(target="department", department=station.id, found_on=day(8), category="discipline",
                       description="值班室夜间脱岗，值班记录不全。", rectify=True,
                       files=[Upload("值班记录.pdf", _pdf("zhiban"))]))
    made.append(record(target="unit", unit=east.id, found_on=day(12), category="complaint",
                       description="群众信访反映接警后未及时回复，经查属实。", rectify=True))
    made.append(record(target="unit", unit=west.id, found_on=day(6), category="discipline",
                       description="案件卷宗归档不及时。", rectify=True))
    # A dissatisfied caller's case found to be an officer's fault.
    follow_up = db.session.scalar(select(SurveyFollowUp).where(SurveyFollowUp.unit_id == east.id,
                                                               SurveyFollowUp.replied_at.is_not(None))
                                  .order_by(SurveyFollowUp.id))
    if follow_up is not None:
        made.append(record(target="officer", badge="310006", found_on=day(1), category="complaint",
                           description="回访核实：出警民警态度生硬，群众不满意。", follow_up=follow_up))
    # The rectifications' states: 0 open; 1 answered; 3 returned; 4 accepted on time; 5 escalated.
    inspection.answer(made[1], {"answer": "已组织全所笔录规范培训，整改笔录 12 份。",
                                "files": [Upload("培训签到表.pdf", _pdf("peixun"))]}, panel)
    inspection.answer(made[3], {"answer": "已补全值班记录。"}, panel)
    inspection.return_answer(made[3], {"reason": "未说明脱岗人员的处理情况，请补充。"}, inspector)
    inspection.answer(made[4], {"answer": "已逐件回复信访群众并建立接警回访台账。",
                                "files": [Upload("回访台账.png", _png())]}, panel)
    inspection.accept(made[4], {"reason": "整改到位。"}, inspector)
    escalated = made[5].rectification
    escalated.deadline = today - timedelta(days=3)
    db.session.flush()
    inspection.escalate_overdue(today, None)
    db.session.flush()
    return {"findings": len(made)}
