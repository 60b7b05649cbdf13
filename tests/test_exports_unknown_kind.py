"""An export kind there is not is a 404 (it was a 403, as if the kind existed and was refused)."""
from .helpers import csrf_token


def test_an_unknown_export_kind_is_not_found(login, network):
    client = login("n1_coordinator")
    response = client.post("/esportazioni/nessun-tipo", data={"csrf_token": csrf_token(client, "/profilo/password")})
    assert response.status_code == 404
