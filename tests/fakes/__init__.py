"""Fake servers at the network edge (Telegram Bot API, SMTP, Web Push, webhooks), on loopback."""
