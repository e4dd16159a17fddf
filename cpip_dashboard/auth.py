"""Who may do what (pure): roles from `[cpip.roles]` in secrets, pages per role.

Roles come from the email lists and from the identity provider's group claim
(`[cpip.roles.groups]`: `claim` names the claim, default "groups"; each other key maps a group
to `secretariat`, `minister_office` or `committee:AREA`). Someone in several lists or groups has
the widest role (secretariat, then minister_office, then committee). With no `[auth]` configured the app runs in local mode: one local user with the
secretariat role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ROLES = ("secretariat", "minister_office", "committee")
ROLE_LABELS = {"secretariat": "Secretariat", "minister_office": "Minister's office",
               "committee": "Child protection committee"}
# Page slug -> roles that may use it. Checked on the server by every page, not only the menu.
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "briefing": ROLES,
    "actions": ROLES,
    "indicators": ROLES,
    "area": ROLES,
    "review": ROLES,
    "upload": ("secretariat",),
    "about": ROLES,
}
LOCAL_USER = "local user"


@dataclass(frozen=True)
class Identity:
    signed_in: bool
    email: str | None
    name: str | None
    role: str | None  # None: signed in but in no list
    area: str | None = None  # a committee's own area (council code or CPC id)
    local_mode: bool = False

    @property
    def label(self) -> str:
        return self.name or self.email or LOCAL_USER

    def may_use(self, page: str) -> bool:
        return self.role is not None and self.role in PAGE_ROLES.get(page, ())


def auth_configured(secrets: Mapping[str, Any]) -> bool:
    return bool(secrets.get("auth"))


def role_for(email: str | None, roles: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(role, committee area) for an email; (None, None) when it is in no list."""
    if not email:
        return None, None
    wanted = email.strip().lower()
    lower = lambda items: {str(i).strip().lower() for i in items}
    if wanted in lower(roles.get("secretariat", []) or []):
        return "secretariat", None
    if wanted in lower(roles.get("minister_office", []) or []):
        return "minister_office", None
    committee = {str(k).strip().lower(): str(v).strip().upper()
                 for k, v in dict(roles.get("committee", {}) or {}).items()}
    if wanted in committee:
        return "committee", committee[wanted]
    return None, None


def group_roles(user: Mapping[str, Any], roles: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(role, committee area) for each of the visitor's groups that `[cpip.roles.groups]`
    maps to a role; group names compared ignoring case."""
    settings = dict(roles.get("groups", {}) or {})
    claim = str(settings.pop("claim", "groups") or "groups")
    mapping = {str(k).strip().lower(): str(v).strip() for k, v in settings.items()}
    groups = user.get(claim) or []
    if isinstance(groups, str):  # a provider may send a single group as a string
        groups = [groups]
    found: list[tuple[str, str | None]] = []
    for group in groups:
        target = mapping.get(str(group).strip().lower())
        if target is None:
            continue
        role, _, area = target.partition(":")
        role = role.strip().lower()
        if role == "committee" and area.strip():
            found.append((role, area.strip().upper()))
        elif role in ("secretariat", "minister_office"):
            found.append((role, None))
    return found


def widest(candidates: list[tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
    """The widest of several (role, area) pairs: secretariat, then minister_office, then
    committee; (None, None) when there is none."""
    held = [c for c in candidates if c[0] in ROLES]
    return min(held, key=lambda c: ROLES.index(c[0])) if held else (None, None)


def identify(secrets: Mapping[str, Any], user: Mapping[str, Any]) -> Identity:
    """The visitor, from the secrets and `st.user` (as a mapping)."""
    if not auth_configured(secrets):
        return Identity(True, None, None, "secretariat", local_mode=True)
    if not user.get("is_logged_in"):
        return Identity(False, None, None, None)
    email = user.get("email")
    roles = dict(secrets.get("cpip", {}) or {}).get("roles", {}) or {}
    role, area = widest([role_for(email, roles), *group_roles(user, roles)])
    return Identity(True, email, user.get("name"), role, area)
