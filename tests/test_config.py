"""Configuration exactly as CONTRACT.md: environment, then secrets, then the default."""

import pytest

from cpip_dashboard import config


@pytest.mark.parametrize("environ,secrets,url,is_default", [
    ({"DATABASE_URL": "postgresql+psycopg://u@h:5432/db"},
     {"connections": {"cpip": {"url": "sqlite:///x.db"}}},
     "postgresql+psycopg://u@h:5432/db", False),
    ({}, {"connections": {"cpip": {"url": "sqlite:///x.db"}}}, "sqlite:///x.db", False),
    ({"DATABASE_URL": "  "}, {}, config.DEFAULT_DATABASE_URL, True),
    ({}, {}, config.DEFAULT_DATABASE_URL, True),
])
def test_database_choice(environ, secrets, url, is_default):
    choice = config.database_choice(environ, secrets)
    assert (choice.url, choice.is_default) == (url, is_default)


def test_password_is_hidden_in_labels():
    label = config.database_choice({"DATABASE_URL": "postgresql+psycopg://u:secret@h/db"},
                                   {}).label
    assert "secret" not in label


@pytest.mark.parametrize("raw,expected", [("", 5), ("10", 10), (" 3 ", 3)])
def test_suppress_below(raw, expected):
    assert config.suppress_below({"CPIP_SUPPRESS_BELOW": raw}) == expected


@pytest.mark.parametrize("raw", ["five", "0", "-2"])
def test_bad_threshold_says_so(raw):
    with pytest.raises(ValueError, match="CPIP_SUPPRESS_BELOW"):
        config.suppress_below({"CPIP_SUPPRESS_BELOW": raw})


def test_upload_limit_and_classification_defaults():
    assert config.max_upload_mb({}) == 20
    assert config.max_upload_mb({"CPIP_MAX_UPLOAD_MB": "50"}) == 50
    assert config.classification({}) == "OFFICIAL-SENSITIVE"
    assert config.classification({"CPIP_CLASSIFICATION": "OFFICIAL"}) == "OFFICIAL"
