"""Publication (公示), appeals (申诉), their decision and finalising: one cycle for a unit's month and its year.

A unit's month and its year go through the same steps: computed → published (officers see their result and
may appeal until the deadline) → every appeal decided → final (sealed) → reopened only with a reason. The
steps, their refusals, the locks they take and what they audit are written once here; a :class:`Period`
says what differs: the rows (``MonthReview``/``Appeal``/``MonthResult`` or the year's), the rules that set
the windows, how the period is computed again and corrected when an appeal is upheld, and what finalising
and reopening do besides (a month is sealed into the integrity chain and refreshes the ledgers).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable

from flask_babel import format_date, gettext as _, ngettext
from sqlalchemy import func, select

from models import AppealStatus, MonthStatus, Person, Unit, utcnow
from worklog import audit, locks, permissions, timekeeping
from worklog.errors import Conflict, ServiceError
from worklog.extensions import db

REVIEW_FIELDS = ("status", "reopened")
#: The audit actions of the cycle, each after the period's name: "month.published", "year.appeal_decided"…
STEPS = ("published", "appeal_filed", "appeal_decided", "finalised", "reopened")


@dataclass(frozen=True)
class Period:
    """What a month's and a year's cycle do differently."""

    #: The audit actions' prefix: "month" or "year".
    name: str
    review_model: Any
    appeal_model: Any
    result_model: Any
    #: The column of the appeal and of the result naming their review (``month_review_id``, ``year_review_id``).
    review_key: str
    #: (review) → the rule values that set the publication and appeal windows.
    rules: Callable[[Any], Any]
    #: (review, actor) → officers computed; keeps the review's status.
    compute: Callable[[Any, Person | None], int]
    #: (review, person, correction, decision, actor): the correction an upheld appeal carries.
    correct: Callable[[Any, Person, Any, str, Person], None]
    #: The refusals that name the period ("Compute the month before publishing it."), given their values.
    words: dict[str, Callable[..., str]]
    #: (review, actor) once the status is final (seals, ledgers), before a reopening changes it and after.
    finalised: Callable[[Any, Person], None] = lambda review, actor: None
    reopening: Callable[[Any, Person], None] = lambda review, actor: None
    reopened: Callable[[Any, Person], None] = lambda review, actor: None
    #: (review): refuse a period still under way (a month before its last day is over).
    require_over: Callable[[Any], None] = lambda review: None
    #: Whether publication runs for ``publication_days`` (a month's 公示) besides the appeal window.
    has_publication: bool = False
    #: (review, actor) after publication, after an appeal's decision: whom to tell.
    published: Callable[[Any], None] = lambda review: None
    decided: Callable[[Any], None] = lambda appeal: None

    # --- Access and locks ------------------------------------------------------------------------------------------

    def unit_of(self, review) -> Unit:
        return db.session.get(Unit, review.unit_id)

    def require_panel(self, review, actor: Person | None) -> Unit:
        unit = self.unit_of(review)
        if actor is not None:  # None: a command or a job, acting for the system
            permissions.require_panel(actor, unit)
        return unit

    def lock(self, review, *, closing: bool = False):
        """The review's row read afresh under a lock (worklog/locks.py); every change of the period begins here."""
        return locks.lock_review(self.review_model, review.id, closing=closing)

    def require_open(self, review, *, closing: bool = False) -> None:
        """The period is not final, checked under its lock."""
        self.lock(review, closing=closing)
        if review.status == MonthStatus.final.value:
            raise ServiceError(self.words["sealed"]())

    # --- The cycle -------------------------------------------------------------------------------------------------

    def publish(self, review, actor: Person):
        """公示: officers see their own result and the unit's list; appeals may be filed until the deadline."""
        self.require_panel(review, actor)
        self.require_open(review, closing=True)
        if review.status != MonthStatus.computed.value:
            raise ServiceError(self.words["compute_first"]())
        self.require_over(review)
        rules = self.rules(review)
        today = timekeeping.today()
        before = audit.snapshot(review, REVIEW_FIELDS)
        review.status, review.published_at = MonthStatus.published.value, utcnow()
        if self.has_publication:
            review.publication_ends = timekeeping.working_days_after(today, rules.publication_days)
        review.appeal_deadline = timekeeping.working_days_after(today, rules.appeal_days)
        db.session.flush()
        audit.record(actor, f"{self.name}.published", self.review_model.__tablename__, review.id,
                     unit_id=review.unit_id, before=before,
                     after=audit.snapshot(review, REVIEW_FIELDS) | {"appeal_deadline": review.appeal_deadline.isoformat()})
        self.published(review)
        return review

    def file_appeal(self, review, person: Person, reason: str, actor: Person):
        if actor.id != person.id:
            raise ServiceError(_("Only the officer can appeal their own result."))
        self.lock(review)
        if review.status != MonthStatus.published.value:
            raise ServiceError(_("Appeals can be filed only while the results are published."))
        if timekeeping.today() > review.appeal_deadline:
            raise ServiceError(_("The appeal window closed on %(day)s.", day=review.appeal_deadline.isoformat()))
        result = self.result_model
        if db.session.scalar(select(result.id).where(getattr(result, self.review_key) == review.id,
                                                     result.person_id == person.id)) is None:
            raise ServiceError(self.words["no_result"]())
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError(_("Give the reason for your appeal."), "reason")
        if len(reason) > 1000:
            raise ServiceError(_("At most %(n)d characters.", n=1000), "reason")
        model = self.appeal_model
        if db.session.scalar(select(model.id).where(getattr(model, self.review_key) == review.id,
                                                    model.person_id == person.id,
                                                    model.status == AppealStatus.pending.value)):
            raise Conflict(_("You already have an appeal waiting for a decision."))
        appeal = model(person_id=person.id, reason=reason, status=AppealStatus.pending.value,
                       **{self.review_key: review.id})
        db.session.add(appeal)
        db.session.flush()
        audit.record(actor, f"{self.name}.appeal_filed", model.__tablename__, appeal.id, unit_id=review.unit_id,
                     reason=reason)
        return appeal

    def decide_appeal(self, appeal, upheld: bool, decision: str, actor: Person, correction: Any = None,
                      seen_version: int | None = None):
        """The panel decides with a reason. An upheld appeal may carry a correction; the period is then computed
        again, so that the change flows through ranks and quotas, and stays published."""
        review = db.session.get(self.review_model, getattr(appeal, self.review_key))
        self.require_panel(review, actor)
        self.require_open(review)
        if seen_version is not None and appeal.version != seen_version:
            raise Conflict(_("Someone else changed this at the same time. Reload the page and try again."))
        if appeal.person_id == actor.id:
            raise ServiceError(_("Nobody decides their own appeal."))
        if appeal.status != AppealStatus.pending.value:
            raise Conflict(_("This appeal has already been decided."))
        decision = (decision or "").strip()
        if not decision:
            raise ServiceError(_("Give the reason for the decision."), "decision")
        if len(decision) > 1000:
            raise ServiceError(_("At most %(n)d characters.", n=1000), "decision")
        if upheld and correction:
            self.correct(review, db.session.get(Person, appeal.person_id), correction, decision, actor)
        appeal.status = AppealStatus.upheld.value if upheld else AppealStatus.rejected.value
        appeal.decision, appeal.decided_by_id, appeal.decided_at = decision, actor.id, utcnow()
        db.session.flush()
        audit.record(actor, f"{self.name}.appeal_decided", self.appeal_model.__tablename__, appeal.id,
                     unit_id=review.unit_id, after={"status": appeal.status}, reason=decision)
        if upheld:
            status = review.status
            self.compute(review, actor)
            review.status = status  # still published
            db.session.flush()
        self.decided(appeal)
        return appeal

    def pending_appeals(self, review) -> int:
        model = self.appeal_model
        return db.session.scalar(select(func.count()).select_from(model).where(
            getattr(model, self.review_key) == review.id, model.status == AppealStatus.pending.value)) or 0

    def finalise_from(self, review) -> date | None:
        """The first day a published period can be finalised: after its publication and its appeal window."""
        ends = [d for d in (getattr(review, "publication_ends", None), review.appeal_deadline) if d is not None]
        return max(ends) + timedelta(days=1) if ends else None

    def finalise_refusal(self, review) -> str:
        """Why a published period cannot be finalised today ('' when it can): the page shows it beside a
        disabled button, and :meth:`finalise` refuses with it."""
        first = self.finalise_from(review)
        if first is not None and timekeeping.today() < first:
            return self.words["runs_until"](day=format_date(first - timedelta(days=1)), first=format_date(first))
        pending = self.pending_appeals(review)
        if pending:
            return ngettext("%(num)d appeal still waits for a decision: decide it before finalising.",
                            "%(num)d appeals still wait for a decision: decide them before finalising.", pending)
        return ""

    def finalise(self, review, actor: Person):
        """Seal the period: nothing can change it until the panel reopens it."""
        self.require_panel(review, actor)
        self.require_open(review, closing=True)
        if review.status != MonthStatus.published.value:
            raise ServiceError(self.words["publish_first"]())
        reason = self.finalise_refusal(review)
        if reason:
            raise ServiceError(reason)
        before = audit.snapshot(review, REVIEW_FIELDS)
        review.status, review.finalised_at = MonthStatus.final.value, utcnow()
        if hasattr(review, "finalised_by_id"):
            review.finalised_by_id = actor.id
        db.session.flush()
        self.finalised(review, actor)
        audit.record(actor, f"{self.name}.finalised", self.review_model.__tablename__, review.id,
                     unit_id=review.unit_id, before=before, after=audit.snapshot(review, REVIEW_FIELDS))
        return review

    def reopen(self, review, reason: str, actor: Person):
        """The only way back from a final period: recorded, with a reason."""
        self.require_panel(review, actor)
        self.lock(review, closing=True)
        if review.status != MonthStatus.final.value:
            raise Conflict(self.words["not_final"]())
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError(self.words["reopen_reason"](), "reason")
        before = audit.snapshot(review, REVIEW_FIELDS)
        self.reopening(review, actor)
        review.status, review.reopened, review.finalised_at = MonthStatus.computed.value, review.reopened + 1, None
        db.session.flush()
        self.reopened(review, actor)
        audit.record(actor, f"{self.name}.reopened", self.review_model.__tablename__, review.id,
                     unit_id=review.unit_id, before=before, after=audit.snapshot(review, REVIEW_FIELDS), reason=reason)
        return review
