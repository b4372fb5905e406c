"""Every setting of Outcome Coach, in one place.

Each field reads the environment variable of the same name in upper case with the
`COACH_` prefix (e.g. `COACH_ENGINE`), or a `.env` file in the working directory.
`OPENAI_API_KEY`, `OPENAI_BASE_URL` and `CHROMA_HOST` are also read under their
usual names. The key is a SecretStr: it is never printed, logged or rendered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from coach import resources

#: The longest statement or answer the coach accepts, in characters.
MAX_INPUT_CHARS = 2000


class Settings(BaseSettings):
    """Settings for the engine, the LLM provider, the knowledge index and storage."""

    model_config = SettingsConfigDict(
        env_prefix="COACH_", env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    engine: Literal["offline", "llm"] = Field(
        default="offline", description="Which engine coaches: 'offline' (default, no network) or 'llm'."
    )
    model: str = Field(default="gpt-4o-mini", description="Model name sent to the provider.")
    base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("COACH_BASE_URL", "OPENAI_BASE_URL"),
        description="OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1 for Ollama.",
    )
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("COACH_API_KEY", "OPENAI_API_KEY"),
        description="Provider key; local servers accept any non-empty value.",
    )
    structured_output: Literal["json_schema", "function_calling", "json_mode"] = Field(
        default="json_schema",
        description="How structured replies are requested; local servers often need json_mode.",
    )
    temperature: float = Field(default=0.2, ge=0.0, le=2.0)
    connect_timeout: float = Field(default=5.0, gt=0, description="Seconds to connect to the provider.")
    read_timeout: float = Field(default=30.0, gt=0, description="Seconds to wait for a reply.")
    max_retries: int = Field(default=1, ge=0, le=3, description="Retries before falling back offline.")
    data_dir: Path = Field(default=Path("data"), description="Index, sessions and ingested documents.")
    knowledge_dir: Path = Field(
        default_factory=resources.knowledge_dir, description="The corpus of notes (default: the shipped one)."
    )
    chroma_host: str | None = Field(
        default=None,
        validation_alias=AliasChoices("COACH_CHROMA_HOST", "CHROMA_HOST"),
        description="Use a Chroma server at this host instead of the local store.",
    )
    chroma_port: int = Field(default=8000, validation_alias=AliasChoices("COACH_CHROMA_PORT", "CHROMA_PORT"))
    database_url: str | None = Field(
        default=None,
        description="The shared store: e.g. postgresql://user:pw@host:5432/coach; unset means SQLite in "
                    "data_dir.",
    )
    facilitators: str = Field(
        default="",
        description="Comma-separated user ids (names or sign-in e-mails) allowed to open rooms; empty: "
                    "anyone.",
    )
    top_k: int = Field(default=3, ge=1, le=20, description="Passages retrieved per question.")

    @property
    def llm_configured(self) -> bool:
        """True when the LLM engine has what it needs to try a provider."""
        return bool(self.api_key and self.api_key.get_secret_value().strip()) or bool(self.base_url)

    def describe_engine(self) -> str:
        """One line for humans saying which engine runs and why; never shows the key."""
        if self.engine == "offline":
            return "offline engine (the default; no network, no key)"
        if not self.llm_configured:
            return "offline engine: COACH_ENGINE=llm but no OPENAI_API_KEY or COACH_BASE_URL is set"
        where = self.base_url or "OpenAI"
        return f"LLM engine: {self.model} at {where} (falls back to offline on any failure)"


class SettingsError(ValueError):
    """A setting from the environment or .env does not validate; the message is one line."""


def settings_error(err: ValidationError) -> SettingsError:
    """One line naming each bad variable (as COACH_NAME) and what is wrong with it; never echoes a key."""
    parts = []
    for e in err.errors():
        name = str(e["loc"][0]).upper() if e["loc"] else "?"
        parts.append(f"{name if name.startswith(('COACH_', 'OPENAI_', 'CHROMA_')) else 'COACH_' + name}: "
                     f"{e['msg']}")
    return SettingsError("bad setting: " + "; ".join(parts))


def get_settings(**overrides: Any) -> Settings:
    """Fresh settings from the environment and .env, with explicit overrides on top.

    Raises SettingsError (one line) when a variable does not validate.
    """
    try:
        return Settings(**overrides)
    except ValidationError as err:
        raise settings_error(err) from None
