"""Worklog's database models: plain SQLAlchemy 2.x, importing neither Flask nor the application.

Every model module is imported here so that ``Base.metadata`` is complete for Alembic.
"""
from models.base import Base, UTCDateTime, utcnow
from models.org import Department, Post, Sequence, Unit, UnitLevel
from models.people import Assignment, Person, Role, RoleGrant
from models.audit import AuditEvent
from models.auth import LoginAttempt, LoginSession
from models.catalog import TaskCategory, TaskType, TaskTypeVersion, task_type_post
from models.annual import (BonusPool, BonusShare, PromotionCandidate, PromotionRound, YearAdjustment, YearAppeal,
                           YearResult, YearReview)
from models.monthly import (AdjustmentKind, Appeal, AppealStatus, DepartmentMonth, DepartmentMonthCategory, Grade,
                            MonthAdjustment, MonthResult, MonthReview, MonthStatus, RuleSet, UnitMonth, UnitMonthGrade,
                            UnitWeek, VetoEvent)
from models.survey import (ANSWERS, CONTACT_GROUPS, REACHED, CallOutcome, ContactKind, EvaluationStatus,
                           OpinionPoll, SurveyCall, SurveyContact, SurveyDraw, SurveyFollowUp, SurveyPraise,
                           UnitEvaluation, UnitEvaluationRun)
from models.weekly import (AssignedTask, AssignedTaskStatus, Delegation, Notification, WeekReview,
                           WeekStatus)
from models.daily import (CalendarDay, Completion, DayLog, DayStatus, Entry, EntryStatus, FavouriteTask,
                          PersonDayTotal)
from models.jobs import BackgroundJob, JobKind, JobStatus
from models.integrity import AuditCheckpoint, Seal, SealKind, SealState
from models.api import ApiClient, api_client_unit
from models.facts import FactChannel, FactMapping, FactStatus, QuantityRule, WorkFact
from models.indicators import (DepartmentTarget, Indicator, IndicatorPlan, IndicatorTarget, IndicatorValue, Measure,
                               OfficerTarget, ScoringRule)
from models.decisions import (OUTCOMES, DecisionKind, DecisionOutcome, Honour, HonourKind,
                              PersonnelDecision)
from models.mail import MailMessage, MailStatus, NotificationSetting
from models.inspection import (Attachment, AttachmentStage, Finding, FindingCategory, FindingSource, FindingTarget,
                               Rectification, RectificationStatus)

__all__ = [
    "ANSWERS", "CONTACT_GROUPS", "REACHED", "CallOutcome", "ContactKind", "EvaluationStatus", "OpinionPoll",
    "SurveyCall", "SurveyContact", "SurveyDraw", "SurveyFollowUp", "SurveyPraise", "UnitEvaluation",
    "UnitEvaluationRun",
    "BonusPool", "BonusShare", "PromotionCandidate", "PromotionRound", "YearAdjustment", "YearAppeal", "YearResult",
    "YearReview",
    "AdjustmentKind", "Appeal", "AppealStatus", "DepartmentMonth", "DepartmentMonthCategory", "Grade",
    "MonthAdjustment", "MonthResult", "MonthReview", "MonthStatus", "RuleSet", "UnitMonth", "UnitMonthGrade",
    "UnitWeek", "VetoEvent",
    "AssignedTask", "AssignedTaskStatus", "Delegation", "Notification", "WeekReview", "WeekStatus",
    "Assignment", "AuditEvent", "Base", "CalendarDay", "Completion", "DayLog", "DayStatus", "Department",
    "Entry", "EntryStatus", "FavouriteTask", "LoginAttempt", "LoginSession", "Person", "PersonDayTotal",
    "Post", "Role", "RoleGrant", "Sequence", "TaskCategory", "TaskType", "TaskTypeVersion", "UTCDateTime",
    "Unit", "UnitLevel", "task_type_post", "utcnow",
    "BackgroundJob", "JobKind", "JobStatus",
    "AuditCheckpoint", "Seal", "SealKind", "SealState",
    "ApiClient", "api_client_unit",
    "FactChannel", "FactMapping", "FactStatus", "QuantityRule", "WorkFact",
    "DepartmentTarget", "Indicator", "IndicatorPlan", "IndicatorTarget", "IndicatorValue", "Measure",
    "OfficerTarget", "ScoringRule",
    "Attachment", "AttachmentStage", "Finding", "FindingCategory", "FindingSource", "FindingTarget",
    "Rectification", "RectificationStatus",
    "OUTCOMES", "DecisionKind", "DecisionOutcome", "Honour", "HonourKind", "PersonnelDecision",
    "MailMessage", "MailStatus", "NotificationSetting",
]
