"""Names in scripts the interface font lacks (Titillium Web is latin-ext only) print in the PDFs, drawn from the
fallback font or a font added on demand, and stay PDF/A-2b; Arabic is shaped (joined letters, right to left), so
are the Brahmic scripts and Thai (reordered, stacked), Latin text is not (it needs no shaping, which is slow); a
character no embedded font has is never quoted in the logs (the log redaction knows e-mails and tax codes, not a
person's name)."""
import io
import logging
import os
import unicodedata

import pytest
from fontTools.ttLib import TTFont
from fpdf import FPDF
from pypdf import PdfReader
from pypdf.generic import ContentStream
from sqlalchemy import select

from portal.cases.models import CaseDocument
from portal.core.pdf import Document
from portal.crypto import unseal
from portal.documents.letterhead import letterhead
from portal.extensions import db
from portal.tenancy import context

from .conftest import unavailable
from .factories import make_case, make_person, make_referral
from .helpers import post_form

CYRILLIC = ("Олена", "Коваленко")
ARABIC = ("محمد", "علي")
THAI = ("สมชาย", "ใจดี")
GUJARATI = ("કિરણ", "પટેલ")
CHINESE = ("王", "小明")  # the system's CJK font (PDF_CJK_FONT), added only to documents that need it
TIBETAN = ("བཀྲ་ཤིས་", "བསྟན་འཛིན་")  # no font Rete embeds has these: they print as boxes, and must not reach the logs
# "محمد علي" as it must be drawn, left to right: علي then محمد (right to left), each letter in its joined form.
ARABIC_DRAWN = ["ARABIC LETTER YEH FINAL FORM", "ARABIC LETTER LAM MEDIAL FORM", "ARABIC LETTER AIN INITIAL FORM",
                "ARABIC LETTER DAL FINAL FORM", "ARABIC LETTER MEEM MEDIAL FORM", "ARABIC LETTER HAH MEDIAL FORM",
                "ARABIC LETTER MEEM INITIAL FORM"]


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
    return unseal((storage / document.storage_key).read_bytes(), document.storage_key)


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


def _glyph_reader(font_dict):
    """CID -> the character the embedded font maps its glyph to (the lowest, for a glyph that has several)."""
    descendant = font_dict["/DescendantFonts"][0].get_object()
    font = TTFont(io.BytesIO(descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()))
    order = font.getGlyphOrder()
    char_of = {}
    for code, glyph in sorted(font.getBestCmap().items()):
        char_of.setdefault(glyph, chr(code))
    cid_map = descendant.get("/CIDToGIDMap")
    gids = None if cid_map is None or cid_map == "/Identity" else cid_map.get_object().get_data()

    def char(cid: int) -> str | None:
        gid = cid if gids is None else int.from_bytes(gids[2 * cid:2 * cid + 2], "big")
        return char_of.get(order[gid]) if gid < len(order) else None
    return char


def _drawn(data: bytes, script: str) -> list[str]:
    """The glyphs of one script the PDF draws, in the order drawn (left to right on a line), each named by the
    character the embedded font maps it to: for Arabic a contextual form ("MEEM INITIAL FORM") when shaped, the
    bare letter when not; a conjunct or reordered form that maps to no character is not listed."""
    reader = PdfReader(io.BytesIO(data))
    drawn = []
    for page in reader.pages:
        fonts = {name: _glyph_reader(ref.get_object()) for name, ref in page["/Resources"]["/Font"].items()}
        char = None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                char = fonts[operands[0]]
            elif operator in (b"Tj", b"TJ"):
                for string in operands[0] if operator == b"TJ" else operands[:1]:
                    raw = getattr(string, "original_bytes", b"")  # Identity-H: two bytes a CID
                    for i in range(0, len(raw) - 1, 2):
                        found = char(int.from_bytes(raw[i:i + 2], "big"))
                        if found and unicodedata.name(found, "").startswith(script):
                            drawn.append(unicodedata.name(found))
    return drawn


def _arabic_drawn(data: bytes) -> list[str]:
    return _drawn(data, "ARABIC")


def _logged(caplog) -> str:
    return "\n".join(f"{r.name} {r.msg} {r.args} {r.getMessage()}" for r in caplog.records)


def test_a_cyrillic_name_prints_in_the_letter(login, network, storage, caplog):
    caplog.set_level(logging.WARNING)
    data = _letter_by_name(login, network, storage, _case_of(network, *CYRILLIC))
    assert "Gentile Олена Коваленко," in _text(data)
    assert any("DejaVuSans" in name for name in _assert_pdfa_with_fonts_embedded(data))
    assert not [r for r in caplog.records if r.name.startswith("fpdf")]  # no glyph was missing
    assert "Олена" not in _logged(caplog) and "Коваленко" not in _logged(caplog)


def test_an_arabic_name_prints_joined_and_right_to_left_in_the_letter(login, network, storage, caplog):
    caplog.set_level(logging.WARNING)
    data = _letter_by_name(login, network, storage, _case_of(network, *ARABIC))
    assert _arabic_drawn(data) == ARABIC_DRAWN  # unshaped: MEEM, HAH, MEEM, DAL, AIN, LAM, YEH, isolated, reversed
    text = _text(data)
    # Read back, each word is its letters in logical order (unshaped, pypdf read "دمحم"), from the contextual forms.
    assert "محمد" in text and "علي" in text
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


def test_an_arabic_case_worker_prints_joined_in_the_scheda_analitica(login, network):
    network.users["n1_case_worker"].full_name = " ".join(ARABIC)
    db.session.flush()
    response = login("n1_coordinator").get(f"/casi/{network.case.id}/scheda.pdf")
    assert response.status_code == 200
    # Referente del caso (a pair), then the signature (bold, drawn by the letterhead module).
    assert _arabic_drawn(response.get_data()) == ARABIC_DRAWN * 2
    _assert_pdfa_with_fonts_embedded(response.get_data())


def test_the_letterhead_shapes_on_a_plain_document_too(app):
    """The monitoring report draws the letterhead with fpdf2's own calls, outside the Document's methods."""
    with app.test_request_context():
        doc = Document("Relazione")
        letterhead(doc, " ".join(ARABIC))
        assert _arabic_drawn(doc.bytes()) == ARABIC_DRAWN


@pytest.mark.parametrize("draw", ["heading", "text", "pair", "table"])
def test_every_document_shapes_what_it_draws(app, draw):
    """The art. 15 export (people/export_pdf.py) and every other PDF draw through core.pdf.Document."""
    name = " ".join(ARABIC)
    with app.test_request_context():
        doc = Document("Dati personali")
        {"heading": lambda: doc.heading(name), "text": lambda: doc.text(name),
         "pair": lambda: doc.pair("Nome", name), "table": lambda: doc.table(["Nome"], [[name]])}[draw]()
        assert _arabic_drawn(doc.bytes()) == ARABIC_DRAWN


def test_latin_text_is_drawn_without_shaping(login, network, storage, monkeypatch):
    calls = []
    original = FPDF.set_text_shaping
    monkeypatch.setattr(FPDF, "set_text_shaping", lambda pdf, *args, **kwargs: calls.append(args)
                        or original(pdf, *args, **kwargs))
    _letter_by_name(login, network, storage, _case_of(network, "Łukasz", "Müller-Ștefănescu"))
    assert login("n1_coordinator").get(f"/casi/{network.case.id}/scheda.pdf").status_code == 200
    assert calls == []
    _letter_by_name(login, network, storage, _case_of(network, *ARABIC))
    assert calls  # the spy sees shaping when a text needs it


def test_a_character_no_font_has_is_never_quoted_in_the_logs(login, network, storage, caplog):
    caplog.set_level(logging.WARNING)
    _letter_by_name(login, network, storage, _case_of(network, *TIBETAN))
    logged = _logged(caplog)
    assert [r for r in caplog.records if r.name == "fpdf.output"]  # the warning is kept...
    assert not set("".join(TIBETAN)) & set(logged)  # ...without the characters
    assert "\\u0f40" not in logged.lower()


@pytest.mark.parametrize("first_name, last_name, font", [
    ("মোহাম্মদ", "রহমান", "NotoSansBengali"), ("ਗੁਰਪ੍ਰੀਤ", "ਸਿੰਘ", "NotoSansGurmukhi"),
    ("प्रिया", "शर्मा", "NotoSansDevanagari"), ("නිමල්", "පෙරේරා", "NotoSansSinhala"), ("முருகன்", "செல்வம்", "NotoSansTamil"),
    ("അനിൽ", "കുമാർ", "NotoSansMalayalam"), ("አበበ", "በቀለ", "NotoSansEthiopic"),
    (*THAI, "NotoSansThai"), (*GUJARATI, "NotoSansGujarati"), ("వెంకట", "రావు", "NotoSansTelugu"),
    ("ಸುರೇಶ್", "ಗೌಡ", "NotoSansKannada"), ("ସୁଭାଷ", "ମହାପାତ୍ର", "NotoSansOriya"), ("សុខ", "ចាន់", "NotoSansKhmer"),
    ("အောင်", "ကျော်", "NotoSansMyanmar"),
    # DejaVu has these: nothing to add on demand.
    ("ສົມພອນ", "ພົມມະຈັນ", "DejaVuSans"), ("ნინო", "ბერიძე", "DejaVuSans"), ("Արամ", "Պետրոսյան", "DejaVuSans"),
])
def test_names_of_asia_and_the_horn_of_africa_print_in_the_letter(login, network, storage, caplog,
                                                                  first_name, last_name, font):
    caplog.set_level(logging.WARNING)
    data = _letter_by_name(login, network, storage, _case_of(network, first_name, last_name))
    assert any(font in name for name in _assert_pdfa_with_fonts_embedded(data))
    assert not [r for r in caplog.records if r.name.startswith("fpdf")]  # no glyph was missing


def test_a_devanagari_name_is_shaped(app):
    """Unshaped, प्रिया printed its letters one by one in the order typed: प, the virama, र, then the vowel sign
    that belongs before them. Shaped, प्र is one conjunct glyph and the vowel sign its form before it (neither
    is a character of the font's map), then य and ा."""
    with app.test_request_context():
        doc = Document("Lettera")
        doc.text("Gentile प्रिया")
        drawn = _drawn(doc.bytes(), "DEVANAGARI")
    assert drawn == ["DEVANAGARI LETTER YA", "DEVANAGARI VOWEL SIGN AA"]


@pytest.mark.parametrize("name, script, drawn", [
    # น้ำฝน: shaped, SARA AM is drawn as NIKHAHIT then SARA AA, and MAI THO as the form placed above them (no
    # character of the font's map); unshaped, MAI THO and SARA AM as typed, the tone mark clashing with the NIKHAHIT.
    ("น้ำฝน", "THAI", ["THAI CHARACTER NO NU", "THAI CHARACTER NIKHAHIT", "THAI CHARACTER SARA AA",
                      "THAI CHARACTER FO FA", "THAI CHARACTER NO NU"]),
    # ปิ่น: over the tall PO PLA, SARA I and MAI EK are drawn shifted left (unshaped, they struck its stem).
    ("ปิ่น", "THAI", ["THAI CHARACTER PO PLA", "THAI CHARACTER NO NU"]),
    # કિરણ: the vowel sign I is drawn in its form before KA (unshaped: after it, as typed).
    (GUJARATI[0], "GUJARATI", ["GUJARATI LETTER KA", "GUJARATI LETTER RA", "GUJARATI LETTER NNA"]),
    # પ્રિયા: પ્ર one conjunct glyph, the vowel sign I its form before it, then ય and ા (as in Devanagari, below).
    ("પ્રિયા", "GUJARATI", ["GUJARATI LETTER YA", "GUJARATI VOWEL SIGN AA"]),
    # ကျော်: the vowel sign E is drawn before its consonant (unshaped: after KA and its medial YA, as typed).
    ("ကျော်", "MYANMAR", ["MYANMAR VOWEL SIGN E", "MYANMAR LETTER KA", "MYANMAR CONSONANT SIGN MEDIAL YA",
                         "MYANMAR VOWEL SIGN AA", "MYANMAR SIGN ASAT"]),
    # ស្រីពៅ: the subscript RO (drawn before SA) and ព joined with the end of the split vowel ៅ are no characters of
    # the font's map; the vowel's E is drawn before ព (unshaped: SA, COENG, RO, II, PO, AU, one by one as typed).
    ("ស្រីពៅ", "KHMER", ["KHMER LETTER SA", "KHMER VOWEL SIGN II", "KHMER VOWEL SIGN E"]),
])
def test_names_in_thai_gujarati_myanmar_khmer_are_shaped(app, name, script, drawn):
    with app.test_request_context():
        doc = Document("Lettera")
        doc.text(f"Gentile {name}")
        assert _drawn(doc.bytes(), script) == drawn


def test_a_name_adds_the_font_of_its_own_script_only(app):
    """The danda (।) ends a sentence in ten of the Noto fonts: a Gujarati sentence adds the Gujarati font alone,
    a Thai name the Thai font, and a script DejaVu has (Georgian) none."""
    with app.test_request_context():
        doc = Document("Lettera")
        doc.text(" ".join(GUJARATI) + "।")
        doc.heading(" ".join(THAI))
        doc.pair("Nome", "ნინო ბერიძე")
        doc.bytes()
        assert sorted(doc.pdf.fonts) == ["dejavu", "dejavuB", "noto-gujarati", "noto-gujaratiB", "noto-thai",
                                         "noto-thaiB", "titillium", "titilliumB"]


def test_a_chinese_name_prints_from_the_systems_font(app, login, network, storage, caplog):
    font = app.config["PDF_CJK_FONT"]
    if not os.path.exists(font):
        unavailable(f"no CJK font at {font} (apt-get install fonts-wqy-microhei)")
    caplog.set_level(logging.WARNING)
    data = _letter_by_name(login, network, storage, _case_of(network, *CHINESE))
    assert "Gentile 王 小明," in _text(data)
    assert any("WenQuanYi" in name for name in _assert_pdfa_with_fonts_embedded(data))
    assert not [r for r in caplog.records if r.name.startswith("fpdf")]
    with app.test_request_context():
        doc = Document("Scheda")
        doc.heading(" ".join(CHINESE))  # bold: the font has one weight, which serves (not blank)
        assert "王 小明" in _text(doc.bytes())


def test_a_latin_document_adds_no_font_on_demand(app):
    """Parsing a font costs time (the CJK one about 0.25 s): an Italian letter, with its quotes, dashes, bullets
    and euro, keeps the two families it starts with."""
    with app.test_request_context():
        doc = Document("Lettera")
        doc.heading("Perché “così” — € 1.234,56")
        doc.text("• Gentile Ștefan Łukasz Müller, la informiamo…")
        doc.table(["Voce"], [["€ 12,00 – ok"]])
        doc.bytes()
        assert sorted(doc.pdf.fonts) == ["dejavu", "dejavuB", "titillium", "titilliumB"]


def test_a_paragraph_in_arabic_starts_at_the_right_edge(app, monkeypatch):
    """A node's own letter written in Arabic: its paragraphs align right; a Latin paragraph that quotes an
    Arabic name stays justified."""
    aligned = []
    original = FPDF.multi_cell
    monkeypatch.setattr(FPDF, "multi_cell", lambda pdf, *args, **kwargs: aligned.append(kwargs.get("align"))
                        or original(pdf, *args, **kwargs))
    with app.test_request_context():
        doc = Document("Lettera")
        doc.text(" ".join(ARABIC) + " تم قبول طلبك.")
        doc.text("Gentile " + " ".join(ARABIC) + ", la informiamo che...")
        doc.bytes()
    assert aligned == ["R", "J"]
