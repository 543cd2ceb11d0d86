import pytest

from bot.config import ConfigError, load_settings


def test_defaults_run_on_sqlite_with_a_threshold_of_five(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_TOKEN", "DATABASE_URL", "ANONYMITY_THRESHOLD", "ADMIN_IDS", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert settings.database_url.startswith("sqlite")
    assert settings.anonymity_threshold == 5
    assert settings.timezone == "Europe/Oslo"
    assert settings.bot_token is None


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ANONYMITY_THRESHOLD", "2"),
        ("ANONYMITY_THRESHOLD", "many"),
        ("TIMEZONE", "Europe/Atlantis"),
        ("ADMIN_IDS", "12,abc"),
        ("BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_API_URL", "localhost:8081"),
    ],
)
def test_a_wrong_value_names_its_variable_in_one_line(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None)
    line = str(raised.value)
    assert variable in line
    assert "\n" not in line
    assert raised.value.code == 2


def test_admin_ids_are_read_from_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "111, 222,333")
    assert load_settings(_env_file=None).admin_ids == {111, 222, 333}


DEFAULT = "111:" + "d" * 30
SECOND = "222:" + "s" * 30
THIRD = "333:" + "t" * 30


def test_more_bot_tokens_add_bots_next_to_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", DEFAULT)
    monkeypatch.setenv("MORE_BOT_TOKENS", f" {SECOND}, {THIRD},")
    settings = load_settings(_env_file=None)
    assert settings.bot_id == 111
    assert settings.bot_tokens == {111: DEFAULT, 222: SECOND, 333: THIRD}
    assert list(settings.bot_tokens) == [111, 222, 333]  # the default bot first


def test_without_more_bot_tokens_there_is_only_the_default_bot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", DEFAULT)
    monkeypatch.delenv("MORE_BOT_TOKENS", raising=False)
    assert load_settings(_env_file=None).bot_tokens == {111: DEFAULT}


@pytest.mark.parametrize(
    ("default", "more", "complaint"),
    [
        (DEFAULT, f"{SECOND},not-a-token", "token 2"),
        (DEFAULT, f"{SECOND},{SECOND}", "bot 222 is given twice"),
        (DEFAULT, DEFAULT, "bot 111 is given twice"),
        (None, SECOND, "needs BOT_TOKEN"),
    ],
)
def test_a_bad_extra_token_stops_start_up_naming_more_bot_tokens(
    monkeypatch: pytest.MonkeyPatch, default: str | None, more: str, complaint: str
) -> None:
    if default is None:
        monkeypatch.delenv("BOT_TOKEN", raising=False)
    else:
        monkeypatch.setenv("BOT_TOKEN", default)
    monkeypatch.setenv("MORE_BOT_TOKENS", more)
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None)
    line = str(raised.value)
    assert line.startswith("configuration error: MORE_BOT_TOKENS:")
    assert complaint in line
    assert "\n" not in line
    assert "s" * 30 not in line and "d" * 30 not in line  # no secret in the log


def test_paid_broadcasts_are_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PAID_BROADCAST", "MESSAGES_PER_SECOND"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=None)
    assert not settings.paid_broadcast and settings.messages_per_second == 25


def test_paid_broadcasts_raise_the_rate_unless_one_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MESSAGES_PER_SECOND", raising=False)
    monkeypatch.setenv("PAID_BROADCAST", "true")
    assert load_settings(_env_file=None).messages_per_second == 900
    monkeypatch.setenv("MESSAGES_PER_SECOND", "300")
    assert load_settings(_env_file=None).messages_per_second == 300


def test_a_paid_rate_above_telegrams_ceiling_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAID_BROADCAST", "true")
    monkeypatch.setenv("MESSAGES_PER_SECOND", "1500")
    with pytest.raises(ConfigError, match="MESSAGES_PER_SECOND"):
        load_settings(_env_file=None)


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """docker compose passes `${MESSAGES_PER_SECOND:-}` as an empty string."""
    monkeypatch.setenv("MESSAGES_PER_SECOND", "")
    monkeypatch.setenv("ADMIN_IDS", "")
    monkeypatch.setenv("PAID_BROADCAST", "true")
    settings = load_settings(_env_file=None)
    assert settings.messages_per_second == 900 and settings.admin_ids == frozenset()
