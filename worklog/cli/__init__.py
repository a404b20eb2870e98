"""Command line: ``flask --app app db|demo|users|import-org|ledger|month|survey|inspection|jobs|synthetic|facts|
indicators|verify|backup|notifications|mail``."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from worklog.cli import (db_commands, fact_commands, indicator_commands, inspection_commands,
                             integrity_commands, job_commands, ledger_commands, mail_commands, org_commands,
                             survey_commands, synthetic_commands, user_commands, weekly_commands)
    app.cli.add_command(db_commands.db_group)
    app.cli.add_command(user_commands.users_group)
    app.cli.add_command(org_commands.demo_command)
    app.cli.add_command(org_commands.import_org_command)
    app.cli.add_command(weekly_commands.reminders_command)
    app.cli.add_command(ledger_commands.ledger_group)
    app.cli.add_command(ledger_commands.month_group)
    app.cli.add_command(survey_commands.survey_group)
    app.cli.add_command(inspection_commands.inspection_group)
    app.cli.add_command(job_commands.jobs_group)
    app.cli.add_command(synthetic_commands.synthetic_group)
    app.cli.add_command(fact_commands.facts_group)
    app.cli.add_command(indicator_commands.indicators_group)
    app.cli.add_command(integrity_commands.verify_command)
    app.cli.add_command(integrity_commands.backup_command)
    app.cli.add_command(mail_commands.notifications_group)
    app.cli.add_command(mail_commands.mail_group)
