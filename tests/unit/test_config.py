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
