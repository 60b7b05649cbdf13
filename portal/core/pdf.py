"""PDF documents with fpdf2 (pure Python, no network, no system libraries), shared by the art. 15 export
and the node's documents (scheda analitica, letters). Complex scripts are shaped (``scripts_for``).

The interface font (Titillium Web, latin-ext, vendored in static/vendor) is embedded, so names such as
"Łukasz" or "Ștefan" print as typed; what it lacks (Greek, Cyrillic, Arabic, Hebrew...) comes from DejaVu Sans,
vendored the same way, through fpdf2's fallback fonts. Scripts DejaVu lacks too (Bengali, Devanagari, Gujarati,
Gurmukhi, Kannada, Malayalam, Oriya, Sinhala, Tamil, Telugu, Thai, Khmer, Myanmar, Ethiopic: Noto Sans, vendored;
Chinese, Japanese, Korean: a system font, ``PDF_CJK_FONT``) are added to a document only when a text of it needs
them (core/pdf_fonts.py). Documents aim at PDF/A-2b: every font embedded, no transparency, an sRGB output intent
and XMP metadata declaring the conformance (fpdf2's ``enforce_compliance``)."""
import unicodedata
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache

from flask_babel import gettext as _

from .pdf_fonts import FALLBACK_FONTS, FONTS, add_fonts_for, font_file

PDF_MIMETYPE = "application/pdf"
# Bidi classes of right-to-left letters (Hebrew "R"; Arabic, Syriac, Thaana "AL").
_RIGHT_TO_LEFT = frozenset({"R", "AL"})
# Scripts whose letters are not drawn one after the other as typed. The Brahmic scripts of India and Sri Lanka
# (U+0900 Devanagari to U+0DFF Sinhala), Myanmar and Khmer: vowel signs drawn before their consonant, conjuncts,
# subscript letters; unshaped, a Bengali or Punjabi name prints its letters one by one, out of order. Thai and Lao
# (U+0E00 to U+0EFF): vowel signs and tone marks stacked above or below their consonant, placed by the font.
_COMPLEX = frozenset((*range(0x0900, 0x0F00), *range(0x1000, 0x10A0), *range(0x1780, 0x1800)))


def _printed(values):
    for value in values:
        yield "" if value is None else str(value)  # a lazy label or a number prints through str()


def needs_shaping(*values) -> bool:
    """Whether any of the values, as printed, has letters that are drawn joined, reordered or stacked: right to
    left (Arabic, Hebrew), Brahmic, Thai..."""
    for text in _printed(values):
        if not text.isascii() and any(unicodedata.bidirectional(char) in _RIGHT_TO_LEFT or ord(char) in _COMPLEX
                                      for char in text):
            return True
    return False


def right_to_left(text) -> bool:
    """Whether a paragraph reads right to left: its first letter with a direction is Arabic or Hebrew (the
    Unicode bidi algorithm's rule for a paragraph's direction, P2)."""
    for char in str(text):
        direction = unicodedata.bidirectional(char)
        if direction == "L":
            return False
        if direction in _RIGHT_TO_LEFT:
            return True
    return False


@contextmanager
def scripts_for(pdf, *texts):
    """What these texts need while they are drawn: the fonts of their scripts (added once per document) and text
    shaping (HarfBuzz, through uharfbuzz), then shaping back as it was. Without shaping fpdf2 draws each
    character's own glyph left to right: an Arabic name came out with its letters isolated and reversed. Only
    around such text: shaping Latin text made a scheda analitica (tables) nearly twice as slow to build."""
    add_fonts_for(pdf, texts)
    before = pdf.text_shaping
    if before is None and needs_shaping(*texts):
        pdf.set_text_shaping(True)
    try:
        yield
    finally:
        pdf.text_shaping = before


@cache
def _srgb_profile() -> bytes | None:
    """The sRGB ICC profile PDF/A wants as output intent, built by Pillow's LittleCMS (no file to ship)."""
    try:
        from PIL import ImageCms

        return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    except (ImportError, OSError):  # Pillow without LittleCMS: the PDF stays valid, just not PDF/A
        return None


class Document:
    """An A4 page flow: headings, paragraphs, label-value lines, simple tables."""

    def __init__(self, title: str, *, author: str = "Rete", lang: str = "it"):
        from fpdf import FPDF

        # fpdf2 (>= 2.8.5) enforces PDF/A-2b itself: no core fonts, no encryption, XMP with pdfaid written
        self.pdf = FPDF(format="A4", enforce_compliance="PDFA_2B")
        for family, styles in {"titillium": FONTS, **FALLBACK_FONTS}.items():
            for style, name in styles.items():
                self.pdf.add_font(family, style, font_file(name))
        self.pdf.set_fallback_fonts(list(FALLBACK_FONTS))
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.set_title(str(title))
        self.pdf.set_author(str(author))
        self.pdf.set_creator("Rete")
        self.pdf.set_producer("Rete (fpdf2)")
        self.pdf.set_lang(lang)
        self.pdf.set_creation_date(datetime.now(UTC))
        profile = _srgb_profile()
        if profile is not None:
            self._output_intent(profile)
        self.pdf.add_page()

    def _output_intent(self, profile: bytes) -> None:
        from fpdf.enums import OutputIntentSubType
        from fpdf.output import PDFICCProfile

        self.pdf.add_output_intent(
            OutputIntentSubType.PDFA, output_condition_identifier="sRGB", output_condition="sRGB IEC61966-2.1",
            registry_name="http://www.color.org", dest_output_profile=PDFICCProfile(contents=profile, n=3, alternate="DeviceRGB"),
            info="sRGB IEC61966-2.1",
        )

    def heading(self, text: str, size: int = 13) -> None:
        self.pdf.set_font("titillium", "B", size)
        self.pdf.ln(2)
        with scripts_for(self.pdf, text):
            self.pdf.multi_cell(0, size * 0.5, str(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def text(self, text: str, size: int = 10) -> None:
        self.pdf.set_font("titillium", "", size)
        with scripts_for(self.pdf, text):  # an Arabic paragraph (a node's own letter) starts at the right edge
            self.pdf.multi_cell(0, size / 2, str(text), new_x="LMARGIN", new_y="NEXT",
                                align="R" if self.pdf.text_shaping and right_to_left(text) else "J")

    def gap(self, height: float = 4) -> None:
        self.pdf.ln(height)

    def pair(self, label, value) -> None:
        with scripts_for(self.pdf, label, value):
            self.pdf.set_font("titillium", "B", 10)
            self.pdf.multi_cell(55, 5, str(label), new_x="RIGHT", new_y="TOP")
            self.pdf.set_font("titillium", "", 10)
            self.pdf.multi_cell(0, 5, str(value if value not in (None, "") else _("non indicato")), new_x="LMARGIN",
                                new_y="NEXT")

    def table(self, header: list, rows: list[list], size: int = 8) -> None:
        """Text cells, header repeated on each page; widths follow the content (fpdf2's table)."""
        from fpdf.fonts import FontFace

        self.pdf.set_font("titillium", "", size)
        shaped = scripts_for(self.pdf, *header, *(value for row in rows for value in row))
        with shaped, self.pdf.table(text_align="LEFT", line_height=size / 2 + 0.5,
                                    headings_style=FontFace(emphasis="BOLD")) as table:
            head = table.row()
            for cell in header:
                head.cell(str(cell))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell("" if value is None else str(value))

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())
