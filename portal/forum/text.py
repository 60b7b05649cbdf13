"""Post text: Markdown to safe HTML, plain text for snippets, and the search terms.

Markdown is rendered by markdown-it-py with raw HTML off, then cleaned again by nh3 with a small
allow-list (defence in depth): the stored HTML is inert whatever the author typed.
"""
import re
from html import unescape

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


# @mentions of organisations: "@" + a tenant's slug (e.g. @comune-arona), not inside a word or an e-mail.
MENTION = re.compile(r"(?<![\w.+-])@([a-z0-9][a-z0-9-]{0,78}[a-z0-9])(?![\w-])")
_MENTION_AT = re.compile(r"@([a-z0-9][a-z0-9-]{0,78}[a-z0-9])(?![\w-])")


def _mention_rule(state, silent: bool) -> bool:
    """markdown-it inline rule: a known ``@slug`` becomes a link to the organisation's directory entry.

    Runs inside Markdown's own parsing (never in code spans, never on raw HTML, which is off), emits ordinary
    link tokens whose text and title the renderer escapes, and the result still goes through nh3."""
    pos = state.pos
    if state.src[pos] != "@" or (pos > 0 and (state.src[pos - 1].isalnum() or state.src[pos - 1] in "._+-")):
        return False
    match = _MENTION_AT.match(state.src, pos)
    known = state.env.get("mentions") or {}
    if match is None or match.group(1) not in known:
        return False
    slug = match.group(1)
    if not silent:
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": f"/rete/o/{slug}", "title": known[slug]}
        state.push("text", "", 0).content = "@" + slug
        state.push("link_close", "a", -1)
        if slug not in state.env.setdefault("mentioned", []):
            state.env["mentioned"].append(slug)
    state.pos = match.end()
    return True


_md.inline.ruler.push("mention", _mention_rule)


def mention_candidates(markdown: str) -> set[str]:
    """Slugs that look mentioned (to look up which are real organisations, in one query)."""
    return set(MENTION.findall(markdown or "")) if "@" in (markdown or "") else set()


def render(markdown: str, mentions: dict[str, str] | None = None) -> str:
    """Markdown → HTML safe to mark |safe in templates (only ever call |safe on this function's output).

    ``mentions`` maps the slugs of real organisations to their names: those ``@slug`` become links."""
    return render_with_mentions(markdown, mentions)[0]


def render_with_mentions(markdown: str, mentions: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """The safe HTML and the slugs actually mentioned (outside code)."""
    env = {"mentions": mentions or {}}
    html = _md.render(markdown or "", env)
    html = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow", strip_comments=True,
    )
    return html, list(env.get("mentioned", []))


# --- plain text -----------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def plain(markdown: str) -> str:
    """The text a reader sees, without Markdown syntax or tags (for search snippets and the personal-data
    check): rendered, every tag dropped by nh3, entities decoded. Callers escape it again when showing it."""
    html = _md.render(markdown or "", {"mentions": {}})
    return _SPACES.sub(" ", unescape(nh3.clean(html, tags=set(), strip_comments=True))).strip()


def snippet(markdown: str, length: int = 200) -> str:
    """The start of a post as plain text, cut at a word boundary."""
    text = plain(markdown)
    if len(text) <= length:
        return text
    return text[:length].rsplit(" ", 1)[0].rstrip(" ,.;:") + " …"


# --- search ---------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


_STOPWORDS = frozenset(
    "il lo la i gli le un uno una di a da in con su per tra fra del dello della dei degli delle al allo alla ai "
    "agli alle dal dallo dalla dai dagli dalle nel nello nella nei negli nelle sul sullo sulla sui sugli sulle "
    "e ed o che non come anche ma se più".split()
)


def words(query: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(query or "")) if len(w) >= 2 and w not in _STOPWORDS][:8]


def crude_stem(word: str) -> str:
    """A rough Italian stem for SQLite (no Snowball there): drop the final vowels, keep at least 3 letters."""
    stem = word.rstrip("aeiouàèéìòù")
    return stem if len(stem) >= 3 else word


def fts5_query(query: str) -> str:
    """Each word as a quoted prefix of its crude stem, all required ("discriminazion"* …)."""
    return " ".join(f'"{crude_stem(w)}"*' for w in words(query))
