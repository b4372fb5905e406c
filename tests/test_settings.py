"""Settings come from the environment and .env; the key never shows."""

from coach.settings import Settings


def test_defaults_are_offline(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for var in ("COACH_ENGINE", "OPENAI_API_KEY", "COACH_API_KEY", "OPENAI_BASE_URL", "COACH_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    s = Settings()
    assert s.engine == "offline" and not s.llm_configured
    assert "offline" in s.describe_engine()


def test_environment_variables(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COACH_ENGINE", "llm")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("COACH_READ_TIMEOUT", "12.5")
    monkeypatch.setenv("CHROMA_HOST", "chroma.internal")
    s = Settings()
    assert (s.engine, s.base_url, s.read_timeout, s.chroma_host) == ("llm", "http://127.0.0.1:11434/v1", 12.5,
                                                                     "chroma.internal")


def test_dotenv_file(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COACH_MODEL", raising=False)
    (tmp_path / ".env").write_text("COACH_MODEL=llama3.2\nCOACH_TOP_K=5\n", encoding="utf-8")
    s = Settings()
    assert s.model == "llama3.2" and s.top_k == 5


def test_key_is_never_shown(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-123456")
    monkeypatch.setenv("COACH_ENGINE", "llm")
    s = Settings()
    assert s.llm_configured
    for text in (str(s), repr(s), s.model_dump_json(), s.describe_engine()):
        assert "sk-secret-123456" not in text
