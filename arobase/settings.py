"""Settings from AROBASE_* environment variables (and a .env file); read only by factories."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AROBASE_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    town_file: Path = ROOT / "town" / "trilport.yml"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: SecretStr = SecretStr("")
    rasa_timeout: float = Field(default=10.0, gt=0)
    actions_port: int = 5055
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    log_level: str = "INFO"
    # Freezes the assistant's clock (ISO date-time, town zone when no offset): tests, demos.
    now: datetime | None = None


def load_settings() -> Settings:
    return Settings()
