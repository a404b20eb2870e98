"""The OpenAPI document: generated from the code, served with its page, and held to by the API (schemathesis
generates requests from the whole document; no input gives a 5xx and every answer matches the document)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from worklog.api import services
from worklog.extensions import db


def test_the_document_names_every_api_route_the_bearer_scheme_and_the_error_shape(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": document["components"]["securitySchemes"]["bearer"][
            "description"]}
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")}
    assert set(document["paths"]) == routes - {"/api/v1/openapi.json", "/api/v1/docs"}
    people = document["paths"]["/api/v1/people"]["get"]
    assert {p["name"] for p in people["parameters"]} == {"unit", "after", "limit"}
    assert people["security"] == [{"bearer": []}]
    assert {"401", "404", "422", "429"} <= set(people["responses"])


def test_the_documentation_page_reads_in_both_languages_without_outside_assets(client):
    english = client.get("/api/v1/docs")
    assert english.status_code == 200 and english.mimetype == "text/html"
    page = english.get_data(as_text=True)
    assert "/api/v1/people" in page and "Parameters" in page and "PeoplePage" in page
    assert "http://" not in page and "https://" not in page
    chinese = client.get("/api/v1/docs", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "参数" in chinese and "/api/v1/people" in chinese
    document = client.get("/api/v1/openapi.json", headers={"Accept-Language": "zh-CN"}).get_json()
    assert not document["paths"]["/api/v1/units"]["get"]["summary"].isascii()


@pytest.fixture
def api_token(app, org) -> str:
    """A client that may use every operation over city A, with a limit schemathesis's examples never reach. So
    too for requests without a token: schemathesis sends one again without it after each success (a 401 is then
    expected), and a read that answers 200 to most examples (the events feed) would meet the anonymous limit."""
    app.config["API_ANONYMOUS_RATE_LIMIT"] = "100000 per minute"
    _, token = services.register({"name": "Schemathesis", "units": [org.city_a],
                                  "operations": list(services.OPERATIONS), "rate_limit_per_minute": 100000},
                                 org["root_admin"])
    db.session.commit()
    return token


def _document_app():
    """An app only to serve the document while tests are collected: the document reads no database (each test
    then calls its own app, on its own database)."""
    from tests.conftest import TEST_CONFIG
    from worklog import create_app
    return create_app({**TEST_CONFIG, "DATABASE_URL": "sqlite://"})


# schemathesis.pytest.from_fixture does not run on pytest 9 (it reads a node attribute pytest dropped).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _document_app())


@schema.parametrize()
@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_input_is_answered_as_the_document_says(case, app, api_token):
    """Every check schemathesis has (no 5xx, status codes, content types, headers and bodies as documented,
    invalid input refused, authentication not ignored …), positive and negative examples, a fixed draw."""
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {api_token}"})
