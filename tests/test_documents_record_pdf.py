"""The scheda analitica as a PDF: letterhead, pseudonym, hours formatted, signature; never identity; audited;
PDF/A-2b metadata with the font embedded."""
import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from .case_support import add_diary_entry, audit_actions
from .factories import make_action
from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE


def _text(response) -> str:
    reader = PdfReader(io.BytesIO(response.get_data()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_record_pdf_has_letterhead_pseudonym_hours_and_signature(login, network):
    make_action(network.case, service_type="training", phase="job_insertion", planned_start=date(2026, 1, 12),
                planned_hours=Decimal("40"), delivered_hours=Decimal("37.5"), delivered_on=date(2026, 2, 20), status="done")
    add_diary_entry(network, "NOTA-RISERVATA-NODO")
    response = login("n1_case_worker").get(f"/casi/{network.case.id}/scheda.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"scheda-analitica-{network.case.pseudonym}.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = _text(response)
    assert text.startswith("Nodo Uno di prova\n")  # the node's own letterhead
    assert network.case.pseudonym in text
    assert "Scheda analitica" in text and "Azioni" in text and "Verifiche" in text
    assert "12/01/2026" in text and "37,50" in text and "Formazione" in text
    assert "Firma" in text and "Il/la referente del caso" in text
    for secret in (VICTIM_FIRST_NAME, VICTIM_LAST_NAME, VICTIM_TAX_CODE, "NOTA-RISERVATA-NODO"):
        assert secret not in text
    assert any(e.action == "case.record_export_pdf" for e in audit_actions(network, object_type="case"))


def test_record_pdf_declares_pdfa_2b_and_embeds_its_font(login, network):
    data = login("n1_coordinator").get(f"/casi/{network.case.id}/scheda.pdf").get_data()
    reader = PdfReader(io.BytesIO(data))
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data().decode("utf-8")
    assert "<pdfaid:part>2</pdfaid:part>" in raw and "<pdfaid:conformance>B</pdfaid:conformance>" in raw
    intents = reader.trailer["/Root"].get("/OutputIntents")
    assert intents and intents[0].get_object()["/S"] == "/GTS_PDFA1"
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        descendant = ref.get_object()["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"]  # embedded, as PDF/A requires


def test_record_pdf_is_node_staff_only(login, network):
    assert login("a_operator").get(f"/casi/{network.case.id}/scheda.pdf").status_code in (403, 404)
