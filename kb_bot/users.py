"""Users, roles and teams, with argon2id password hashes.

Roles: ``cw`` (caseworker: sees own cases), ``sv`` (査察指導員: sees the CWs of the teams they lead),
``admin`` (sees everything, manages users). A team has one SV; a CW belongs to at most one team.
Every change here is written to the audit log by the caller's ``actor``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from kb_bot import audit, errors
from kb_bot.db import Base, UTCDateTime, utcnow


class Role(StrEnum):
    CW = "cw"
    SV = "sv"
    ADMIN = "admin"


ROLE_LABELS = {Role.CW: "ケースワーカー", Role.SV: "査察指導員", Role.ADMIN: "管理者"}


class UserError(errors.UserError, ValueError):
    """A user-management request that cannot be done; the message says what to do instead."""


class PermissionDenied(UserError):
    """The acting user's role or team does not allow this."""


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    sv_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, name="fk_teams_sv_user_id_users")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    sv: Mapped[User | None] = relationship(foreign_keys=[sv_user_id])


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('cw', 'sv', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(10))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    """None: cannot log in with a password (e.g. an account used only through single sign-on)."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team | None] = relationship(foreign_keys=[team_id])

    @property
    def label(self) -> str:
        return self.display_name or self.username


_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
_DUMMY_HASH = _hasher.hash("kb-bot: equalises the time of a login for an unknown username")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください")
    return _hasher.hash(password)


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def require_user(session: Session, username: str) -> User:
    """The active user ``username``, or an error that says how to find the right name."""
    user = get_user(session, username)
    if user is None:
        raise UserError(f"ユーザー {username} は登録されていません（`kb-bot users list` で確認してください）")
    if not user.active:
        raise UserError(f"ユーザー {username} は無効化されています")
    return user


def get_team(session: Session, name: str) -> Team | None:
    return session.scalar(select(Team).where(Team.name == name))


def add_team(session: Session, name: str, sv: User, *, actor: str) -> Team:
    if not name.strip():
        raise UserError("班の名前を指定してください")
    if get_team(session, name) is not None:
        raise UserError(f"班 {name} はすでにあります")
    if sv.role != Role.SV:
        raise UserError(
            f"{sv.username} は査察指導員（sv）ではありません。班の SV には role=sv のユーザーを指定してください"
        )
    team = Team(name=name, sv=sv)
    session.add(team)
    session.flush()
    audit.record(session, actor, "team.add", name, {"sv": sv.username})
    return team


def add_user(
    session: Session,
    username: str,
    role: Role | str,
    *,
    actor: str,
    password: str | None = None,
    display_name: str = "",
    team: Team | None = None,
) -> User:
    username = username.strip()
    if not username or any(c.isspace() for c in username):
        raise UserError("ユーザー名は空白を含まない文字列にしてください")
    try:
        role = Role(role)
    except ValueError:
        raise UserError(f"役割 {role!r} はありません。cw / sv / admin のどれかを指定してください") from None
    if get_user(session, username) is not None:
        raise UserError(f"ユーザー {username} はすでに登録されています")
    user = User(
        username=username,
        display_name=display_name,
        role=role.value,
        team=team,
        password_hash=hash_password(password) if password is not None else None,
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.add", username, {"role": role.value, "team": team.name if team else None})
    return user


def set_password(session: Session, user: User, password: str, *, actor: str) -> None:
    user.password_hash = hash_password(password)
    audit.record(session, actor, "user.set_password", user.username)


def set_team(session: Session, user: User, team: Team | None, *, actor: str) -> None:
    user.team = team
    audit.record(session, actor, "user.set_team", user.username, {"team": team.name if team else None})


def disable_user(session: Session, user: User, *, actor: str) -> None:
    """The user can no longer log in; their records and history stay."""
    user.active = False
    audit.record(session, actor, "user.disable", user.username)


def list_users(session: Session, *, include_inactive: bool = True) -> list[User]:
    query = select(User).order_by(User.username)
    if not include_inactive:
        query = query.where(User.active.is_(True))
    return list(session.scalars(query))


def list_teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.name)))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user whose password matches, else None (same time whether or not the name exists)."""
    user = get_user(session, username)
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or not user.password_hash:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def team_members(session: Session, sv: User) -> list[User]:
    """The users in the teams that ``sv`` leads (the SV themself is not included unless a member)."""
    query = select(User).join(Team, User.team_id == Team.id).where(Team.sv_user_id == sv.id).order_by(User.username)
    return list(session.scalars(query))


def visible_user_ids(session: Session, user: User) -> set[int] | None:
    """Whose records ``user`` may see: a CW their own, an SV their team's and their own, admin all (None)."""
    if user.role == Role.ADMIN:
        return None
    if user.role == Role.SV:
        return {u.id for u in team_members(session, user)} | {user.id}
    return {user.id}


def can_see(session: Session, user: User, owner_id: int) -> bool:
    ids = visible_user_ids(session, user)
    return ids is None or owner_id in ids


def require_role(user: User, *roles: Role) -> None:
    if user.role not in roles:
        names = "・".join(ROLE_LABELS[r] for r in roles)
        raise PermissionDenied(f"この操作は{names}だけができます（{user.username} は {ROLE_LABELS[Role(user.role)]}）")
