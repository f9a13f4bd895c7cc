"""Settings from AROBASE_* environment variables (and a .env file); read only by factories."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
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

    # Notification hub.
    database_url: str = f"sqlite:///{ROOT / 'var' / 'arobase.db'}"
    # Where residents reach the web app (links in e-mails: confirm, unsubscribe).
    public_url: str = "http://127.0.0.1:8000"
    poll_interval: float = Field(default=900, gt=0)  # seconds between two polls of a feed
    poll_concurrency: int = Field(default=20, gt=0)
    worker_tick: float = Field(default=1.0, gt=0)  # seconds between two looks at the outbox
    worker_lease: float = Field(default=120, gt=0)  # seconds before a claimed delivery is retried
    max_attempts: int = Field(default=8, gt=0)
    retry_base: float = Field(default=30, gt=0)  # first retry delay, seconds (doubles each time)
    retry_cap: float = Field(default=6 * 3600, gt=0)

    telegram_token: SecretStr = SecretStr("")
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_rate: float = Field(default=29.0, gt=0)  # messages per second, all chats
    telegram_chat_rate: float = Field(default=1.0, gt=0)  # messages per second to one chat
    telegram_concurrency: int = Field(default=16, gt=0)
    # The bot front-end: long polling unless a public webhook URL is set.
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr = SecretStr("")
    telegram_webhook_host: str = "127.0.0.1"
    telegram_webhook_port: int = 8081
    telegram_flood_per_minute: int = Field(default=20, gt=0)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    smtp_from: str = "Mairie <alertes@localhost>"
    email_rate: float = Field(default=10, gt=0)

    webpush_private_key: SecretStr = SecretStr("")  # VAPID, from `arobase webpush keys`
    webpush_public_key: str = ""
    webpush_contact: str = "mailto:mairie@localhost"
    webpush_rate: float = Field(default=50, gt=0)
    # Accept push endpoints on this machine or a private network: for tests only.
    webpush_allow_local: bool = False

    apprise_rate: float = Field(default=50, gt=0)
    # Town-wide targets (the town's Mastodon account, a Matrix room…): apprise URLs separated
    # by spaces, each optionally "topic1,topic2=URL" to receive only those topics.
    apprise_broadcast: SecretStr = SecretStr("")

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        # Links are built as f"{public_url}/alertes…": "https://x.fr/" would give "//alertes".
        return value.strip().rstrip("/")


def load_settings() -> Settings:
    """The settings; AROBASE_ENV_FILE names the file read besides the environment (default
    .env in the working folder; /dev/null in tests, so that a developer's file stays out)."""
    return Settings(_env_file=os.environ.get("AROBASE_ENV_FILE", ".env"))  # type: ignore[call-arg]
