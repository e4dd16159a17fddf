"""The upload check nginx asks before an upload (deploy/upload_check.py): 204 only for
Streamlit's sign-in cookie signed with this installation's secret, a sign-in under 8 hours old
and the secretariat role (the cluster test sends real requests through nginx)."""

from __future__ import annotations

import json
import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from deploy.upload_check import decide

SECRET = "the-installation-cookie-secret-0123456789abcdef"
SECRETS = {"auth": {"cookie_secret": SECRET},
           "cpip": {"roles": {"secretariat": ["sec@gov.scot"],
                              "minister_office": ["po@gov.scot"]}}}
NOW = 1_800_000_000.0


def cookie(claims: dict, secret: str = SECRET) -> str:
    """Streamlit's sign-in cookie for a person signed in at a provider (issuer and subject,
    a verified email: auth.identify's rules), with `claims` over those."""
    claims = {"iss": "https://login.example", "sub": claims.get("email") or "someone",
              "email_verified": True, **claims}
    signed = URLSafeTimedSerializer(secret, salt="_streamlit_user").dumps(json.dumps(claims))
    return f"cpip_route=abc; _streamlit_user={signed}"


@pytest.mark.parametrize("header,status", [
    (None, 401),
    ("cpip_route=abc", 401),
    ("_streamlit_user=not-signed", 401),
    (cookie({"email": "sec@gov.scot", "iat": NOW - 60}, secret="another-secret-" + "x" * 30), 401),
    (cookie({"email": "sec@gov.scot", "iat": NOW - 60}), 204),
    (cookie({"email": "sec@gov.scot", "iat": NOW - 8 * 3600 - 1}), 401),  # past 8 hours
    (cookie({"email": "sec@gov.scot"}), 401),  # no sign-in time
    (cookie({"email": "sec@gov.scot", "iat": NOW + 3600}), 401),  # from the future
    (cookie({"email": "po@gov.scot", "iat": NOW - 60}), 403),  # a read-only role
    (cookie({"email": "stranger@example.org", "iat": NOW - 60}), 403),
])
def test_only_a_recent_secretariat_sign_in_passes(header, status):
    assert decide(SECRETS, header, now=NOW)[0] == status


def test_without_sign_in_configured_nothing_passes():
    assert decide({}, cookie({"email": "sec@gov.scot", "iat": time.time()}))[0] == 403
