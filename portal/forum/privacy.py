"""What must not reach the forum, found field by field before anything is published.

Two classes of finding:

- **identifying** — a valid codice fiscale (omocodia forms included) or a person's pseudonym code
  (``NO-2026-000123``: a node's code, the year, the person's number in that node and year;
  portal/people/pseudonyms.py).
  Never published: the post is refused and no confirmation overrides it.
- **contacts** — phone numbers and e-mail addresses, usually an office's. Published only when the author
  confirms each one (the confirmation names the number and where it was found); a changed number is a new
  finding that needs its own confirmation.

Text is normalised first (NFKC, invisible format characters removed) so lookalike digits or zero-width
spaces do not hide a code, and Markdown bodies are also read as the plain text readers will see
(``RSS**MRA**85T10A562S`` shows as one code). Positions refer to the normalised text, which is what the
refusal shows with the match marked.
"""
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from codicefiscale import codicefiscale
from markupsafe import Markup, escape

from ..people.services import remembering_tax_codes, valid_tax_code

TAX_CODE = "tax_code"
PSEUDONYM = "pseudonym"
PHONE = "phone"
EMAIL = "email"
IDENTIFYING = frozenset({TAX_CODE, PSEUDONYM})
CONTACTS = frozenset({PHONE, EMAIL})

# Every dash a keyboard or an autocorrect writes (hyphen, en and em dashes, minus...): a word processor turns
# "NP-2026-000001" into "NP–2026–000001", which must be found all the same.
_DASHES = r"\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d"  # for a character class, as the regex engine reads it
# The 16 characters of a codice fiscale, with optional spaces, dots or dashes between its groups
# (RSS MRA 85T10 A562S, RSS – MRA); omocodia replaces digits with the letters LMNPQRSTUV.
_D = "[0-9LMNPQRSTUV]"
_SEP = rf"(?:\s*[.{_DASHES}]\s*|\s)?"
_TAX_CODE = re.compile(
    rf"(?<![A-Z0-9])[A-Z]{{3}}{_SEP}[A-Z]{{3}}{_SEP}{_D}{{2}}[A-EHLMPR-T]{_D}{{2}}{_SEP}[A-Z]{_D}{{3}}{_SEP}[A-Z](?![A-Z0-9])",
    re.IGNORECASE,
)
# Inside longer words (a file named "verbaleRSSMRA85T10A562S"): every overlapping 16-character run shaped
# like a codice fiscale (a lookahead finds them all in one pass) is checked.
_LONG_TOKEN = re.compile(r"[A-Za-z0-9]{17,}")
_TAX_CODE_INSIDE = re.compile(rf"(?=([A-Z]{{6}}{_D}{{2}}[A-EHLMPR-T]{_D}{{2}}[A-Z]{_D}{{3}}[A-Z]))", re.IGNORECASE)
DEFAULT_PREFIXES = ("RT",)  # next_pseudonym's prefix when a node has no code
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Italian numbers: mobiles (3xx) and landlines (0x…), optional +39/0039, spaces, dots or dashes inside.
_PHONE = re.compile(r"(?<![\w-])(?:(?:\+|00)39[\s.-]?)?(?:3\d{2}|0\d{1,3})(?:[\s.-]?\d){5,8}(?![\w-])")


@dataclass(frozen=True)
class Finding:
    kind: str  # TAX_CODE, PSEUDONYM, PHONE, EMAIL
    field: str  # the form field it was found in ("title", "body", a card field, "files")
    value: str  # as written (normalised text)
    text: str  # the field's normalised text, for the highlight
    start: int
    end: int

    @property
    def identifying(self) -> bool:
        return self.kind in IDENTIFYING

    @property
    def key(self) -> str:
        """Stable id of this item in this field: the value of its confirmation checkbox."""
        return confirmation_key(self.kind, self.field, self.value)

    def highlighted(self, context: int = 80) -> Markup:
        """The field's text around the match, escaped, with the match in <mark>."""
        start, end = max(self.start - context, 0), min(self.end + context, len(self.text))
        before = ("…" if start else "") + self.text[start:self.start]
        after = self.text[self.end:end] + ("…" if end < len(self.text) else "")
        return escape(before) + Markup("<mark>") + escape(self.text[self.start:self.end]) + Markup("</mark>") + escape(after)


def normalised_value(kind: str, value: str) -> str:
    if kind == PHONE:
        digits = re.sub(r"\D", "", value)
        return re.sub(r"^(?:0039|39)(?=[03])", "", digits) if value.strip().startswith(("+", "00")) else digits
    if kind == EMAIL:
        return value.strip().lower()
    return re.sub(r"[^A-Z0-9]", "", value.upper())


def confirmation_key(kind: str, field: str, value: str) -> str:
    raw = f"{kind}|{field}|{normalised_value(kind, value)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def normalise(text: str) -> str:
    """NFKC (fullwidth or styled digits become digits) without invisible format characters."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


# A full validation decodes date and birthplace (milliseconds); the check character is tested first
# (microseconds). Past this many candidates with a right check character in one post, the rest count as
# codici fiscali without decoding: a text stuffed with look-alikes is refused, not slow.
MAX_DECODED = 50


def _valid_tax_code(candidate: str, budget: list[int]) -> bool:
    code = re.sub(r"[^A-Z0-9]", "", candidate.upper())
    if len(code) != 16 or codicefiscale.encode_cin(code[:15]) != code[15]:
        return False
    budget[0] -= 1
    return budget[0] < 0 or valid_tax_code(code)


def _pseudonym_pattern(prefixes) -> re.Pattern:
    codes = sorted({p.upper() for p in (prefixes or ()) if p} | set(DEFAULT_PREFIXES), key=len, reverse=True)
    alternatives = "|".join(re.escape(c) for c in codes)
    sep = rf"(?:\s*[._/{_DASHES}]\s*|\s)?"
    return re.compile(rf"(?<![A-Z0-9])(?:{alternatives}){sep}(?:19|20)\d{{2}}{sep}\d{{6,9}}(?!\d)", re.IGNORECASE)


def _scan_one(field: str, text: str, pseudonyms: re.Pattern, budget: list[int]) -> list[Finding]:
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def add(kind, start, end):
        found.append(Finding(kind, field, text[start:end], text, start, end))
        taken.append((start, end))

    for m in _TAX_CODE.finditer(text):
        if _valid_tax_code(m.group(), budget):
            add(TAX_CODE, m.start(), m.end())
    for m in _LONG_TOKEN.finditer(text):
        for inside in _TAX_CODE_INSIDE.finditer(m.group()):
            if _valid_tax_code(inside.group(1), budget):
                add(TAX_CODE, m.start() + inside.start(), m.start() + inside.start() + 16)
    for m in pseudonyms.finditer(text):
        add(PSEUDONYM, m.start(), m.end())
    for m in _EMAIL.finditer(text):
        add(EMAIL, m.start(), m.end())
    for m in _PHONE.finditer(text):
        if not any(s < m.end() and m.start() < e for s, e in taken):  # digits of a code already found
            add(PHONE, m.start(), m.end())
    return found


@remembering_tax_codes()  # a code in a Markdown body is read twice (as written and as shown); nothing kept after
def scan(fields: dict[str, str | list[str]], *, prefixes=(), markdown=("body",)) -> list[Finding]:
    """Every finding in ``fields`` (name → text, or a list of texts such as file names), one per item per field,
    identifying ones first. Fields named in ``markdown`` are also read as the plain text readers will see."""
    from .text import plain

    pseudonyms = _pseudonym_pattern(prefixes)
    budget = [MAX_DECODED]  # shared by every field of the post
    out: dict[str, Finding] = {}
    for field, value in fields.items():
        texts = value if isinstance(value, list | tuple) else [value]
        for raw in texts:
            text = normalise(raw)
            variants = [text] + ([normalise(plain(raw))] if field in markdown else [])
            for variant in variants:
                for finding in _scan_one(field, variant, pseudonyms, budget):
                    out.setdefault(finding.key, finding)
    return sorted(out.values(), key=lambda f: (not f.identifying, f.field, f.start))


def kinds(findings: list[Finding]) -> list[str]:
    return sorted({f.kind for f in findings})
