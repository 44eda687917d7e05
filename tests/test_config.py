"""Configuration from the environment, and production's refusal of unsafe settings."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from quiz import create_app
from quiz.cli import main
from quiz.config import InsecureConfiguration


@pytest.fixture
def fresh_env(monkeypatch, tmp_path):
    for name in (
        "QUIZ_SECRET_KEY",
        "QUIZ_DATABASE_URL",
        "QUIZ_ENV",
        "QUIZ_RATELIMIT_ENABLED",
        "QUIZ_REDIS_URL",
        "QUIZ_SERVE_HOST",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QUIZ_INSTANCE_PATH", str(tmp_path))
    return tmp_path


def test_secret_key_is_generated_once_into_the_instance_folder(fresh_env):
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (fresh_env / "secret_key").read_text().strip() == first


def test_default_database_is_sqlite_in_the_instance_folder(fresh_env):
    assert create_app().config["DATABASE_URL"] == f"sqlite:///{fresh_env / 'quiz.db'}"


def test_environment_variables_are_read(fresh_env, monkeypatch):
    monkeypatch.setenv("QUIZ_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("QUIZ_DATABASE_URL", "sqlite:///" + str(fresh_env / "other.db"))
    monkeypatch.setenv("QUIZ_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("QUIZ_REDIS_URL", "redis://127.0.0.1:6379/3")
    config = create_app().config
    assert config["SECRET_KEY"] == "k" * 40
    assert config["DATABASE_URL"].endswith("other.db")
    assert config["RATELIMIT_ENABLED"] is False
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_production_refuses_a_weak_secret_key_and_says_why(fresh_env, monkeypatch):
    monkeypatch.setenv("QUIZ_ENV", "production")
    monkeypatch.setenv("QUIZ_SECRET_KEY", "changeme")
    with pytest.raises(InsecureConfiguration, match="QUIZ_SECRET_KEY"):
        create_app()


def test_production_refuses_disabled_rate_limits_on_a_public_address(fresh_env, monkeypatch):
    monkeypatch.setenv("QUIZ_ENV", "production")
    monkeypatch.setenv("QUIZ_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("QUIZ_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("QUIZ_SERVE_HOST", "0.0.0.0")
    with pytest.raises(InsecureConfiguration, match="QUIZ_RATELIMIT_ENABLED"):
        create_app()
    monkeypatch.setenv("QUIZ_SERVE_HOST", "127.0.0.1")
    assert create_app().config["RATELIMIT_ENABLED"] is False  # a load test on loopback


def test_production_accepts_a_sound_configuration(fresh_env, monkeypatch):
    monkeypatch.setenv("QUIZ_ENV", "production")
    monkeypatch.setenv("QUIZ_SECRET_KEY", "s" * 48)
    assert create_app().config["QUIZ_ENV"] == "production"


def test_quiz_serve_refuses_an_insecure_production_start(fresh_env, monkeypatch):
    monkeypatch.setenv("QUIZ_SECRET_KEY", "short")
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code == 1
    assert "refusing to start in production" in result.output
