"""``Idempotency-Key`` on a multipart POST: the fingerprint covers the form fields and the files' names and
contents, so the same key with another file is refused (422) and the identical request is replayed."""
import io

import pytest
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.referrals.models import Attachment
from portal.tenancy import context

from .api_support import headers_for
from .factories import make_referral
from .referral_support import PDF

OTHER_PDF = PDF.replace(b"/Catalog", b"/Catalog /Lang (it)")


def _attach(client, network, referral, key, content=PDF, filename="verbale.pdf", note="prima"):
    return client.post(f"/api/v1/referrals/{referral.id}/attachments",
                       headers={**headers_for(network, "a"), "Idempotency-Key": key},
                       data={"note": note, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def _attachments(network, referral) -> int:
    with context.acting_as(network.tenants["a"].id):
        return db.session.scalar(select(func.count()).select_from(Attachment)
                                 .where(Attachment.referral_id == referral.id))


@pytest.fixture
def referral(app, network, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "allegati"))
    return make_referral(network.tenants["a"], network.users["a_operator"])  # submitted: the antenna attaches


@pytest.mark.parametrize("change", [{"content": OTHER_PDF}, {"filename": "altro.pdf"}, {"note": "seconda"}],
                         ids=["file-content", "file-name", "form-field"])
def test_the_same_key_with_another_multipart_body_is_refused(client, network, referral, change):
    first = _attach(client, network, referral, "allegati-1")
    assert first.status_code == 201, first.get_data(as_text=True)
    other = _attach(client, network, referral, "allegati-1", **change)
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    assert "Idempotent-Replayed" not in other.headers
    assert _attachments(network, referral) == 1


def test_the_identical_multipart_request_is_replayed_and_the_view_still_reads_the_whole_file(client, network,
                                                                                             referral):
    first = _attach(client, network, referral, "allegati-2")
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.get_json()["items"][0]["size"] == len(PDF)  # hashing the upload left it readable from the start
    again = _attach(client, network, referral, "allegati-2")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _attachments(network, referral) == 1
    # The answer kept for the replay names the file: it is encrypted like identity, not kept in clear.
    with context.acting_as(network.tenants["a"].id):
        [kept] = db.session.execute(text("SELECT body_enc FROM api_idempotency WHERE key = 'allegati-2'")).scalars()
    assert "verbale" in first.get_data(as_text=True) and "verbale" not in kept and kept.startswith("v1.")
