"""The fonts of the PDFs (core/pdf.py), all embedded (PDF/A-2b): the interface font, Titillium Web (latin-ext), then
DejaVu Sans for what it lacks (Greek, Cyrillic, Armenian, Georgian, Arabic, Hebrew, Lao...), both vendored in
static/vendor by scripts/vendor.sh from npm packages and always in a document. Scripts DejaVu lacks too are added
to a document only when one of its texts needs them: Noto Sans, vendored the same way, for names of people from
South and South-East Asia and the Horn of Africa (NOTO_SCRIPTS), and a system font (``PDF_CJK_FONT``) for Chinese,
Japanese and Korean. A script none of them has (Tibetan, say) prints as boxes, with a warning that never quotes the
text."""
import logging
import os
import tempfile
from dataclasses import dataclass
from functools import cache

from flask import current_app

# Family -> style -> WOFF under static/vendor/fonts.
FONTS = {"": "Titillium_Web/titillium-web-v10-latin-ext_latin-regular.woff",
         "B": "Titillium_Web/titillium-web-v10-latin-ext_latin-700.woff"}
# Titillium has Latin only: without a fallback a Cyrillic or Arabic name prints blank. Each style
# falls back to the same style, so a bold name stays bold.
FALLBACK_FONTS = {"dejavu": {"": "DejaVu_Sans/dejavu-sans-400.woff", "B": "DejaVu_Sans/dejavu-sans-700.woff"}}
# Fonts added on demand, in the order fpdf2 tries them: parsing one costs time (the CJK font about 0.25 s), which a
# document of Latin or Cyrillic text should not pay. The same list is in scripts/vendor.sh, which copies them.
NOTO_SCRIPTS = ("bengali", "devanagari", "gujarati", "gurmukhi", "kannada", "malayalam", "oriya", "sinhala", "tamil",
                "telugu", "thai", "khmer", "myanmar", "ethiopic")
CJK_FAMILY = "cjk"


def add_fonts_for(pdf, texts) -> None:
    """Adds to the document the on-demand fonts (NOTO_SCRIPTS, then the CJK one) that have characters of these
    texts which the interface font, DejaVu and the fonts already added lack: each time the one that has most of
    those still missing, so a Gujarati sentence brings the Gujarati font alone, not every font that also has its
    full stop (the danda, in ten of them)."""
    printed = (str(value) for value in texts if value is not None)  # a lazy label or a number prints through str()
    wanted = {char for text in printed if not text.isascii() for char in text if ord(char) > 0x24F}
    missing = wanted - _base_characters() if wanted else wanted
    if not missing:
        return
    fonts = _on_demand_fonts()
    for font in fonts:
        if font.family in pdf.fonts:
            missing -= font.characters()
    candidates = [font for font in fonts if font.family not in pdf.fonts]
    needed = []
    while missing and candidates:
        best = max(candidates, key=lambda font: len(missing & font.characters()))  # the first of equals
        if not missing & best.characters():
            break  # no font has what is left: it prints as boxes (fpdf2 warns, _GlyphsUnquoted)
        needed.append(best)
        candidates.remove(best)
        missing -= best.characters()
    for font in needed:
        for style, path in font.files().items():
            pdf.add_font(font.family, style, path, collection_font_number=font.number)
    if needed:
        # Not exact: the CJK font has one weight, and a bold Chinese name had better print regular than blank.
        # A font of the same weight is still preferred (fpdf2's get_fallback_font), so bold Cyrillic stays bold.
        pdf.set_fallback_fonts([*FALLBACK_FONTS, *(font.family for font in fonts if font.family in pdf.fonts)],
                               exact_match=False)


@dataclass(frozen=True)
class _OnDemandFont:
    family: str
    styles: dict  # fpdf2 style -> a WOFF under static/vendor/fonts, or (vendored=False) a TrueType file's path
    number: int = 0  # the font's number in a TrueType collection (.ttc)
    vendored: bool = True

    def characters(self) -> frozenset:
        """Read from the WOFF itself: a font no document needs is never unwrapped."""
        name = self.styles[""]
        return _characters(_vendored_path(name) if self.vendored else name, self.number)

    def files(self) -> dict:
        """fpdf2 style -> the TrueType file to embed."""
        return {style: font_file(name) if self.vendored else name for style, name in self.styles.items()}


def _on_demand_fonts() -> list[_OnDemandFont]:
    """The vendored Noto fonts, then the CJK font where the system has it (one weight: parsing it costs about
    0.25 s each time a document adds it)."""
    fonts = [_OnDemandFont(f"noto-{script}", {style: f"Noto_Sans/noto-sans-{script}-{weight}.woff"
                                              for style, weight in (("", 400), ("B", 700))})
             for script in NOTO_SCRIPTS]
    cjk = current_app.config.get("PDF_CJK_FONT")
    if cjk and os.path.exists(cjk):
        fonts.append(_OnDemandFont(CJK_FAMILY, {"": cjk}, vendored=False))
    return fonts


@cache
def _characters(path: str, number: int = 0) -> frozenset:
    """The characters a font file has (its cmap), read once per process."""
    from fontTools.ttLib import TTFont

    return frozenset(map(chr, TTFont(path, fontNumber=number, lazy=True).getBestCmap()))


@cache
def _base_characters() -> frozenset:
    return _characters(font_file(FONTS[""])) | _characters(font_file(FALLBACK_FONTS["dejavu"][""]))


def _vendored_path(name: str) -> str:
    return os.path.join(current_app.static_folder, "vendor", "fonts", name)


@cache
def font_file(name: str) -> str:
    """fpdf2 embeds TrueType: the vendored WOFF, unwrapped once per process into a temporary .ttf."""
    from fontTools.ttLib import TTFont

    stem = os.path.basename(name).replace(".woff", ".ttf")
    target = os.path.join(tempfile.gettempdir(), f"rete-{os.getpid()}-{stem}")
    font = TTFont(_vendored_path(name))
    font.flavor = None
    partial = f"{target}.{os.urandom(4).hex()}"
    font.save(partial)
    os.replace(partial, target)  # atomic: a concurrent request never reads half a font
    return target


class _GlyphsUnquoted(logging.Filter):
    """fpdf2 warns of the characters no embedded font has (a Tibetan name, still) and quotes up to ten of
    them: that is a person's name in the logs, which the log redaction does not recognise. The warning is
    kept, for the operators to know that something printed as boxes, without the characters."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "glyph" in str(record.msg).lower():
            font = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg = "Font %s lacks glyphs for some characters of a document (not logged: they are its text)"
            record.args = (font,)
        return True


logging.getLogger("fpdf.output").addFilter(_GlyphsUnquoted())
