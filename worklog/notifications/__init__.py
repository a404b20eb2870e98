"""Notifications, in the app and by mail (issue 15, point 6).

The one place that writes them (``notify``, ``tell``), the registry of their kinds (``kinds.KINDS``), the calls the
acting services make in their own transaction (``results_published``, ``appeal_decided``, ``round_published``,
``week_signed``), the reminders sent on a schedule (``schedule``), each person's choices (``services.save_settings``)
and the mail they bring, sent after the commit (``mailer``).
"""
from worklog.notifications.events import appeal_decided, results_published, round_published, week_signed
from worklog.notifications.services import Message, mark_read, notify, tell

__all__ = ["Message", "appeal_decided", "mark_read", "notify", "results_published", "round_published", "tell",
           "week_signed"]
