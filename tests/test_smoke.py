from tests.factories import sign_in


def test_sign_in_and_home(client, org):
    response = sign_in(client, "200002")
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "Officer A" in page.get_data(as_text=True)
