"""Chat fixtures: the mini corpus indexed under a temporary home, a migrated database (SQLite and
PostgreSQL through ``db_url``), a small office (two teams), the chat service on top, and the service in
LLM mode against a local stand-in for the model server."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from kb_bot import users
from kb_bot.db import session_scope
from kb_bot.settings import Settings
from tests.chat.fake_llm import FakeLLM


@pytest.fixture
def indexed(settings: Settings, mini_corpus) -> Settings:
    from ingest.pipeline import ingest

    ingest(mini_corpus, settings, progress=False)
    return settings


@pytest.fixture
def chat_env(indexed: Settings, db_url: str, engine) -> Settings:
    """Settings whose index holds the mini corpus and whose database is the migrated test database."""
    return dataclasses.replace(indexed, database_url=db_url)


@dataclass
class People:
    admin: int
    sv1: int
    sv2: int
    cw1: int
    cw2: int
    cw3: int


@pytest.fixture
def people(engine) -> People:
    """admin; 第1班 = sv1 with cw1, cw2; 第2班 = sv2 with cw3."""
    with session_scope(engine) as s:
        admin = users.add_user(s, "admin", "admin", actor="setup", password="admin-password-1")
        sv1 = users.add_user(s, "sv1", "sv", actor="setup", password="sv1-password-1", display_name="佐藤SV")
        sv2 = users.add_user(s, "sv2", "sv", actor="setup", password="sv2-password-1")
        a = users.add_team(s, "第1班", sv1, actor="setup")
        b = users.add_team(s, "第2班", sv2, actor="setup")
        cw1 = users.add_user(s, "cw1", "cw", actor="setup", password="cw1-password-1", team=a, display_name="鈴木CW")
        cw2 = users.add_user(s, "cw2", "cw", actor="setup", password="cw2-password-1", team=a)
        cw3 = users.add_user(s, "cw3", "cw", actor="setup", password="cw3-password-1", team=b)
        return People(admin.id, sv1.id, sv2.id, cw1.id, cw2.id, cw3.id)


@pytest.fixture
def service(chat_env: Settings, engine, people):
    from kb_bot.chat.service import ChatService

    return ChatService(chat_env, engine)


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    yield fake
    fake.close()


@pytest.fixture
def llm_service(chat_env, engine, people, fake_llm, monkeypatch):  # returns a ChatService
    from kb_bot.chat.service import ChatService

    monkeypatch.setenv("KB_BOT_CHAT_MODE", "llm")
    monkeypatch.setenv("KB_BOT_CHAT_LLM_BASE_URL", fake_llm.url)
    monkeypatch.setenv("KB_BOT_CHAT_LLM_MODEL", "fake-model")
    monkeypatch.setenv("KB_BOT_CHAT_LLM_API_KEY", "test-key")
    monkeypatch.setenv("KB_BOT_CHAT_LLM_TIMEOUT_S", "5")
    return ChatService(chat_env, engine)
