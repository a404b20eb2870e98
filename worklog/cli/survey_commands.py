"""``flask --app app survey ...``: the police-service survey's housekeeping."""
from __future__ import annotations

import click

survey_group = click.Group("survey", help="The police-service survey.")
