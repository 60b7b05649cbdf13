"""Global user identities and their memberships (a role in one tenant)."""
import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedField
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models_base import LabelledEnum, Timestamped, Versioned
from ..tenancy.mixins import Shared, UserShared
from ..tenancy.models import PUBLIC_OFFICE_KINDS, Tenant, enum_column


class Role(LabelledEnum):
    ANTENNA_OPERATOR = "antenna_operator", _l("Operatore/operatrice di antenna")
    ANTENNA_ADMIN = "antenna_admin", _l("Amministratore/amministratrice di antenna")
    CASE_WORKER = "case_worker", _l("Case manager del nodo")
    COORDINATOR = "coordinator", _l("Coordinatore/coordinatrice del nodo")
    BUDGET_OFFICER = "budget_officer", _l("Responsabile del budget")
    DATA_PROTECTION_OFFICER = "data_protection_officer", _l("Responsabile protezione dati (RPD)")
    PROVIDER_USER = "provider_user", _l("Operatore/operatrice del soggetto attuatore")
    SYSTEM_ADMIN = "system_admin", _l("Amministratore/amministratrice di sistema")
    # The regional centre's staff: aggregates of its nodes only (portal/region).
    REGIONAL_COORDINATOR = "regional_coordinator", _l("Coordinatore/coordinatrice del centro regionale")
    REGIONAL_ANALYST = "regional_analyst", _l("Analista del centro regionale")
    REGIONAL_DPO = "regional_data_protection_officer", _l("Responsabile protezione dati (RPD) del centro regionale")


ROLE_LABELS = Role.labels()
# A public office (employment centre, education or labour office, equality adviser) works with the antenna's
# roles, but its people are not "di antenna": the label names their office.
OFFICE_ROLE_LABELS = {Role.ANTENNA_OPERATOR: _l("Operatore/operatrice dell'ufficio"),
                      Role.ANTENNA_ADMIN: _l("Amministratore/amministratrice dell'ufficio")}


def role_label(role: Role, tenant: Tenant | None = None) -> str:
    """The role as its organisation's people read it (``ROLE_LABELS``, or the office's words)."""
    if tenant is not None and tenant.kind in PUBLIC_OFFICE_KINDS and role in OFFICE_ROLE_LABELS:
        return OFFICE_ROLE_LABELS[role]
    return ROLE_LABELS[role]


NODE_ROLES = {Role.CASE_WORKER, Role.COORDINATOR, Role.BUDGET_OFFICER, Role.DATA_PROTECTION_OFFICER, Role.SYSTEM_ADMIN}
ANTENNA_ROLES = {Role.ANTENNA_OPERATOR, Role.ANTENNA_ADMIN, Role.DATA_PROTECTION_OFFICER}
PROVIDER_ROLES = {Role.PROVIDER_USER}
REGION_ROLES = {Role.REGIONAL_COORDINATOR, Role.REGIONAL_ANALYST, Role.REGIONAL_DPO}
# Roles sent to enrol a second factor when TOTP_REQUIRED (node staff see special-category data);
# two_factor.guarded adds every node membership that can manage users (the system administrator).
SECOND_FACTOR_ROLES = {Role.CASE_WORKER, Role.COORDINATOR, Role.BUDGET_OFFICER, Role.DATA_PROTECTION_OFFICER}


class User(Shared, UserMixin, Timestamped, db.Model):
    __tablename__ = "users"
    __shared_reason__ = "global identity (e-mail, password hash); tenant data hangs off memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Row key for the encrypted TOTP secret (EncryptedField binds ciphertext to table, field and uid).
    uid: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)  # an index: addable on SQLite
    totp_secret_enc: Mapped[str | None] = mapped_column(String(255))
    totp_secret = EncryptedField("totp_secret_enc")  # set only once the first code was confirmed
    # The codice fiscale an identity provider (SPID/CIE) vouches for links a sign-in to this user; recorded
    # by an administrator, encrypted like people's, found by its blind index (one user per code).
    fiscal_code_enc: Mapped[str | None] = mapped_column(Text)
    fiscal_code = EncryptedField("fiscal_code_enc")
    fiscal_code_bidx: Mapped[str | None] = mapped_column(String(40), unique=True, index=True)  # index: SQLite-droppable
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # last accepted time step: no replay
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locale: Mapped[str | None] = mapped_column(String(5))

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user")

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret_enc is not None

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot log in
        return bool(self.active)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(UserShared, Versioned, Timestamped, db.Model):
    """A user's role in one tenant. Visible to the tenant and to the user themself (to choose at login)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "tenant_id", name="uq_memberships_user_tenant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, name="role"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An existing account added by an administrator: not active until its owner accepts (the invitation's link).
    pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    user: Mapped[User] = relationship(back_populates="memberships")
    tenant: Mapped[Tenant] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Membership {self.user_id}@{self.tenant_id} {self.role}>"


class SessionEnd(enum.StrEnum):
    """Why a login session ended (kept for the audit of the user's own sessions)."""

    LOGOUT = "logout"
    ENDED_BY_USER = "ended_by_user"  # from the "Sessioni attive" list
    PASSWORD = "password"  # changed or reset: every other session goes
    DEACTIVATED = "deactivated"
    SECOND_FACTOR = "second_factor"  # the factor was removed or reset (a lost phone)
    # The codice fiscale SPID/CIE sign-in matches was changed, removed or cleared (identity.py). The column has
    # no check constraint (enum_column, non-native): a new value needs no migration.
    FISCAL_CODE = "fiscal_code"
    IDLE = "idle"
    EXPIRED = "expired"  # SESSION_ABSOLUTE_HOURS after login


class UserSession(Shared, db.Model):
    """A login session, revocable server-side: the signed cookie carries only a random token whose SHA-256
    is looked up here on every request. No IP address is kept (the audit log has it for logins); the device
    is a coarse browser/system summary the user can recognise."""

    __tablename__ = "user_sessions"
    __shared_reason__ = "the user's own login sessions, read by token or by user_id before any tenant is chosen"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str] = mapped_column(String(80), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[SessionEnd | None] = mapped_column(enum_column(SessionEnd, name="session_end"))

    user: Mapped[User] = relationship()


class DeviceLock(Shared, db.Model):
    """The failed attempts of one browser that has signed in to the account before (accounts/devices.py), known
    by the random nonce of its device cookie; a row only once it has failed."""

    __tablename__ = "device_locks"
    __shared_reason__ = "belongs to a user (global identity), counted at sign-in before any tenant is chosen"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RecoveryCode(Shared, db.Model):
    """Single-use second-factor recovery codes (80 random bits each, so a plain salted SHA-256 suffices)."""

    __tablename__ = "recovery_codes"
    __shared_reason__ = "belongs to a user (global identity), checked at the code step before any tenant is chosen"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
