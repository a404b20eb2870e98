"""API fixtures: registered clients (through the service, as the administrator's page does) and their tokens."""
from __future__ import annotations

import pytest

from worklog.api import services
from worklog.extensions import db


class Caller:
    """A system calling the API with its token, through the Flask test client."""

    def __init__(self, client, token: str, language: str = "en"):
        self.client, self.token, self.language = client, token, language

    def get(self, path: str, token: str | None = None, language: str | None = None, **kwargs):
        headers = {"Authorization": f"Bearer {token or self.token}", "Accept-Language": language or self.language}
        return self.client.get(path, headers=headers, **kwargs)


@pytest.fixture
def register(org):
    """register(units, operations=…, rate=…) → (ApiClient, token)."""
    def make(units, operations=("read:people",), rate=1000, name=None):
        client, token = services.register({"name": name or f"System {len(units)}-{id(units)}",
                                           "units": list(units), "operations": list(operations),
                                           "rate_limit_per_minute": rate}, org["root_admin"])
        db.session.commit()
        return client, token
    return make


@pytest.fixture
def county_a_system(register, org, client):
    """A system registered for county A that may read people."""
    api_client, token = register([org.county_a], name="Dispatch A")
    return Caller(client, token), api_client
