"""The frame of the small pages (confirmation, unsubscription, unknown link, privacy notice):
the town's header and footer around a title and a few paragraphs."""

from __future__ import annotations

import html
from collections.abc import Sequence

from arobase.town import Town
from bot.web.common import render_page

# render_page fills the town's details. Its links are relative, since the app may sit under a
# path prefix: the style sheets' links ({{stylesheets}}) start with notice_page's TO_ROOT.
FRAME = """<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>{{title}} – Mairie {{de_commune}}</title>
{{stylesheets}}
</head>
<body>
  <header class="top">
    <p class="site">Mairie {{de_commune}}</p>
  </header>
  <main class="page notice">
    <h1>{{title}}</h1>
{{body}}
  </main>
  <footer class="bottom">
    <p>Une question&nbsp;? Appelez {{service}} au <a href="{{phone_href}}">{{phone}}</a>
      ou écrivez à <a href="mailto:{{email}}">{{email}}</a>.</p>
  </footer>
</body>
</html>
"""
FRAME_STYLESHEETS = ("chat.css", "alertes.css")  # in bot/web/static/


def notice_page(
    town: Town, title: str, body: str, *, to_root: str, stylesheets: Sequence[str] = ()
) -> str:
    """A small page: a title and BODY (HTML, already escaped) in the town's frame; TO_ROOT
    leads from the page's folder to the app's root ("../" under /alertes/, "" at the top).
    STYLESHEETS: more of bot/web/static/'s style sheets, after the frame's own (the console's)."""
    links = "\n".join(
        f'  <link rel="stylesheet" href="{to_root}static/{name}">'
        for name in (*FRAME_STYLESHEETS, *stylesheets)
    )
    page = render_page(FRAME.replace("{{stylesheets}}", links), town)
    page = page.replace("{{title}}", html.escape(title, quote=False))
    return page.replace("{{body}}", body)  # last: the body is never read for placeholders


def paragraphs(*texts: str) -> str:
    """TEXTS as escaped paragraphs of a page's body."""
    return "\n".join(f"    <p>{html.escape(text, quote=False)}</p>" for text in texts)


def sentence(reason: str) -> str:
    """A hub error ("thème inconnu « x »") as a sentence for a person ("Thème inconnu « x ».")."""
    reason = reason.strip()
    if not reason:
        return "La demande a été refusée."
    reason = reason[0].upper() + reason[1:]
    return reason if reason[-1] in ".!?…" else reason + "."
