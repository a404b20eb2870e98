"""No value typed into the work facts' forms or addresses is a server error, and a refused one changes nothing."""
from __future__ import annotations

import io
from urllib.parse import urlencode

from hypothesis import given, strategies as st

from tests.facts.conftest import fact, send
from tests.factories import state_counts
from tests.test_fuzz_forms import FUZZ, values


def test_odd_values_in_the_mapping_form_are_refused_or_saved_never_a_crash(admin, mapped):
    task = str(mapped["T1"].id)

    @FUZZ
    @given(changed=st.dictionaries(st.sampled_from(["source", "fact_type", "task_type", "quantity_rule",
                                                    "multiplier", "unexpected"]), values, min_size=1, max_size=3))
    def post(changed):
        before = state_counts()
        data = {"source": "jj110", "fact_type": "odd", "task_type": task, "quantity_rule": "as_sent",
                "multiplier": "1", **changed}
        response = admin.post("/admin/facts/mappings/new", data=data)
        assert response.status_code < 500, (data, response.status_code)
        if response.status_code >= 400:
            assert state_counts() == before

    post()


def test_odd_values_in_the_queue_reconciliation_and_match_never_crash(admin, mapped):
    send([fact("x1", badge="999999")])

    @FUZZ
    @given(query=st.dictionaries(st.sampled_from(["source", "reason", "after", "start", "end", "fact_type"]),
                                 values, min_size=1, max_size=3))
    def get(query):
        for page in ("/admin/facts/waiting", "/admin/facts/reconciliation", "/admin/facts/reconciliation.xlsx",
                     "/admin/facts/mappings/new", "/admin/facts/upload"):
            response = admin.get(f"{page}?{urlencode(query)}")
            assert response.status_code < 500, (page, query, response.status_code)

    get()

    @FUZZ
    @given(data=st.dictionaries(st.sampled_from(["source", "reason"]), values, min_size=1, max_size=2))
    def match(data):
        assert admin.post("/admin/facts/waiting/match", data=data).status_code < 500, data

    match()


def test_odd_source_names_and_files_are_refused_without_a_trace(admin, mapped):
    @FUZZ
    @given(source=values, body=st.one_of(values.map(str.encode), st.binary(max_size=2000)),
           name=st.sampled_from(["f.csv", "f.xlsx", "f", "f.CSV"]))
    def post(source, body, name):
        before = state_counts()
        response = admin.post("/admin/facts/upload", data={"source": source, "file": (io.BytesIO(body), name)},
                              content_type="multipart/form-data")
        assert response.status_code < 500, (source, body[:50], name)
        if response.status_code >= 400:
            assert state_counts() == before

    post()
