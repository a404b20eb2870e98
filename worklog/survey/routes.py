"""Pages of the police-service survey."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("survey", __name__, url_prefix="/survey")
