"""The promotion round's spreadsheet as a background job: written to a file under the instance folder, the same
sheet as the direct download, and downloaded by whoever may see the round."""
from __future__ import annotations

import io
import os

from openpyxl import load_workbook
from sqlalchemy import select

from models import BackgroundJob, JobStatus, PromotionRound
from tests.annual.conftest import county, history  # noqa: F401  (the county of ten and its twelve months)
from tests.daily.conftest import catalog  # noqa: F401
from tests.factories import sign_in
from worklog.extensions import db


def _rows(data: bytes) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _round(client, org) -> PromotionRound:
    sign_in(client, org["hr_a"].badge)
    response = client.post("/hr", data={"name": "2026 competitive promotion", "unit": org.city_a.id,
                                        "reference_date": "2026-11-15", "policy": "competitive_promotion"})
    assert response.status_code == 302
    return db.session.scalar(select(PromotionRound))


def test_hr_exports_a_round_in_the_background_and_downloads_it(app, client, new_client, org, county, history):
    round_ = _round(client, org)
    assert b"Export in the background" in client.get(f"/hr/rounds/{round_.id}").data
    response = client.post(f"/jobs/round-export/{round_.id}")
    job = db.session.scalar(select(BackgroundJob).where(BackgroundJob.kind == "round_export"))
    assert response.status_code == 302 and response.location == f"/jobs/{job.id}"
    assert (job.kind, job.status, job.done, job.total, job.unit_id) == \
        ("round_export", JobStatus.done.value, 1, 1, org.city_a.id)
    name = job.result["file"]
    assert os.path.isfile(os.path.join(app.instance_path, "exports", name))

    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'href="/jobs/{job.id}/download"' in page
    download = client.get(f"/jobs/{job.id}/download")
    data = download.get_data()
    download.close()  # the file is sent as a stream: close it, as the server does
    assert download.status_code == 200 and download.mimetype.endswith("sheet")
    assert f"round-{round_.id}.xlsx" in download.headers["Content-Disposition"]
    direct = client.get(f"/hr/rounds/{round_.id}/export.xlsx")
    rows = _rows(data)
    assert rows == _rows(direct.data) and rows[0][:3] == ("Place", "Badge number", "Full name")
    assert len(rows) > 10  # the county of ten and the org's people in City A

    # Running the same export again replaces the file with the same sheet.
    from worklog.jobs import runner
    assert runner.run_part(job.id, org.city_a.id) is True

    # The round is HR's: another unit's admin sees neither the job nor its file; an admin over the city sees
    # the job but not the file (the round is not theirs to see).
    other = new_client()
    sign_in(other, org["admin_b"].badge)
    assert other.get(f"/jobs/{job.id}").status_code == 404
    assert other.get(f"/jobs/{job.id}/download").status_code == 404
    admin = new_client()
    sign_in(admin, org["admin_a"].badge)
    assert admin.get(f"/jobs/{job.id}").status_code == 200
    assert admin.get(f"/jobs/{job.id}/download").status_code == 404
    assert f"/jobs/{job.id}/download" not in admin.get(f"/jobs/{job.id}").get_data(as_text=True)


def test_only_the_rounds_hr_starts_its_export(client, org, county, history, new_client):
    round_ = _round(client, org)
    for who in ("admin_b", "panel_a", "officer_a"):
        other = new_client()
        sign_in(other, org[who].badge)
        assert other.post(f"/jobs/round-export/{round_.id}").status_code == 404
    assert db.session.scalar(select(BackgroundJob).where(BackgroundJob.kind == "round_export")) is None
