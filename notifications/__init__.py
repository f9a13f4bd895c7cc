"""The hub's public module: what the front-ends (bot/) and the actions use of the hub, the only
part of it they import (tests/test_import_rules.py).

Each name is loaded on first use (PEP 562): `import notifications`, which also runs before
any of the hub's own modules is imported, loads none of them, neither the database library
nor a channel's sender library.
"""

from __future__ import annotations

import importlib
from typing import Any

# Where each public name lives.
_HOMES: dict[str, tuple[str, ...]] = {
    "notifications.errors": (
        "Conflict",
        "FetchError",
        "HubError",
        "InvalidAddress",
        "InvalidInput",
        "NotFound",
        "StorageConflict",
        "StorageError",
        "UnknownChannel",
        "UnknownStreet",
        "UnknownTopic",
    ),
    "notifications.hub": (
        "Clock",
        "Hub",
        "HubUnavailable",
        "assistant_clock",
        "hub_problem",
        "open_hub",
    ),
    "notifications.records": (
        "DEFAULT_DIGEST_AT",
        "DEFAULT_QUIET_END",
        "DEFAULT_QUIET_HOURS",
        "DEFAULT_QUIET_START",
        "MessageInfo",
        "MessageKind",
        "MessageStatus",
        "SubscriberInfo",
        "hhmm",
    ),
    # the counter's consent provenance and audit (migration 0006)
    "notifications.consent": (
        "COUNTER_WAYS",
        "Consent",
        "ConsentWay",
        "SubscriberAction",
        "SubscriberFile",
        "subscriber_detail",
    ),
    "notifications.messages": (
        "announce",
        "cancel_message",
        "get_message",
        "list_messages",
        "preview_announcement",
        "send_time",
        "sent_link",
    ),
    "notifications.announcements": (
        "Composed",
        "NotAllowed",
        "allowed",
        "approve",
        "get_announcement",
        "retry_failed",
        "save_announcement",
        "send_back",
        "unschedule",
    ),
    "notifications.outbox": ("ChannelStats", "delivery_stats", "failures"),
    "notifications.reach": ("audience",),
    "notifications.areas": ("area_of", "chat_choose_area", "check_areas"),
    "notifications.budget": ("budget_notes",),
    "notifications.decide.staff": ("PASSWORD_MIN", "TOTP_DIGITS", "grouped"),
    "notifications.decide.announcements": ("Announcement", "Step"),
    "notifications.links": (
        "ALERTS_PATH",
        "CONFIRM_PATH",
        "PRIVACY_PATH",
        "SHORT_LINK_PATH",
        "SHORT_STOP_PATH",
        "STAFF_PASSWORD_PATH",
        "TOKEN_PARAMETER",
        "UNSUBSCRIBE_PATH",
        "alerts_url",
        "confirm_url",
        "message_of_code",
        "privacy_url",
        "staff_password_url",
        "unsubscribe_url",
    ),
    "notifications.staff": (
        "AccountLocked",
        "AuditEntry",
        "CodeRequired",
        "LoginRefused",
        "Role",
        "StaffAccount",
        "StaffAction",
        "StaffSession",
        "add_staff",
        "audit",
        "audit_entries",
        "disable_staff",
        "list_staff",
        "log_in",
        "log_out",
        "reset_staff",
        "session_of",
        "set_password",
    ),
    # the second factor (bot/web/console/totp.py)
    "notifications.staff_totp": (
        "CodeExpired",
        "CodeRefused",
        "TotpSetup",
        "confirm_totp",
        "disable_totp",
        "log_in_code",
        "pending_email",
        "totp_active_since",
        "totp_setup",
    ),
    "notifications.staff_secrets": ("SecondFactorUnavailable",),
    "notifications.subscribers": (
        "chat_subscribe",
        "chat_unsubscribe",
        "confirm_by_token",
        "confirmation_link_opened",
        "deactivate_address",
        "device_moved",
        "device_subscribe",
        "export_subscriber",
        "find_subscriber",
        "subscriber_by_token",
        "unsubscribe_by_token",
        # the counter (bot/web/console/counter.py)
        "enrolment_channels",
        "erase_subscriber",
        "find_exact",
        "subscribe",
        "subscriber_file",
    ),
    "notifications.signup": ("email_sign_up",),
    "notifications.decide.subscriptions": ("ConfirmationLink", "LinkState"),
    "notifications.news": ("NewsItem", "latest_news", "next_meetings", "town_news"),
    "notifications.render": ("quoted_labels",),
    "notifications.vapid": ("configured_vapid_keys", "town_vapid_keys"),
    "notifications.channels": (
        "CHANNEL_NAMES",
        "channel_phrase",
        "enrolment_address",
        "push_policy",
    ),
    "notifications.channels.telegram": ("TELEGRAM_MAX_CHARS", "forbidden_reason"),
    "notifications.channels.webpush": ("PUSH_MAX_BYTES",),
    "notifications.hosts": ("origin",),
    "notifications.dashboard": (
        "CHAT_FRONTS",
        "ChatCounter",
        "ChatTally",
        "Dashboard",
        "HubMetrics",
        "flush_chats",
        "hub_metrics",
        "read_dashboard",
    ),
    "notifications.decide.activity": ("Liveness", "WorkerState", "failure_rate"),
    "notifications.source_admin": ("SourceInfo", "poll_now"),
    "notifications.town_content": (
        "ClosureEdit",
        "ClosureInput",
        "ContentAction",
        "ContentRefused",
        "ProcedureEdit",
        "ProcedureInput",
        "TownEdits",
        "add_closure",
        "closure_edit",
        "content_revision",
        "edit_procedure",
        "effective_town",
        "procedure_preview",
        "remove_closure",
        "revert_procedure",
        "town_edits",
        "update_closure",
    ),
    # conversations handed over to a town agent (issue 11)
    "notifications.handoffs": (
        "HandoffAction",
        "agent_messages_since",
        "agent_replies",
        "close_handoff",
        "erase_handoffs",
        "handoff_message",
        "handoff_of",
        "handoff_thread",
        "handoffs_waiting",
        "open_handoff",
        "purge_handoffs",
        "resident_writes",
        "take_handoff",
        "waiting_handoffs",
    ),
    "notifications.decide.handoffs": (
        "AgentNews",
        "HandoffAuthor",
        "HandoffInfo",
        "HandoffMessage",
        "HandoffOpened",
        "HandoffStatus",
        "HandoffThread",
        "Relay",
        "Relayed",
        "Speaker",
        "Turn",
        "may_send",
    ),
    "notifications.handoff_relay": ("relay_message",),
    # questions kept for staff's review, residents' votes, staff-written answers (issue 11)
    "notifications.questions": (
        "AnswerEdit",
        "AnswerInput",
        "AskedQuestion",
        "KeptQuestion",
        "QuestionAction",
        "ReviewState",
        "dismiss_group",
        "kept_question",
        "mark_for_training",
        "purge_questions",
        "record_question",
        "remove_answer",
        "review_group",
        "review_state",
        "staff_answers",
        "training_export",
        "training_labels",
        "vote_question",
        "write_answer",
    ),
    "notifications.decide.question_groups": (
        "OUTCOME_WORDS",
        "VOTE_WINDOW",
        "Outcome",
        "QuestionGroup",
        "Review",
    ),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_HOME_OF)  # built from _HOMES: the names are listed once


def __getattr__(name: str) -> Any:
    """A public name, imported from its home on first use."""
    home = _HOME_OF.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
