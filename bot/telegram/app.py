"""The Telegram front-end: residents chat with the assistant and manage their alerts.

`build_application` wires everything (settings, hub, Rasa client, handlers); nothing is
built at import. Every text goes to Rasa as `telegram:<chat_id>`; replies come back in order,
in HTML parse mode, with Rasa's buttons as inline keyboards.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from arobase.senders import Front, sender_id
from arobase.settings import Settings
from arobase.streets import typed_street
from arobase.tokens import rasa_token
from arobase.town import Town
from bot.rasa_client import RasaClient, RasaUnavailable, Reply, rasa_client_from_settings
from bot.telegram import texts
from bot.telegram.flood import ChatFlood, Verdict
from bot.telegram.format import (
    VOTE_PREFIX,
    VOTE_REFUSED,
    VOTE_THANKS,
    KeyButton,
    PayloadStore,
    html_parts,
    keyboard,
    merge_replies,
    payload_of,
    vote_of,
    vote_rows,
    without_votes,
)
from notifications import (
    DEFAULT_QUIET_HOURS,
    ChatCounter,
    ChatTally,
    Hub,
    HubError,
    NotFound,
    SubscriberInfo,
    UnknownStreet,
    chat_choose_area,
    chat_subscribe,
    chat_unsubscribe,
    deactivate_address,
    erase_handoffs,
    export_subscriber,
    find_subscriber,
    flush_chats,
    forbidden_reason,
    open_hub,
    privacy_url,
    resident_writes,
    vote_question,
)

log = logging.getLogger(__name__)
CHANNEL = "telegram"
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for 5 s after each chat action
GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
# Who may stop a group's alerts or erase its data.
MANAGERS = frozenset({ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR})
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


class ChatLocks:
    """One lock per chat, so that its replies never interleave; a chat's lock is forgotten
    once nobody holds it or waits for it (the event loop's single thread keeps this exact)."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id) or (asyncio.Lock(), 0)
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


@dataclass
class BotState:
    """What the handlers share, kept in `application.bot_data`."""

    settings: Settings
    hub: Hub
    rasa: RasaClient
    flood: ChatFlood = field(default_factory=ChatFlood)
    payloads: PayloadStore = field(default_factory=PayloadStore)
    # One conversation at a time per chat, so replies never interleave.
    locks: ChatLocks = field(default_factory=ChatLocks)
    clock: Callable[[], float] = time.monotonic
    # Messages to the assistant per day (no content, no chat id), written every minute.
    counter: ChatCounter | None = None

    def count_message(self) -> None:
        """One more message to the assistant; the counter starts with the first one."""
        if self.counter is None:
            hub = self.hub
            self.counter = ChatCounter(
                ChatTally(hub.now, hub.zone),
                lambda tally: asyncio.to_thread(flush_chats, hub, tally),
            )
            self.counter.start()
        self.counter.tally.add(CHANNEL)

    @property
    def town(self) -> Town:
        return self.hub.town

    @property
    def privacy_url(self) -> str:
        return privacy_url(self.settings.public_url)


def state_of(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    return context.application.bot_data["arobase"]


def sender(chat_id: int) -> str:
    """The chat's conversation id at Rasa: telegram:<chat id>."""
    return sender_id(Front.TELEGRAM, str(chat_id))


def markup(rows: Sequence[Sequence[KeyButton]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in rows]
    )


def _transient(error: BaseException, idempotent: bool) -> bool:
    """Network trouble worth another try (BadRequest is a NetworkError in PTB: not that).

    A timeout may come after Telegram did the work: only an idempotent call is tried again
    then (sending a message twice would show it twice).
    """
    if isinstance(error, TimedOut) and not idempotent:
        return False
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


async def with_retries(call: Callable[[], Awaitable[Any]], idempotent: bool = False) -> Any:
    """CALL, tried again up to twice on network errors (RetryAfter: the rate limiter's job)."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(lambda error: _transient(error, idempotent)),
        stop=stop_after_attempt(3),
        wait=wait_exponential(multiplier=0.5, max=4),
        reraise=True,
    ):
        with attempt:
            return await call()
    return None


async def send(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    text: str,
    buttons: Sequence[Sequence[KeyButton]] = (),
) -> Message | None:
    """Send TEXT (split when long; the keyboard under the last part); None if blocked."""
    parts = html_parts(text) or [""]
    sent = None
    try:
        for number, part in enumerate(parts, start=1):
            keys = markup(buttons) if number == len(parts) else None
            sent = await with_retries(
                lambda part=part, keys=keys: context.bot.send_message(
                    chat_id, part, parse_mode=ParseMode.HTML, reply_markup=keys
                )
            )
    except Forbidden as error:
        # The resident blocked the bot: stop sending alerts to this chat as well.
        state = state_of(context)
        await asyncio.to_thread(
            deactivate_address, state.hub, CHANNEL, str(chat_id), forbidden_reason(error.message)
        )
        return None
    return sent


async def keep_typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """Show "typing…" until cancelled."""
    while True:
        with contextlib.suppress(TelegramError):
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        await asyncio.sleep(TYPING_EVERY)


async def converse(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
    """Send TEXT to Rasa for this chat and send back its replies, in order."""
    state = state_of(context)
    if await handed_over(context, chat_id, text):
        return
    state.count_message()
    async with state.locks.hold(chat_id):
        typing = asyncio.create_task(keep_typing(context, chat_id))
        try:
            replies = await state.rasa.send(sender(chat_id), text)
        except RasaUnavailable as error:
            log.error("Telegram chat %s: %s (cause: %r)", chat_id, error, error.__cause__)
            replies = [Reply(texts.apology(state.town))]
        finally:
            typing.cancel()
        for reply in merge_replies(replies) or [Reply(texts.no_answer(state.town))]:
            keys = keyboard(reply.buttons, state.payloads) + vote_rows(reply.question)
            if await send(context, chat_id, reply.text, keys) is None:
                return


async def handed_over(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> bool:
    """Whether a town agent has this chat's conversation (notifications/handoffs.py): TEXT is
    then kept for the agent and Rasa is not asked, the bot staying silent but for a short
    acknowledgement of the first message of a burst (a notification per line would be noise;
    none at all would leave the resident wondering). Without the hub, Rasa answers."""
    state = state_of(context)
    try:
        relayed = await asyncio.to_thread(resident_writes, state.hub, sender(chat_id), text)
    except HubError as error:
        log.warning("Telegram chat %s: handoffs unavailable: %r", chat_id, error)
        return False
    if relayed and relayed.acknowledge:
        await send(context, chat_id, relayed.acknowledgement)
    return relayed is not None


async def admitted(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Count UPDATE in its chat's flood control; whether to handle it.

    Over the limit the chat is told once to slow down; the rest gets no answer at all, not
    even a tap's acknowledgement: a script gets nothing to spend Rasa, the database or our
    Bot API budget on.
    """
    state, chat = state_of(context), update.effective_chat
    if chat is None:  # inline-mode updates: the bot offers none
        return False
    verdict = state.flood.check(chat.id, state.clock())
    if verdict is Verdict.WARN:
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()
        await send(context, chat.id, texts.SLOW_DOWN)
    return verdict is Verdict.PASS


def flood_checked(handler: Handler) -> Handler:
    """HANDLER, run only for updates the chat's flood control admits."""

    @functools.wraps(handler)
    async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await admitted(update, context):
            await handler(update, context)

    return checked


async def may_manage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the one behind UPDATE may stop this chat's alerts or erase its data: anyone in
    a private chat; in a group, its administrators only (Telegram's getChatMember)."""
    chat = update.effective_chat
    if chat.type not in GROUPS:
        return True
    message = update.message or update.edited_message  # a command, or one edited into it
    if message is not None and message.sender_chat and message.sender_chat.id == chat.id:
        return True  # an anonymous administrator writes as the group itself
    user = update.effective_user
    if user is None:
        return False
    try:
        member = await with_retries(
            lambda: context.bot.get_chat_member(chat.id, user.id), idempotent=True
        )
    except TelegramError as error:
        log.warning("chat %s: could not check whether %s is an admin: %s", chat.id, user.id, error)
        return False
    return member.status in MANAGERS


# --- handlers ------------------------------------------------------------------------------


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A resident's message in a private chat."""
    await converse(context, update.effective_chat.id, update.effective_message.text)


async def on_group_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group, answer only a message that mentions the bot or replies to it."""
    message, chat_id = update.effective_message, update.effective_chat.id
    username = f"@{context.bot.username}"
    # Telegram usernames ignore case: "@Trilport_Bot" names "@trilport_bot".
    mentions = {m.casefold() for m in message.parse_entities([MessageEntity.MENTION]).values()}
    replied = message.reply_to_message
    if username.casefold() not in mentions and not (
        replied and replied.from_user.id == context.bot.id
    ):
        return
    text = re.sub(re.escape(username), " ", message.text, flags=re.IGNORECASE).strip()
    # Counted only when meant for the bot: the group's own chatter is none of its business.
    if not text or not await admitted(update, context):
        return
    await converse(context, chat_id, text)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Photos, voice, stickers, locations…: say what the bot understands."""
    await send(context, update.effective_chat.id, texts.NOT_TEXT)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state = state_of(context)
    await send(context, update.effective_chat.id, texts.welcome(state.town, state.privacy_url))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(context, update.effective_chat.id, texts.help_text(state_of(context).town))


def alerts_keyboard(state: BotState, subscribed: Sequence[str]) -> list[list[KeyButton]]:
    return [
        [KeyButton(texts.topic_button(t.label, t.key in subscribed), f"a:{t.key}")]
        for t in state.town.topics.values()
    ]


async def subscriber_of(state: BotState, chat_id: int) -> SubscriberInfo | None:
    return await asyncio.to_thread(find_subscriber, state.hub, CHANNEL, str(chat_id))


async def held_topics(state: BotState, chat_id: int) -> tuple[str, ...]:
    """The topics this chat receives now (none while it is suspended)."""
    return (await alert_choices(state, chat_id))[0]


async def alert_choices(state: BotState, chat_id: int) -> tuple[tuple[str, ...], str | None]:
    """The topics this chat receives now (none while it is suspended), and its quiet hours
    (the default ones when it has never subscribed)."""
    subscriber = await subscriber_of(state, chat_id)
    if subscriber is None:
        return (), DEFAULT_QUIET_HOURS
    return (subscriber.topics if subscriber.active else ()), subscriber.quiet


async def on_alerts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state, chat_id = state_of(context), update.effective_chat.id
    topics, quiet = await alert_choices(state, chat_id)
    await send(context, chat_id, texts.alerts_intro(topics, quiet), alerts_keyboard(state, topics))


async def on_area(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/quartier: which areas' alerts the chat receives; /quartier <street>: only that
    street's area besides the whole commune's (a group's administrators only)."""
    state, chat_id = state_of(context), update.effective_chat.id
    town, street = state.town, typed_street(" ".join(context.args or ()))
    if not town.areas:
        await send(context, chat_id, texts.NO_AREAS)
        return
    if not street:
        subscriber = await subscriber_of(state, chat_id)
        clear = [[KeyButton(texts.ALL_AREAS, "q:tout")]] if subscriber and subscriber.areas else []
        await send(context, chat_id, texts.area_state(town, subscriber), clear)
        return
    if not await may_manage(update, context):
        await send(context, chat_id, texts.ADMINS_ONLY)
        return
    try:
        chosen = await asyncio.to_thread(chat_choose_area, state.hub, CHANNEL, str(chat_id), street)
    except UnknownStreet:
        await send(context, chat_id, texts.unknown_street(town, street))
        return
    reply = texts.area_not_subscribed(town) if chosen is None else texts.area_chosen(town, chosen)
    await send(context, chat_id, reply)


async def on_all_areas(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """« Toute la commune » under /quartier: the alerts of every area again."""
    query, chat_id = update.callback_query, update.effective_chat.id
    if not await may_manage(update, context):
        await with_retries(lambda: query.answer(texts.ADMINS_ONLY_TAP), idempotent=True)
        return
    await with_retries(query.answer, idempotent=True)
    hub = state_of(context).hub
    await asyncio.to_thread(chat_choose_area, hub, CHANNEL, str(chat_id), None)
    with contextlib.suppress(BadRequest):  # "message is not modified" after a double tap
        await query.edit_message_text(texts.AREA_CLEARED)


def confirm_keyboard(action: str, yes: str) -> list[list[KeyButton]]:
    return [[KeyButton(yes, f"x:{action}:oui"), KeyButton(texts.NO, f"x:{action}:non")]]


async def on_stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = update.effective_chat.id
    if not await may_manage(update, context):
        await send(context, chat_id, texts.ADMINS_ONLY)
        return
    # A suspended subscription (the bot was blocked) is stopped and erased too.
    if await subscriber_of(state_of(context), chat_id) is None:
        await send(context, chat_id, texts.STOP_NOTHING)
        return
    await send(context, chat_id, texts.STOP_QUESTION, confirm_keyboard("stop", texts.YES_STOP))


def received_alerts(
    export: dict[str, Any], keep: int = texts.LATEST_ALERTS
) -> texts.ReceivedAlerts:
    """The alerts sent to a subscriber, from the hub's export (right of access)."""
    sent = [
        (datetime.fromisoformat(delivery["envoye_le"]), delivery["titre"])
        for delivery in export["envois"]
        if delivery["etat"] == "sent" and delivery["envoye_le"]
    ]
    # A naive time would be UTC, as the hub stores them.
    sent = [(at if at.tzinfo else at.replace(tzinfo=UTC), title) for at, title in sent]
    sent.sort(key=lambda alert: alert[0], reverse=True)
    return texts.ReceivedAlerts(total=len(sent), latest=tuple(sent[:keep]))


async def on_my_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    state, chat_id = state_of(context), update.effective_chat.id
    subscriber, received = await subscriber_of(state, chat_id), texts.ReceivedAlerts(0, ())
    if subscriber is not None:
        try:
            export = await asyncio.to_thread(export_subscriber, state.hub, subscriber.id)
            received = received_alerts(export)
        except NotFound:  # erased meanwhile (/supprimer in another window)
            subscriber = None
    text = texts.my_data(chat_id, subscriber, received, state.town, state.hub.zone)
    await send(context, chat_id, text)


async def on_delete(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id = update.effective_chat.id
    if not await may_manage(update, context):
        await send(context, chat_id, texts.ADMINS_ONLY)
        return
    await send(context, chat_id, texts.DELETE_QUESTION, confirm_keyboard("del", texts.YES_DELETE))


async def on_rasa_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on a button of the assistant: its payload goes to Rasa."""
    query, chat_id = update.callback_query, update.effective_chat.id
    state = state_of(context)
    payload = payload_of(query.data or "", state.payloads)
    await with_retries(query.answer, idempotent=True)
    # The choice is made: remove the buttons so an old one cannot be tapped twice.
    with contextlib.suppress(BadRequest):
        await with_retries(
            lambda: query.edit_message_reply_markup(reply_markup=None), idempotent=True
        )
    if payload is None:
        await send(context, chat_id, texts.EXPIRED_BUTTON)
        return
    await converse(context, chat_id, payload)


async def on_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on 👍 or 👎 under an answer: the vote kept with the question (never with the
    chat), then the vote's row removed, the assistant's choices kept. An unknown or expired
    question: a polite word, nothing stored."""
    query, state = update.callback_query, state_of(context)
    vote = vote_of(query.data or "")
    recorded = vote is not None and await asyncio.to_thread(vote_question, state.hub, *vote)
    reason = VOTE_THANKS if recorded else VOTE_REFUSED
    await with_retries(lambda: query.answer(reason), idempotent=True)
    shown = getattr(query.message, "reply_markup", None)  # none on an inaccessible message
    if recorded and shown is not None:
        rows = [[KeyButton(b.text, b.callback_data) for b in row] for row in shown.inline_keyboard]
        with contextlib.suppress(BadRequest):  # "message is not modified" after a double tap
            await with_retries(
                lambda: query.edit_message_reply_markup(reply_markup=markup(without_votes(rows))),
                idempotent=True,
            )


async def on_alert_toggle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on a topic of /alertes: subscribe or unsubscribe, then redraw the keyboard."""
    query, chat_id = update.callback_query, update.effective_chat.id
    state = state_of(context)
    topic = (query.data or "").removeprefix("a:")
    if topic not in state.town.topics:
        await query.answer(texts.EXPIRED_BUTTON)
        return
    # Removing a group's last topic stops its alerts, as /stop does: administrators only.
    if not await may_manage(update, context):
        await query.answer(texts.ADMINS_ONLY_TAP)
        return
    async with state.locks.hold(chat_id):
        held = await held_topics(state, chat_id)
        if topic in held:
            await asyncio.to_thread(chat_unsubscribe, state.hub, CHANNEL, str(chat_id), [topic])
        else:
            await asyncio.to_thread(chat_subscribe, state.hub, CHANNEL, str(chat_id), [topic])
        now_held, quiet = await alert_choices(state, chat_id)
    await query.answer(texts.toggled(state.town.topics[topic].label, topic in now_held))
    with contextlib.suppress(BadRequest):  # "message is not modified" after a double tap
        await query.edit_message_text(
            texts.alerts_intro(now_held, quiet),
            reply_markup=markup(alerts_keyboard(state, now_held)),
        )


async def on_confirmation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes or no to /stop or /supprimer."""
    query, chat_id = update.callback_query, update.effective_chat.id
    state = state_of(context)
    _, action, answer = (query.data or "x::").split(":", 2)
    if not await may_manage(update, context):
        # The buttons stay, for an administrator to answer.
        await with_retries(lambda: query.answer(texts.ADMINS_ONLY_TAP), idempotent=True)
        return
    await with_retries(query.answer, idempotent=True)
    if answer != "oui":
        outcome = texts.CANCELLED
    elif action == "stop":
        await asyncio.to_thread(chat_unsubscribe, state.hub, CHANNEL, str(chat_id), None)
        outcome = texts.STOP_DONE
    elif action == "del":
        await asyncio.to_thread(chat_unsubscribe, state.hub, CHANNEL, str(chat_id), None)
        await asyncio.to_thread(erase_handoffs, state.hub, sender(chat_id))
        forgotten = await forget_conversation(state, chat_id)
        outcome = texts.DELETE_DONE if forgotten else texts.delete_partly(state.town)
    else:
        outcome = texts.EXPIRED_BUTTON
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(outcome)


async def forget_conversation(state: BotState, chat_id: int) -> bool:
    """Ask Rasa to drop this chat's conversation history (kept in memory only); whether it did."""
    try:
        await state.rasa.forget(sender(chat_id), rasa_token(state.settings))
    except RasaUnavailable as error:
        log.warning("could not erase the Rasa conversation of chat %s: %s", chat_id, error)
        return False
    return True


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One place where every handler failure ends: logged, and the resident gets a reply."""
    log.error("Telegram update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                update.effective_chat.id, texts.apology(state_of(context).town)
            )


# --- wiring --------------------------------------------------------------------------------


def add_handlers(application: Application) -> None:
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    commands = {
        "start": on_start,
        "aide": on_help,
        "help": on_help,
        "alertes": on_alerts,
        "quartier": on_area,
        "stop": on_stop,
        "mesdonnees": on_my_data,
        "supprimer": on_delete,
    }
    # Every update counts in the chat's flood control, commands and taps as messages; a
    # group's messages count once they are meant for the bot (on_group_text checks itself).
    for name, handler in commands.items():
        application.add_handler(CommandHandler(name, flood_checked(handler)))
    written = filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(written & private, flood_checked(on_text)))
    application.add_handler(MessageHandler(written & groups, on_group_text))
    other = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL & private
    application.add_handler(MessageHandler(other, flood_checked(on_other)))
    taps = {r"^[rs]:": on_rasa_button, r"^a:": on_alert_toggle, r"^x:": on_confirmation}
    taps[r"^q:"] = on_all_areas
    taps[rf"^{VOTE_PREFIX}"] = on_vote
    for pattern, handler in taps.items():
        application.add_handler(CallbackQueryHandler(flood_checked(handler), pattern=pattern))
    application.add_error_handler(on_error)


async def post_init(application: Application) -> None:
    """Register the commands menu (French) once the bot is known."""
    await application.bot.set_my_commands([BotCommand(n, d) for n, d in texts.COMMANDS])
    log.info("Telegram bot @%s ready", application.bot.username)


async def post_shutdown(application: Application) -> None:
    state: BotState = application.bot_data["arobase"]
    if state.counter is not None:
        await state.counter.stop()  # the last counts written
    await state.rasa.aclose()
    state.hub.close()


def build_application(
    settings: Settings, hub: Hub | None = None, rasa: RasaClient | None = None
) -> Application:
    """The bot, ready to run (polling or webhook); hub and Rasa client built unless given."""
    token = settings.telegram_token.get_secret_value()
    if not token:
        raise ValueError("AROBASE_TELEGRAM_TOKEN is empty")
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_base_url)
        .request(HTTPXRequest(connection_pool_size=64, read_timeout=20, write_timeout=20))
        .get_updates_request(HTTPXRequest(read_timeout=40))
        .rate_limiter(AIORateLimiter(max_retries=2))
        .concurrent_updates(True)  # 20 residents at once: each chat keeps its order (locks)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data["arobase"] = BotState(
        settings,
        hub or open_hub(settings),
        rasa or rasa_client_from_settings(settings, rasa_token(settings)),
        flood=ChatFlood(settings.telegram_flood_per_minute),
    )
    add_handlers(application)
    return application
