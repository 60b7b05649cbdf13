"""Build step of the static files: content-hashed copies, precompressed, in static/dist/ (``make assets``).

Every file under static/ (our own and static/vendor/) is copied to static/dist/ under a name carrying a
hash of its content (``css/rete.3f2a1b9c0d4e.css``), so it can be cached by browsers for a year without
ever being stale: a changed file gets a new name. Relative ``url(...)`` references inside stylesheets
(fonts, the SVG sprite) are rewritten to the hashed names first, so they keep resolving and a font
change also changes its stylesheet's name. Then WhiteNoise's compressor writes ``.gz`` and ``.br`` siblings
(brotli through Google's ``Brotli`` package), which WhiteNoise serves by content negotiation with no
compression work per request. ``manifest.json`` maps original to hashed names for ``url_for('static', …)``.

WhiteNoise's own manifest storage is Django-only, hence these few lines for the hashing.
"""
import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path, PurePosixPath

from whitenoise.compress import Compressor

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "static"
DIST = STATIC / "dist"
MANIFEST = "manifest.json"
# Files never served to browsers (licences, version notes) are not published.
SKIP_SUFFIXES = {".txt", ".map", ".md"}
SKIP_NAMES = {"VERSIONS", ".stamp"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def sources() -> list[PurePosixPath]:
    found = []
    for dirpath, dirnames, filenames in os.walk(STATIC):
        if Path(dirpath) == STATIC:
            dirnames[:] = [d for d in dirnames if d != DIST.name]
        for name in filenames:
            path = Path(dirpath, name)
            if path.suffix in SKIP_SUFFIXES or name in SKIP_NAMES:
                continue
            found.append(PurePosixPath(path.relative_to(STATIC).as_posix()))
    # Stylesheets last: they refer to the fonts and images, whose hashed names they need.
    return sorted(found, key=lambda p: (p.suffix == ".css", str(p)))


def hashed_name(path: PurePosixPath, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:12]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def rewrite_css(path: PurePosixPath, text: str, manifest: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        quote, target = match.group(1), match.group(2).strip()
        if target.startswith(("data:", "http:", "https:", "//", "/", "#")):
            return match.group(0)
        bare, suffix = re.match(r"([^?#]*)(.*)", target).groups()  # keep "?#iefix", "#sprite-id"
        resolved = os.path.normpath(os.path.join(str(path.parent), bare)).replace(os.sep, "/")
        if resolved not in manifest:
            return match.group(0)
        new = os.path.relpath(manifest[resolved], str(path.parent)).replace(os.sep, "/")
        return f"url({quote}{new}{suffix}{quote})"

    return CSS_URL.sub(replace, text)


def build() -> dict[str, str]:
    if DIST.exists():
        shutil.rmtree(DIST)
    DIST.mkdir(parents=True)
    manifest: dict[str, str] = {}
    for path in sources():
        content = (STATIC / path).read_bytes()
        if path.suffix == ".css":
            content = rewrite_css(path, content.decode("utf-8"), manifest).encode("utf-8")
        name = hashed_name(path, content)
        target = DIST / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        manifest[str(path)] = name
    compressor = Compressor(quiet=True)
    for name in manifest.values():
        path = str(DIST / name)
        if compressor.should_compress(path):
            for _ in compressor.compress(path):
                pass
    (DIST / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


if __name__ == "__main__":
    built = build()
    print(f"build_assets.py: {len(built)} files hashed and compressed in {DIST.relative_to(ROOT)}", file=sys.stderr)
