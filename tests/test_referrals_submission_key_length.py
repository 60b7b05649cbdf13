"""The new-referral form's submission key is bounded like every other form's (core.fields.SubmissionKeyField):
a longer one (a hand-made request) is refused by the form, never handed to a 64-character column (on
PostgreSQL a 500, StringDataRightTruncation)."""
from .helpers import csrf_from
from .referral_support import KEY_RE, form_data, referral_by_key


def test_a_submission_key_longer_than_the_column_is_refused_by_the_form(login, network, session):
    operator = login("a_operator")
    page = operator.get("/segnalazioni/nuova").get_data(as_text=True)
    assert len(KEY_RE.search(page).group(1)) <= 64
    key = "k" * 65
    response = operator.post("/segnalazioni/nuova",
                             data={**form_data(), "csrf_token": csrf_from(page), "submission_key": key})
    assert response.status_code == 200
    assert referral_by_key(session, network.tenants["a"], key) is None
