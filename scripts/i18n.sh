#!/usr/bin/env bash
# Re-extract the translatable strings and update the catalogues (for maintainers).
#
#   scripts/i18n.sh            extract + update every catalogue, then compile to check them
#   scripts/i18n.sh init xx    add a new language xx
#
# msgids are the Italian texts: the `it` catalogue stays (almost) empty, `en` holds the English.
# After running, translate the new/fuzzy entries in portal/translations/en/LC_MESSAGES/messages.po
# (look for empty msgstr and "#, fuzzy") and run the script again until it reports nothing missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYBABEL="${PYBABEL:-$ROOT/.venv/bin/pybabel}"
POT=portal/translations/messages.pot
# _, gettext, ngettext are default keywords; the lazy variants are ours.
KEYWORDS=(-k _l -k lazy_gettext -k lazy_ngettext:1,2)

# babel.cfg only matches portal/**.py and templates/**; skip the big directories while walking.
"$PYBABEL" extract -F babel.cfg "${KEYWORDS[@]}" --no-wrap --sort-by-file \
    --ignore-dirs ".* ._ node_modules static instance tests migrations" \
    --project=rete --version=0.1.0 --copyright-holder="Provincia di Novara" --msgid-bugs-address="rete@provincia.novara.example" \
    -o "$POT" .

if [ "${1:-}" = "init" ]; then
    "$PYBABEL" init -i "$POT" -d portal/translations -l "${2:?language code}" --no-wrap
    exit 0
fi

# No fuzzy matching: its guesses pair unrelated texts and carry wrong placeholders ("%(n)s" for "%(mb)s"), which
# then fail the compile of every language.
"$PYBABEL" update -i "$POT" -d portal/translations --no-wrap --ignore-obsolete --no-fuzzy-matching
"$PYBABEL" compile -d portal/translations --statistics

# Report untranslated or fuzzy English entries (Italian needs none: msgids are Italian).
"$ROOT/.venv/bin/python" - <<'PY'
from babel.messages.pofile import read_po
from wtforms.i18n import get_translations

wtforms_it = get_translations(["it"])  # wtforms translates its own messages ("Not a valid choice.")
with open("portal/translations/en/LC_MESSAGES/messages.po", "rb") as fh:
    catalog = read_po(fh)
missing = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
           and wtforms_it.gettext(m.id if isinstance(m.id, str) else m.id[0]) == (m.id if isinstance(m.id, str) else m.id[0])]
fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
for mid in missing:
    print("untranslated:", mid)
for mid in fuzzy:
    print("fuzzy:", mid)
print(f"en: {len(missing)} untranslated, {len(fuzzy)} fuzzy")
PY
