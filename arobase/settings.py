"""Settings from AROBASE_* environment variables (and a .env file); read only by factories."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
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
    # Freezes the assistant's clock, and the web app's for the alerts' links (ISO date-time,
    # town zone when no offset): tests, demos.
    now: datetime | None = None

    # Shared secret that Rasa sends to the action server (which refuses any other caller).
    # `make run` and the tests make one per run when none is set.
    actions_token: SecretStr = SecretStr("")

    # Data folder (owner-only): the SQLite file, generated secrets (Web Push keys).
    data_dir: Path = ROOT / "var"

    # Public endpoints. Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are
    # believed (IP addresses or networks, space-separated); any other client is its own
    # address.
    trusted_proxies: str = ""
    # Per-client limits ("N/second|minute|hour"): chat messages per IP address and per
    # conversation; Web Push subscription changes per IP address; staff console log-in and
    # password forms per IP address.
    chat_rate_ip: str = "60/minute"
    chat_rate_session: str = "20/minute"
    alerts_rate: str = "10/minute"
    # The town's own sites that may show the chat widget (/widget.js), as origins separated
    # by commas: "https://www.trilport.fr,https://trilport.fr". Empty: the widget is refused
    # everywhere but on this app's own pages.
    widget_origins: str = ""
    # E-mail sign-ups on /alertes/email per address, whoever asks: a stranger cannot fill a
    # mailbox with confirmation requests (past it, the same answer and no e-mail).
    alerts_address_rate: str = "5/day"
    console_login_rate: str = "10/minute"
    # Strict-Transport-Security max-age sent on responses served over https (0: never).
    hsts_seconds: int = Field(default=31_536_000, ge=0)
    # Rasa keeps a conversation in memory this many seconds after its last message, and at
    # most this many conversations (the least recently active go first). Read by the Rasa
    # engine's tracker store too (rasa_addons/), from the same environment variables.
    conversation_idle: float = Field(default=1800, gt=0)
    conversation_max: int = Field(default=5000, gt=0)

    # Notification hub.
    # Empty: the SQLite file arobase.db in the data folder.
    database_url: str = ""
    # Where residents reach the web app (links in e-mails: confirm, unsubscribe).
    public_url: str = "http://127.0.0.1:8000"
    poll_interval: float = Field(default=900, gt=0)  # seconds between two polls of a feed
    poll_concurrency: int = Field(default=20, gt=0)
    worker_tick: float = Field(default=1.0, gt=0)  # seconds between two looks at the outbox
    worker_lease: float = Field(default=120, gt=0)  # seconds before a claimed delivery is retried
    max_attempts: int = Field(default=8, gt=0)
    retry_base: float = Field(default=30, gt=0)  # first retry delay, seconds (doubles each time)
    retry_cap: float = Field(default=6 * 3600, gt=0)
    # A delivery may be postponed (429 or 5xx with Retry-After, a destination that stopped
    # answering) at most this many times; then it fails visibly instead of looping.
    max_throttled: int = Field(default=50, gt=0)
    # Sends in flight to one destination (a push service's or a webhook's host) at once, per
    # worker: endpoints that hang cannot hold a whole channel.
    destination_concurrency: int = Field(default=4, gt=0)
    # Feeds: new items taken from one reading (the newest), seconds allowed to parse one, and
    # whether feed addresses on this machine or a private network are allowed (tests, an
    # intranet; keep false on a server).
    feed_max_items: int = Field(default=50, gt=0)
    feed_parse_timeout: float = Field(default=20, gt=0)
    feeds_allow_local: bool = False

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
    # auto: STARTTLS whenever the server offers it (a password is never sent in clear);
    # required: refuse a server without it; off: never (then no password may be set).
    smtp_starttls: Literal["auto", "required", "off"] = "auto"
    # The relay's certificate is always verified: against the system's authorities, or only
    # those in this PEM file (a town's internal relay with its own authority).
    smtp_ca_file: Path | None = None
    smtp_from: str = "Mairie <alertes@localhost>"
    email_rate: float = Field(default=10, gt=0)

    webpush_private_key: SecretStr = SecretStr("")  # VAPID, from `arobase webpush keys`
    webpush_public_key: str = ""
    webpush_contact: str = "mailto:mairie@localhost"
    webpush_rate: float = Field(default=50, gt=0)
    # Accept push endpoints on this machine or a private network: for tests only.
    webpush_allow_local: bool = False
    # Push services accepted besides the known ones (FCM, Mozilla, Windows, Apple): host
    # names, space-separated; ".example.net" accepts its subdomains.
    webpush_services: str = ""
    webpush_timeout: float = Field(default=10, gt=0)  # seconds for one send

    # Personal data kept no longer than this (stated on the privacy page): an e-mail
    # subscription never confirmed (its link expires), a subscriber a channel refused.
    confirm_days: int = Field(default=7, gt=0)
    deactivated_days: int = Field(default=30, gt=0)
    # Questions residents asked the assistant, kept masked and without who asked for staff to
    # review (not understood, unsure, out of scope, or voted 👎): erased after this many
    # days. One answered with no 👎 goes after a day, when its vote is no longer taken.
    question_retention_days: int = Field(default=90, gt=0)
    # A conversation handed over to a town agent (its question, last turns and messages) is
    # erased this many days after the agent closed it.
    handoff_retention_days: int = Field(default=30, gt=0)
    # How often the chat page may ask for the agent's messages (per conversation, and per
    # address for a page without its cookie yet): it asks every 4 seconds while one is open.
    handoff_poll_rate: str = "30/minute"

    apprise_rate: float = Field(default=50, gt=0)
    # The SMS gateway: an apprise URL without recipient (`smseagle://TOKEN@host`,
    # `json://relay.example/sms`…), each subscriber's number added to its path. Empty: no SMS.
    sms_gateway: SecretStr = SecretStr("")
    sms_rate: float = Field(default=5, gt=0)  # SMS a second handed to the gateway
    # The most SMS (segments, as the operator bills them) sent in a calendar month; 0: no cap.
    # An alert the month's budget cannot cover fails, with the reason, for staff to see.
    sms_monthly_budget: int = Field(default=0, ge=0)

    # Staff console: a session lapses after this many seconds unused (and 12 hours after its
    # log-in whatever happens); this many failed log-ins in a row lock an account for
    # STAFF_LOCK_SECONDS; a one-time link to set a password is valid this many hours.
    staff_idle: float = Field(default=1800, gt=0)
    staff_max_failures: int = Field(default=5, gt=0)
    staff_lock_seconds: float = Field(default=900, gt=0)
    staff_link_hours: float = Field(default=24, gt=0)
    # Administrators must use a second factor (a code from an authenticator app, TOTP): one
    # without it is sent to its set-up page after logging in, and can do nothing else.
    staff_admin_totp: bool = False
    # The key that encrypts the staff's TOTP secrets in the database (Fernet keys,
    # space-separated: the first encrypts, each decrypts). Empty: one made in the data
    # folder; set it when several machines share the database.
    staff_totp_key: SecretStr = SecretStr("")
    # Two-person rule: an editor's announcement waits for another editor's or an admin's
    # approval before it is published (an urgent one may bypass it, with a logged reason).
    approval_required: bool = False
    # The console's edits of the town content (closures, procedures) reach the assistant
    # within this many seconds (how often the actions look for a newer edit).
    content_refresh: float = Field(default=5, gt=0, le=300)
    # /metrics (Prometheus) answers loopback clients; others need this bearer token.
    metrics_token: SecretStr = SecretStr("")
    # Town-wide targets (the town's Mastodon account, a Matrix room…): apprise URLs separated
    # by spaces, each optionally "topic1,topic2=URL" to receive only those topics.
    apprise_broadcast: SecretStr = SecretStr("")

    @field_validator("smtp_starttls", mode="before")
    @classmethod
    def _starttls_words(cls, value: object) -> object:
        # Older .env files said true/false. "false" was the old default, copied from
        # .env.example by many: it means "not required", so opportunistic, never clear text.
        words = {"true": "required", "1": "required", "yes": "required", "false": "auto",
                 "0": "auto", "no": "auto"}  # fmt: skip
        return words.get(str(value).strip().lower(), value) if value is not None else value

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        # Links are built as f"{public_url}/alertes…": "https://x.fr/" would give "//alertes".
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _database_in_data_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'arobase.db'}"
        return self


def load_settings() -> Settings:
    """The settings; AROBASE_ENV_FILE names the file read besides the environment (default
    .env in the working folder; /dev/null in tests, so that a developer's file stays out)."""
    return Settings(_env_file=os.environ.get("AROBASE_ENV_FILE", ".env"))  # type: ignore[call-arg]
