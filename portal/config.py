"""Configuration from environment variables, with safe development defaults.

Production (``RETE_ENV=production``) refuses to start with any development secret.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("RETE_INSTANCE_DIR", BASE_DIR / "instance"))

DEV_SECRET_KEY = "dev-secret-key-not-for-production"
# 32-byte AES-GCM key (base64url) used only in development and tests.
DEV_DATA_KEYS = "k1:ZGV2LWRhdGEta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE="
DEV_BLIND_INDEX_KEY = "dev-blind-index-key-not-for-production"


class ConfigError(RuntimeError):
    """Raised when the configuration is unsafe for the chosen environment."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# The most files one form takes (a referral's attachments, a forum message's); the public report takes 3.
FILES_PER_FORM = 5


def load_config() -> dict:
    env = os.environ.get("RETE_ENV", "development")
    attachment_max = _int("ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
    production = env == "production"
    default_db = f"sqlite:///{INSTANCE_DIR / 'rete.sqlite'}"
    database_url = os.environ.get("DATABASE_URL", default_db)
    cfg = {
        "RETE_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Migrations, seeding and maintenance jobs connect as the schema owner; the web app does not.
        "DATABASE_OWNER_URL": os.environ.get("DATABASE_OWNER_URL", database_url),
        "DATA_KEYS": os.environ.get("RETE_DATA_KEYS", DEV_DATA_KEYS),
        "BLIND_INDEX_KEY": os.environ.get("RETE_BLIND_INDEX_KEY", DEV_BLIND_INDEX_KEY),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _int("MAIL_PORT", 8025),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "Rete Novara <noreply@rete.provincia.novara.example>"),
        "REDIS_URL": os.environ.get("REDIS_URL"),
        # The outbox: attempts before a mail is marked failed, first retry delay (doubling), days sent
        # rows are kept for the system admin's counts.
        "OUTBOX_MAX_ATTEMPTS": _int("OUTBOX_MAX_ATTEMPTS", 8),
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "120 per minute"),
        "WEBHOOK_MAX_ATTEMPTS": _int("WEBHOOK_MAX_ATTEMPTS", 8),
        "WEBHOOK_BACKOFF_SECONDS": _int("WEBHOOK_BACKOFF_SECONDS", 60),
        "OUTBOX_BACKOFF_SECONDS": _int("OUTBOX_BACKOFF_SECONDS", 60),
        "OUTBOX_KEEP_DAYS": _int("OUTBOX_KEEP_DAYS", 7),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Redis down: count in each worker's memory meanwhile (same limits, per worker) instead of failing.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": _bool("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True),
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute"),
        # Reset mails one address may be sent, whoever asks (a mailbox flooded from many clients).
        "PASSWORD_RESET_ADDRESS_LIMIT": os.environ.get("PASSWORD_RESET_ADDRESS_LIMIT", "3 per hour"),
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_LOCKOUT_MINUTES": _int("LOGIN_LOCKOUT_MINUTES", 15),
        # How long a browser that signed in keeps its own count of failures (accounts/devices.py).
        "DEVICE_COOKIE_DAYS": _int("DEVICE_COOKIE_DAYS", 180),
        "IDLE_TIMEOUT_MINUTES": _int("IDLE_TIMEOUT_MINUTES", 30),
        # A session ends this long after login however active it is (a stolen cookie does not live forever).
        "SESSION_ABSOLUTE_HOURS": _int("SESSION_ABSOLUTE_HOURS", 12),
        # Reverse proxies in front of the app whose X-Forwarded-For is trusted (rate limits key on the client
        # address they report); none in development, one TLS proxy in the production shape.
        "PROXY_TRUSTED_HOPS": _int("PROXY_TRUSTED_HOPS", 1 if production else 0),
        # Node staff (case workers, coordinators, budget officers, DPOs, system administrators) must enrol a
        # second factor (two_factor.guarded).
        "TOTP_REQUIRED": _bool("TOTP_REQUIRED", production),
        "PASSWORD_RESET_HOURS": _int("PASSWORD_RESET_HOURS", 2),
        "INVITATION_HOURS": _int("INVITATION_HOURS", 72),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,  # the session lifetime bounds the token
        "BABEL_DEFAULT_LOCALE": "it",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Rome",
        "LANGUAGES": ["it", "en"],
        # hide_parameters: a database error must not carry the values it was given into the logs
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": production},
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "SERVER_BASE_URL": os.environ.get("SERVER_BASE_URL", "http://127.0.0.1:8000"),
        "REFERRAL_STALE_DAYS": _int("REFERRAL_STALE_DAYS", 7),
        # Hours of anti-discrimination training that make a "trained operator" (an information point needs one).
        "TRAINING_REQUIRED_HOURS": _int("TRAINING_REQUIRED_HOURS", 32),
        "APPLICATION_RATE_LIMIT": os.environ.get("APPLICATION_RATE_LIMIT", "5 per hour"),  # public applications
        "FEEDBACK_RATE_LIMIT": os.environ.get("FEEDBACK_RATE_LIMIT", "20 per hour"),  # the footer's form, open to anyone
        # How long the author of a case-diary entry may still correct it (earlier wordings are kept).
        "CASE_DIARY_EDIT_MINUTES": _int("CASE_DIARY_EDIT_MINUTES", 15),
        "ATTACHMENT_MAX_BYTES": attachment_max,
        "ATTACHMENT_DIR": os.environ.get("ATTACHMENT_DIR", str(INSTANCE_DIR / "attachments")),
        # A font for Chinese, Japanese and Korean in the PDFs (core/pdf.py), from the system: too big to vendor.
        # Debian's fonts-wqy-microhei; without the file such names print blank, as before.
        "PDF_CJK_FONT": os.environ.get("PDF_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
        # Where uploaded files' bytes live (portal/core/storage.py): "database" (in the row's table: every
        # worker and host sees them, transactional, in every backup; production) or "local" (ATTACHMENT_DIR,
        # one host only: the embedded default).
        "FILE_STORAGE": os.environ.get("RETE_FILE_STORAGE", "database" if production else "local").strip().lower(),
        # Once `flask rete rotate-keys` has sealed every file stored before files were sealed, a file without the
        # seal can only have been put there by someone writing the database or the folder: refuse it (a 404).
        "SEALED_FILES_ONLY": _bool("RETE_SEALED_FILES_ONLY", False),
        # Prepared exports (portal/exports) can be downloaded this long, then go.
        "EXPORT_KEEP_HOURS": _int("EXPORT_KEEP_HOURS", 24),
        # An import batch never imported (uploaded, checked, or with nothing created) goes after this many days
        # untouched (expire-imports): its encrypted rows are people's data nobody is using.
        "IMPORT_UNFINISHED_KEEP_DAYS": _int("IMPORT_UNFINISHED_KEEP_DAYS", 7),
        "RETENTION_YEARS": _int("RETENTION_YEARS", 5),
        # An antenna's draft nobody worked on for this many months is anonymised (apply-retention): the node never had it.
        "DRAFT_RETENTION_MONTHS": _int("DRAFT_RETENTION_MONTHS", 6),
        # Public reports closed, converted or with a question unanswered this many days are erased (erase-public-reports).
        "PUBLIC_REPORT_RETENTION_DAYS": _int("PUBLIC_REPORT_RETENTION_DAYS", 365),
        # A closed quarter is published to its region this many days after it ends (late records settle first),
        # once: its published figures never change (region/releases.py).
        "REGION_RELEASE_DELAY_DAYS": _int("REGION_RELEASE_DELAY_DAYS", 30),
        # More public reports than this reaching one node within the minutes below: a security alert for its DPOs.
        "PUBLIC_REPORT_BURST_THRESHOLD": _int("PUBLIC_REPORT_BURST_THRESHOLD", 20),
        "PUBLIC_REPORT_BURST_MINUTES": _int("PUBLIC_REPORT_BURST_MINUTES", 10),
        # Enough for the most files a form takes at the per-file limit, plus its text: a form the help texts
        # allow never meets a bare 413 (losing what was typed); the form's own check names a file too big.
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", FILES_PER_FORM * attachment_max + 1024 * 1024),
        # Logs: one JSON object a line for the collector in production, readable text in development.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json" if production else "text"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        # `flask rete backup` writes here (pg_dump -Fc; SQLite: an online copy).
        "BACKUP_DIR": os.environ.get("BACKUP_DIR", str(INSTANCE_DIR / "backups")),
        # `flask rete audit-export-heads`: HMAC key of the signed daily export of the audit chain heads (kept
        # away from the database owner) and where the exports go (copy them off the database host).
        "AUDIT_HEADS_KEY": os.environ.get("AUDIT_HEADS_KEY"),
        "AUDIT_HEADS_DIR": os.environ.get("AUDIT_HEADS_DIR", str(INSTANCE_DIR / "audit-heads")),
        # Sign-in with SPID/CIE through an OpenID Connect provider (a SPID/CIE proxy; docs/spid-cie.md).
        # Off while no issuer is set: password sign-in is then the only door.
        "OIDC_ISSUER": os.environ.get("RETE_OIDC_ISSUER", "").strip(),
        "OIDC_CLIENT_ID": os.environ.get("RETE_OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": os.environ.get("RETE_OIDC_CLIENT_SECRET", ""),
        "OIDC_SCOPES": os.environ.get("RETE_OIDC_SCOPES", "openid profile"),
        "OIDC_REDIRECT_URI": os.environ.get("RETE_OIDC_REDIRECT_URI", ""),  # default: this app's callback URL
        "OIDC_FISCAL_CODE_CLAIM": os.environ.get("RETE_OIDC_FISCAL_CODE_CLAIM", "fiscal_number"),
        # Levels of assurance, weakest first; the acr the provider returns is ranked in this list.
        "OIDC_ACR_LEVELS": os.environ.get("RETE_OIDC_ACR_LEVELS", ",".join(
            f"https://www.spid.gov.it/SpidL{n}" for n in (1, 2, 3))),
        "OIDC_REQUEST_ACR": os.environ.get("RETE_OIDC_REQUEST_ACR", "https://www.spid.gov.it/SpidL2"),
        "OIDC_NODE_ROLES_ACR": os.environ.get("RETE_OIDC_NODE_ROLES_ACR", "https://www.spid.gov.it/SpidL2"),
        "OIDC_OTHER_ROLES_ACR": os.environ.get("RETE_OIDC_OTHER_ROLES_ACR", "https://www.spid.gov.it/SpidL1"),
        # From this level on the identity provider's sign-in counts as the second factor (no TOTP asked).
        "OIDC_SECOND_FACTOR_ACR": os.environ.get("RETE_OIDC_SECOND_FACTOR_ACR", "https://www.spid.gov.it/SpidL2"),
    }
    if cfg["FILE_STORAGE"] not in ("local", "database"):
        raise ConfigError("RETE_FILE_STORAGE must be local or database")
    if production:
        check_production(cfg)
    return cfg


def _dev_key_material() -> set[str]:
    """The published development secrets, whatever key id or position they are given."""
    return {DEV_DATA_KEYS, DEV_DATA_KEYS.partition(":")[2], DEV_BLIND_INDEX_KEY, DEV_SECRET_KEY}


def check_production(cfg: dict) -> None:
    problems = []
    published = _dev_key_material()
    if cfg["SECRET_KEY"] in (DEV_SECRET_KEY, "") or len(cfg["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    # An old key kept for decryption is as exposed as the active one: check every entry, by its material.
    data_keys = [item.strip().partition(":")[2].strip() for item in cfg["DATA_KEYS"].split(",")]
    if any(key in published for key in data_keys):
        problems.append("RETE_DATA_KEYS must not contain the development data key")
    if cfg["BLIND_INDEX_KEY"].strip() in published:
        problems.append("RETE_BLIND_INDEX_KEY must be set (development key in use)")
    if cfg["RATELIMIT_STORAGE_URI"].strip().lower().startswith("memory"):
        problems.append("RATELIMIT_STORAGE_URI must be shared by all workers (redis://...), not memory://")
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("DATABASE_URL must point to PostgreSQL in production")
    if cfg["FILE_STORAGE"] != "database":
        problems.append("RETE_FILE_STORAGE must be database in production (files seen by every worker and host)")
    if not cfg["SESSION_COOKIE_SECURE"]:
        problems.append("SESSION_COOKIE_SECURE must be on in production")
    if cfg["OIDC_ISSUER"] and not cfg["OIDC_ISSUER"].startswith("https://"):
        problems.append("RETE_OIDC_ISSUER must be an https:// URL (it vouches for identities)")
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))
