"""Pages of units' public evaluation and comprehensive scores."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("units", __name__, url_prefix="/units")
