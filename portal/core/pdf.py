"""PDF documents with fpdf2 (pure Python, no network, no system libraries), shared by the art. 15 export
and the node's documents (scheda analitica, letters). Right-to-left text is shaped (``shaping_for``).

The interface font (Titillium Web, latin-ext, vendored in static/vendor) is embedded, so names such as
"Łukasz" or "Ștefan" print as typed; what it lacks (Greek, Cyrillic, Arabic, Hebrew...) comes from DejaVu Sans,
vendored the same way, through fpdf2's fallback fonts. Documents aim at PDF/A-2b: every font embedded, no
transparency, an sRGB output intent and XMP metadata declaring the conformance (fpdf2's ``enforce_compliance``)."""
import logging
import os
import tempfile
import unicodedata
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache

from flask import current_app
from flask_babel import gettext as _

# Family -> style -> WOFF under static/vendor/fonts (scripts/vendor.sh copies them from npm packages).
FONTS = {"": "Titillium_Web/titillium-web-v10-latin-ext_latin-regular.woff",
         "B": "Titillium_Web/titillium-web-v10-latin-ext_latin-700.woff"}
# Titillium has Latin only: without a fallback a Cyrillic or Arabic name prints blank. Each style
# falls back to the same style (fpdf2's exact match), so a bold name stays bold.
FALLBACK_FONTS = {"dejavu": {"": "DejaVu_Sans/dejavu-sans-400.woff", "B": "DejaVu_Sans/dejavu-sans-700.woff"}}
PDF_MIMETYPE = "application/pdf"
# Bidi classes of right-to-left letters (Hebrew "R"; Arabic, Syriac, Thaana "AL").
_RIGHT_TO_LEFT = frozenset({"R", "AL"})


def needs_shaping(*values) -> bool:
    """Whether any of the values, as printed, has right-to-left letters."""
    for value in values:
        text = "" if value is None else str(value)  # a lazy label or a number prints through str()
        if not text.isascii() and any(unicodedata.bidirectional(char) in _RIGHT_TO_LEFT for char in text):
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
def shaping_for(pdf, *texts):
    """Text shaping (HarfBuzz, through uharfbuzz) on while drawing these texts if they need it, then back as
    it was. Without it fpdf2 draws each character's own glyph left to right: an Arabic name came out with its
    letters isolated and reversed. Only around such text: shaping Latin text made a scheda analitica (tables)
    nearly twice as slow to build, for nothing."""
    before = pdf.text_shaping
    if before is None and needs_shaping(*texts):
        pdf.set_text_shaping(True)
    try:
        yield
    finally:
        pdf.text_shaping = before


class _GlyphsUnquoted(logging.Filter):
    """fpdf2 warns of the characters no embedded font has (a Chinese name, still) and quotes up to ten of
    them: that is a person's name in the logs, which the log redaction does not recognise. The warning is
    kept, for the operators to know that something printed as boxes, without the characters."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "glyph" in str(record.msg).lower():
            font = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg = "Font %s lacks glyphs for some characters of a document (not logged: they are its text)"
            record.args = (font,)
        return True


logging.getLogger("fpdf.output").addFilter(_GlyphsUnquoted())


@cache
def font_file(name: str) -> str:
    """fpdf2 embeds TrueType: the vendored WOFF, unwrapped once per process into a temporary .ttf."""
    from fontTools.ttLib import TTFont

    source = os.path.join(current_app.static_folder, "vendor", "fonts", name)
    stem = os.path.basename(name).replace(".woff", ".ttf")
    target = os.path.join(tempfile.gettempdir(), f"rete-{os.getpid()}-{stem}")
    font = TTFont(source)
    font.flavor = None
    partial = f"{target}.{os.urandom(4).hex()}"
    font.save(partial)
    os.replace(partial, target)  # atomic: a concurrent request never reads half a font
    return target


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
        with shaping_for(self.pdf, text):
            self.pdf.multi_cell(0, size * 0.5, str(text), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(1)

    def text(self, text: str, size: int = 10) -> None:
        self.pdf.set_font("titillium", "", size)
        with shaping_for(self.pdf, text):  # an Arabic paragraph (a node's own letter) starts at the right edge
            self.pdf.multi_cell(0, size / 2, str(text), new_x="LMARGIN", new_y="NEXT",
                                align="R" if self.pdf.text_shaping and right_to_left(text) else "J")

    def gap(self, height: float = 4) -> None:
        self.pdf.ln(height)

    def pair(self, label, value) -> None:
        with shaping_for(self.pdf, label, value):
            self.pdf.set_font("titillium", "B", 10)
            self.pdf.multi_cell(55, 5, str(label), new_x="RIGHT", new_y="TOP")
            self.pdf.set_font("titillium", "", 10)
            self.pdf.multi_cell(0, 5, str(value if value not in (None, "") else _("non indicato")), new_x="LMARGIN",
                                new_y="NEXT")

    def table(self, header: list, rows: list[list], size: int = 8) -> None:
        """Text cells, header repeated on each page; widths follow the content (fpdf2's table)."""
        from fpdf.fonts import FontFace

        self.pdf.set_font("titillium", "", size)
        shaped = shaping_for(self.pdf, *header, *(value for row in rows for value in row))
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
