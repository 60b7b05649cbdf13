"""Names in scripts the interface font lacks (Titillium Web is latin-ext only) print in the PDFs, drawn from the
fallback font, and stay PDF/A-2b; a character no embedded font has is never quoted in the logs (the log
redaction knows e-mails and tax codes, not a person's name)."""
import io
import logging

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.cases.models import CaseDocument
from portal.extensions import db
from portal.tenancy import context

from .factories import make_case, make_person, make_referral
from .helpers import post_form

CYRILLIC = ("Олена", "Коваленко")
ARABIC = ("محمد", "علي")
CHINESE = ("王", "小明")  # no embedded font has these: they print as boxes, and must not reach the logs


@pytest.fixture
def storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "documenti"))
    return tmp_path / "documenti"


def _case_of(network, first_name, last_name):
    person = make_person(network.tenants["a"], first_name=first_name, last_name=last_name)
    referral = make_referral(network.tenants["a"], network.users["a_operator"], person=person)
    return make_case(referral, case_worker=network.users["n1_case_worker"])


def _letter_by_name(login, network, storage, case) -> bytes:
    response = post_form(login("n1_case_worker"), f"/casi/{case.id}/lettere/nuova",
                         {"kind": "acceptance", "language": "it", "by_name": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with context.acting_as(network.tenants["n1"].id):
        document = db.session.scalars(select(CaseDocument).where(CaseDocument.case_id == case.id)).one()
    return (storage / document.storage_key).read_bytes()


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _assert_pdfa_with_fonts_embedded(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    raw = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert "<pdfaid:part>2</pdfaid:part>" in raw and "<pdfaid:conformance>B</pdfaid:conformance>" in raw
    names = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            assert "/FontFile2" in font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            names.add(str(font["/BaseFont"]))
    return names


def _logged(caplog) -> str:
    return "\n".join(f"{r.name} {r.msg} {r.args} {r.getMessage()}" for r in caplog.records)


def test_a_cyrillic_name_prints_in_the_letter(login, network, storage, caplog):
    caplog.set_level(logging.WARNING)
    data = _letter_by_name(login, network, storage, _case_of(network, *CYRILLIC))
    assert "Gentile Олена Коваленко," in _text(data)
    assert any("DejaVuSans" in name for name in _assert_pdfa_with_fonts_embedded(data))
    assert not [r for r in caplog.records if r.name.startswith("fpdf")]  # no glyph was missing
    assert "Олена" not in _logged(caplog) and "Коваленко" not in _logged(caplog)


def test_an_arabic_name_prints_in_the_letter(login, network, storage, caplog):
    caplog.set_level(logging.WARNING)
    data = _letter_by_name(login, network, storage, _case_of(network, *ARABIC))
    text = _text(data)
    # Every letter is drawn and extractable (the order on the line is left to the reader: no text shaping).
    assert set("".join(ARABIC)) <= set(text)
    _assert_pdfa_with_fonts_embedded(data)
    assert not [r for r in caplog.records if r.name.startswith("fpdf")]
    assert not set("".join(ARABIC)) & set(_logged(caplog))


def test_a_cyrillic_case_worker_prints_in_the_scheda_analitica(login, network, caplog):
    caplog.set_level(logging.WARNING)
    network.users["n1_case_worker"].full_name = "Олена Коваленко"
    db.session.flush()
    response = login("n1_coordinator").get(f"/casi/{network.case.id}/scheda.pdf")
    assert response.status_code == 200
    text = _text(response.get_data())
    assert text.count("Олена Коваленко") == 2  # referente del caso, and the signature (bold)
    fonts = _assert_pdfa_with_fonts_embedded(response.get_data())
    assert {"/MPDFAA+DejaVuSansBook", "/MPDFAA+DejaVuSansBold"} <= fonts
    assert "Олена" not in _logged(caplog)


def test_a_character_no_font_has_is_never_quoted_in_the_logs(login, network, storage, caplog):
    caplog.set_level(logging.WARNING)
    _letter_by_name(login, network, storage, _case_of(network, *CHINESE))
    logged = _logged(caplog)
    assert [r for r in caplog.records if r.name == "fpdf.output"]  # the warning is kept...
    assert not set("".join(CHINESE)) & set(logged)  # ...without the characters
    assert "\\u738b" not in logged
