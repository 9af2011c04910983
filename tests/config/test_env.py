import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    redis_url_next_database,
)


def test_it_fails_loudly_on_a_bad_boolean(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG")


@pytest.mark.parametrize(
    ("raw", "value"), [("1", True), ("yes", True), ("OFF", False), ("", False)]
)
def test_it_reads_booleans(monkeypatch, raw, value):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", default=not value) is value


def test_it_fails_loudly_on_bad_numbers(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_NUM", 1)
    with pytest.raises(ImproperlyConfigured):
        env_float("X_NUM", 1.0)


def test_a_blank_variable_means_unset(monkeypatch):
    monkeypatch.setenv("X_URL", "  ")
    assert env_str("X_URL", "sqlite:///x") == "sqlite:///x"
    with pytest.raises(ImproperlyConfigured, match="required"):
        env_str("X_URL")


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example, b.example,,")
    assert env_list("X_HOSTS") == ["a.example", "b.example"]


@pytest.mark.parametrize(
    ("url", "cache_url"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        ("redis://redis.internal:6379", "redis://redis.internal:6379/1"),
        ("rediss://:secret@cache.example:6380/3?ssl_cert_reqs=none", "rediss://:secret@cache.example:6380/4?ssl_cert_reqs=none"),
    ],
)  # fmt: skip
def test_the_cache_defaults_to_the_database_after_the_brokers(url, cache_url):
    assert redis_url_next_database(url) == cache_url


def test_a_redis_url_whose_database_is_not_a_number_is_refused():
    with pytest.raises(ImproperlyConfigured, match="not a number"):
        redis_url_next_database("redis://127.0.0.1:6379/cache")
