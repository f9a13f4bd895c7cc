"""Run the Telegram bot: long polling by default, a webhook when AROBASE_TELEGRAM_WEBHOOK_URL
is set (Telegram then posts updates to that public address, which a reverse proxy forwards
to AROBASE_TELEGRAM_WEBHOOK_HOST:PORT)."""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import signal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from arobase.settings import Settings
from bot.telegram.app import build_application, post_init, post_shutdown

log = logging.getLogger(__name__)
SECRET_HEADER = "x-telegram-bot-api-secret-token"


def run_polling(settings: Settings) -> None:
    """Ask Telegram for updates until Ctrl-C or SIGTERM (PTB handles both)."""
    application = build_application(settings)
    application.run_polling(allowed_updates=Update.ALL_TYPES)


def webhook_app(application: Application, secret: str) -> Starlette:
    """The HTTP endpoint Telegram posts updates to; checks Telegram's secret header."""

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not secret or not hmac.compare_digest(given, secret):
            return PlainTextResponse("secret invalide", status_code=403)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except ValueError:
            return PlainTextResponse("mise à jour illisible", status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    return Starlette(routes=[Route("/telegram", receive, methods=["POST"])])


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram sends with each update: the setting, or a new random one (the bot
    registers the webhook itself at each start, so no one else needs to know it)."""
    return settings.telegram_webhook_secret.get_secret_value() or secrets.token_urlsafe(32)


async def serve_webhook(settings: Settings) -> None:
    application = build_application(settings)
    secret = webhook_secret(settings)
    server = uvicorn.Server(
        uvicorn.Config(
            webhook_app(application, secret),
            host=settings.telegram_webhook_host,
            port=settings.telegram_webhook_port,
            log_level="warning",
        )
    )
    # uvicorn re-raises the signal that stopped it once it has shut down: under the default
    # handlers the process would die right there, before the bot stops and writes its last
    # counts. This handler only asks the server to stop (also before it has started).
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: setattr(server, "should_exit", True))
    try:
        async with application:
            await application.bot.set_webhook(
                settings.telegram_webhook_url,
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,
            )
            await post_init(application)  # run_polling calls it: the commands menu
            await application.start()
            try:
                await server.serve()  # until SIGINT / SIGTERM
            finally:
                await application.stop()
    finally:
        # run_polling calls it; a webhook run must: the last chat counts, the hub closed.
        await post_shutdown(application)


def run_bot(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    if settings.telegram_webhook_url:
        asyncio.run(serve_webhook(settings))
    else:
        run_polling(settings)
