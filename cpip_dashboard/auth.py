"""Who may do what (pure): who a visitor is, roles from `[cpip.roles]` in secrets, pages per role.

A person is their provider's issuer and subject (the `iss` and `sub` claims of the ID token that
Streamlit keeps in its sign-in cookie): `Identity.user_id` is `"<iss>|<sub>"`, recorded with
every upload, approval, rejection, rollback and audit event, and compared for two-person
approval; the name and email are kept beside it for display only. The email lists apply to an
email the token marks verified (`email_verified`), or to any email from an issuer listed in
`[cpip.roles] trusted_issuers` (providers such as Entra ID that verify emails but send no such
claim); emails are compared after NFKC normalisation, trimming and case-folding
(`normalise_email`). A sign-in older than `SIGN_IN_HOURS` by its `iat` has ended
(`Identity.ended` says so): Streamlit's own cookie lasts 30 days and cannot be shortened, so the
frame checks on every run.

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

import datetime as dt
import logging
import re
import threading
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from cpip_dashboard import config

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
SIGN_IN_HOURS = 8  # a sign-in older than this (by the token's `iat`) must be made again
CLOCK_SKEW = dt.timedelta(minutes=5)  # an `iat` this far ahead of our clock is still accepted
ENDED = (f"Your sign-in has ended: a sign-in lasts {SIGN_IN_HOURS} hours. Sign in again to "
         "carry on.")
NO_IDENTITY = ("Your sign-in did not say who you are (the provider sent no issuer, subject or "
               "time of sign-in). Sign in again; if this persists, tell whoever runs the "
               "dashboard.")
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
    issuer: str | None = None  # the token's `iss`
    subject: str | None = None  # the token's `sub`
    ended: str | None = None  # why a sign-in that was made no longer counts (too old)
    email_trusted: bool = False  # the lists apply to the email (verified, or a trusted issuer)

    @property
    def label(self) -> str:
        return self.name or self.email or self.subject or LOCAL_USER

    @property
    def user_id(self) -> str:
        """Who this is in the audit trail and for two-person approval: `"<iss>|<sub>"`, which
        stays the same when the provider changes the person's name or email (local mode: the
        local user)."""
        if self.issuer and self.subject:
            return f"{self.issuer}|{self.subject}"
        return LOCAL_USER if self.local_mode else self.label

    @property
    def display(self) -> str:
        """Who this is, for people reading the record: the name and the email."""
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.label

    def may_use(self, page: str) -> bool:
        return self.role is not None and self.role in PAGE_ROLES.get(page, ())


class Who(str):
    """Who did something, as recorded: the text is the name for display (a signed-in person's
    name and email, or the command line's `--user`); `.id` is the identity compared for
    two-person approval (a signed-in person's `"<iss>|<sub>"`, or the `--user` name again).
    A `str`, so code that records a name (the pack's "Prepared by") takes it unchanged."""

    id: str
    aliases: frozenset[str]  # normalised names a record made before identities may carry

    def __new__(cls, name: str, id: str, aliases: frozenset[str] = frozenset()) -> Self:
        made = super().__new__(cls, name[:200])
        made.id = id
        made.aliases = aliases
        return made


def who(actor: Identity | str) -> Who:
    """The record of `actor`: a signed-in person by issuer and subject, with name and email for
    display; a plain name (command line, sample loader) as itself."""
    if isinstance(actor, Who):
        return actor
    if isinstance(actor, Identity):
        aliases = frozenset({normalise_email(actor.email)} if actor.email else ())
        return Who(actor.display, actor.user_id, aliases)
    name = str(actor).strip()
    return Who(name, name, frozenset({normalise_email(name)} if name else ()))


def auth_configured(secrets: Mapping[str, Any]) -> bool:
    return bool(secrets.get("auth"))


def normalise_email(text: object) -> str:
    """An email address as compared everywhere: Unicode NFKC (a full-width letter is the
    letter), surrounding spaces trimmed, case-folded."""
    return unicodedata.normalize("NFKC", "" if text is None else str(text)).strip().casefold()


def _true(value: object) -> bool:
    """A boolean claim: true, or the text "true" (some providers send strings)."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def trusted_email(user: Mapping[str, Any], roles: Mapping[str, Any]) -> str | None:
    """The email the lists may be applied to: one the token marks verified, or any from an
    issuer in `trusted_issuers`; else None."""
    email = user.get("email")
    if not isinstance(email, str) or not email.strip():
        return None
    trusted = {str(i).strip().rstrip("/") for i in roles.get("trusted_issuers", []) or []}
    issuer = str(user.get("iss") or "").strip().rstrip("/")
    if _true(user.get("email_verified")) or (issuer and issuer in trusted):
        return email
    return None


def role_for(email: str | None, roles: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(role, committee area) for an email; (None, None) when it is in no list."""
    if not email:
        return None, None
    wanted = normalise_email(email)
    lower = lambda items: {normalise_email(i) for i in items}
    if wanted in lower(roles.get("secretariat", []) or []):
        return "secretariat", None
    if wanted in lower(roles.get("minister_office", []) or []):
        return "minister_office", None
    committee: dict[str, str] = {}
    for key, area in dict(roles.get("committee", {}) or {}).items():  # the first mapping wins
        committee.setdefault(normalise_email(key), str(area).strip().upper())
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


def signed_in_at(user: Mapping[str, Any]) -> dt.datetime | None:
    """When the person signed in: the token's `iat` (seconds since 1970), in UTC; None when
    absent or not a number."""
    value = user.get("iat")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return dt.datetime.fromtimestamp(float(value), dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None


def sign_in_problem(user: Mapping[str, Any], now: dt.datetime | None = None) -> str | None:
    """Why this sign-in does not count (a sentence), else None: no issuer, subject or time of
    sign-in, or a sign-in older than `SIGN_IN_HOURS` (or dated in the future)."""
    now = now or dt.datetime.now(dt.UTC)
    issued = signed_in_at(user)
    if not str(user.get("iss") or "").strip() or not str(user.get("sub") or "").strip() \
            or issued is None:
        return NO_IDENTITY
    if issued > now + CLOCK_SKEW or now - issued > dt.timedelta(hours=SIGN_IN_HOURS):
        return ENDED
    return None


def identify(secrets: Mapping[str, Any], user: Mapping[str, Any],
             now: dt.datetime | None = None) -> Identity:
    """The visitor, from the secrets (read on every run) and `st.user` (as a mapping)."""
    if not auth_configured(secrets):
        return Identity(True, None, None, "secretariat", local_mode=True)
    if not user.get("is_logged_in"):
        return Identity(False, None, None, None)
    raw_email = user.get("email")
    shown_email = raw_email.strip() if isinstance(raw_email, str) and raw_email.strip() else None
    name = user.get("name") if isinstance(user.get("name"), str) else None
    problem = sign_in_problem(user, now)
    if problem:
        return Identity(False, shown_email, name, None, ended=problem)
    roles = dict(secrets.get("cpip", {}) or {}).get("roles", {}) or {}
    email = trusted_email(user, roles)
    candidates = [role_for(email, roles), *group_roles(user, roles)]
    role, area = widest(candidates)
    notes: tuple[str, ...] = ()
    committees = list(dict.fromkeys(a for r, a in candidates if r == "committee"))
    if role == "committee" and len(committees) > 1:
        note = (f"You are mapped to {len(committees)} committees ({', '.join(committees)}): "
                f"the dashboard starts on {area}, the first in its configuration. Ask the "
                "secretariat to keep you in one.")
        notes = (note,)
        _warn_once(f"{shown_email or user.get('sub')} is mapped to {len(committees)} committees "
                   f"({', '.join(committees)}) by [cpip.roles]; using {area}, the first in the "
                   "configuration.")
    return Identity(True, shown_email, name, role, area, notes=notes,
                    issuer=str(user["iss"]).strip(), subject=str(user["sub"]).strip(),
                    email_trusted=email is not None)


def settings_warnings(secrets: Mapping[str, Any]) -> list[str]:
    """What is wrong with `[cpip.roles]` as written, in sentences: an address mapped to two
    committees (the same address in two cases), a group mapped to no known role."""
    roles = dict(secrets.get("cpip", {}) or {}).get("roles", {}) or {}
    found: list[str] = []
    areas: dict[str, list[str]] = {}
    for email, area in dict(roles.get("committee", {}) or {}).items():
        areas.setdefault(normalise_email(email), []).append(str(area).strip().upper())
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


# --- the sign-in cookie's secret ---------------------------------------------------------------

COOKIE_SECRET_MIN = 32
# Words that mark a value as one to be replaced, not a secret (the example file's included);
# six letters or more, so a random string does not contain one by chance.
PLACEHOLDER_WORDS = ("replace", "change", "example", "placeholder", "secret", "password",
                     "random", "insert", "default", "cookie")


def example_cookie_secret() -> str | None:
    """The `cookie_secret` written in `.streamlit/secrets.example.toml`."""
    try:
        with (config.PROJECT_ROOT / ".streamlit" / "secrets.example.toml").open("rb") as handle:
            return str(tomllib.load(handle).get("auth", {}).get("cookie_secret") or "") or None
    except (OSError, tomllib.TOMLDecodeError):
        return None


def cookie_secret_problem(secrets: Mapping[str, Any]) -> str | None:
    """Why `[auth] cookie_secret` must not be used (a sentence), else None: anyone who knows it
    can sign a cookie for any identity, so a placeholder (the example file's value, or an
    obvious one) or a short value (< 32 characters) stops the dashboard. None in local mode."""
    if not auth_configured(secrets):
        return None
    value = str(dict(secrets.get("auth", {}) or {}).get("cookie_secret") or "").strip()
    fix = ("Set it to a long random string (for example the output of `openssl rand -hex 32`) "
           "in .streamlit/secrets.toml and restart the dashboard.")
    if not value:
        return f"The sign-in cookie secret ([auth] cookie_secret) is not set. {fix}"
    lowered = value.lower()
    if value == example_cookie_secret() or any(w in lowered for w in PLACEHOLDER_WORDS) \
            or len(set(lowered)) < 8:
        return ("The sign-in cookie secret ([auth] cookie_secret) is a placeholder, so anyone "
                f"could sign in as anyone. {fix}")
    if len(value) < COOKIE_SECRET_MIN:
        return (f"The sign-in cookie secret ([auth] cookie_secret) is {len(value)} characters "
                f"long; it must be at least {COOKIE_SECRET_MIN}. {fix}")
    return None


def recorded_names(recorded: str | None) -> set[str]:
    """A recorded name, normalised, and the email of a "Name <email>" record."""
    found = {normalise_email(recorded)} if recorded else set()
    email = re.search(r"<([^<>]+)>\s*$", recorded or "")
    if email:
        found.add(normalise_email(email.group(1)))
    return found - {""}


def same_record(id_a: str | None, name_a: str | None, id_b: str | None,
                name_b: str | None) -> bool:
    """Whether two stored records (an uploader and a rejecter) are the same person: by identity
    when both have one, else by name or email (rows from before identities were kept)."""
    if id_a and id_b:
        return id_a == id_b or (id_a == name_a and id_b == name_b
                                and normalise_email(id_a) == normalise_email(id_b))
    return bool(recorded_names(name_a) & recorded_names(name_b))
