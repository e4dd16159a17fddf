"""Who may do what (pure): roles from `[cpip.roles]` in secrets, pages per role.

Roles come from the email lists and from the identity provider's group claim
(`[cpip.roles.groups]`: `claim` names the claim, default "groups"; each other key maps a group
to `secretariat`, `minister_office` or `committee:AREA`). Someone in several lists or groups has
the widest role (secretariat, then minister_office, then committee). Someone mapped to two
committees gets the first in the configuration: `[cpip.roles.committee]` first, then the
groups in the order they are written; the dashboard warns (`Identity.notes`, and the log, once
per person and process). With no `[auth]` configured the app runs in local mode: one local user
with the secretariat role.
"""

from __future__ import annotations

import logging
import threading
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
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    signed_in: bool
    email: str | None
    name: str | None
    role: str | None  # None: signed in but in no list
    area: str | None = None  # a committee's own area (council code or CPC id)
    local_mode: bool = False
    notes: tuple[str, ...] = ()  # what the person should know about their role (two committees)

    @property
    def label(self) -> str:
        return self.name or self.email or LOCAL_USER

    @property
    def user_id(self) -> str:
        """Who this is in the audit trail and for two-person approval: the email address (lower
        case; names are not unique) when there is one, else the label."""
        return self.email.strip().lower() if self.email else self.label

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
    committee: dict[str, str] = {}
    for key, area in dict(roles.get("committee", {}) or {}).items():  # the first mapping wins
        committee.setdefault(str(key).strip().lower(), str(area).strip().upper())
    if wanted in committee:
        return "committee", committee[wanted]
    return None, None


def group_roles(user: Mapping[str, Any], roles: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(role, committee area) for each group of `[cpip.roles.groups]` the visitor is in, in the
    order the configuration lists them; group names compared ignoring case."""
    settings = dict(roles.get("groups", {}) or {})
    claim = str(settings.pop("claim", "groups") or "groups")
    groups = user.get(claim) or []
    if isinstance(groups, str):  # a provider may send a single group as a string
        groups = [groups]
    held = {str(group).strip().lower() for group in groups}
    found: list[tuple[str, str | None]] = []
    for group, target in settings.items():
        if str(group).strip().lower() not in held:
            continue
        parsed = parse_target(target)
        if parsed is not None:
            found.append(parsed)
    return found


def parse_target(target: object) -> tuple[str, str | None] | None:
    """A group's role as configured (`secretariat`, `minister_office`, `committee:AREA`)."""
    role, _, area = str(target).strip().partition(":")
    role = role.strip().lower()
    if role == "committee" and area.strip():
        return role, area.strip().upper()
    if role in ("secretariat", "minister_office") and not area.strip():
        return role, None
    return None


def widest(candidates: list[tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
    """The widest of several (role, area) pairs: secretariat, then minister_office, then
    committee; among equals the first; (None, None) when there is none."""
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
    candidates = [role_for(email, roles), *group_roles(user, roles)]
    role, area = widest(candidates)
    notes: tuple[str, ...] = ()
    committees = list(dict.fromkeys(a for r, a in candidates if r == "committee"))
    if role == "committee" and len(committees) > 1:
        note = (f"You are mapped to {len(committees)} committees ({', '.join(committees)}): "
                f"the dashboard starts on {area}, the first in its configuration. Ask the "
                "secretariat to keep you in one.")
        notes = (note,)
        _warn_once(f"{email or user.get('sub')} is mapped to {len(committees)} committees "
                   f"({', '.join(committees)}) by [cpip.roles]; using {area}, the first in the "
                   "configuration.")
    return Identity(True, email, user.get("name"), role, area, notes=notes)


def settings_warnings(secrets: Mapping[str, Any]) -> list[str]:
    """What is wrong with `[cpip.roles]` as written, in sentences: an address mapped to two
    committees (the same address in two cases), a group mapped to no known role."""
    roles = dict(secrets.get("cpip", {}) or {}).get("roles", {}) or {}
    found: list[str] = []
    areas: dict[str, list[str]] = {}
    for email, area in dict(roles.get("committee", {}) or {}).items():
        areas.setdefault(str(email).strip().lower(), []).append(str(area).strip().upper())
    for email, listed in areas.items():
        if len(set(listed)) > 1:
            found.append(f"{email} is mapped to {len(set(listed))} committees "
                         f"({', '.join(dict.fromkeys(listed))}) in [cpip.roles.committee]; "
                         f"they get {listed[0]}, the first in the configuration.")
    groups = dict(roles.get("groups", {}) or {})
    groups.pop("claim", None)
    for group, target in groups.items():
        if parse_target(target) is None:
            found.append(f"Group {group} in [cpip.roles.groups] is mapped to {target!r}, which is "
                         "not a role (secretariat, minister_office or committee:AREA): its "
                         "members get no role from it.")
    return found


_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_once(text: str) -> None:
    """Log a warning about the configuration once per process (the frame asks on every run)."""
    with _warned_lock:
        if text in _warned:
            return
        _warned.add(text)
    log.warning(text)


def log_settings_warnings(texts: list[str]) -> None:
    for text in texts:
        _warn_once(text)
