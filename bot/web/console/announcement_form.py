"""The HTML of the console's compose form: a new announcement, or one not yet released being
changed (the same form, filled), with its preview and audience. Links are relative."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.web.console.announcement_render import (
    DRAFT,
    LATER,
    NOW,
    PREVIEW,
    PREVIEW_PATH,
    PREVIEW_SCRIPT,
    PUBLISH,
    URGENT_HINT,
    WHEN_HINT,
    Draft,
    Preview,
    preview_block,
)
from bot.web.console.auth import CSRF_FIELD, relative
from bot.web.console.render import ERROR_ID, attr, escape, message
from bot.web.frame import paragraphs

AREAS_HINT = (
    "Sans secteur coché, l'annonce va à toute la commune. Les abonnés qui n'ont choisi aucun "
    "secteur reçoivent toutes les annonces de leurs thèmes."
)
BYPASS_HINT = (
    "La règle des deux personnes s'applique : votre annonce attendra la validation d'un autre "
    "éditeur ou d'un administrateur. Pour une alerte urgente seulement, vous pouvez l'envoyer "
    "sans attendre en écrivant pourquoi ; ce motif est inscrit au journal des actions."
)
INVALID_BOX = ' aria-invalid="true"'


@dataclass(frozen=True)
class FormPlace:
    """Where the form posts, the revision it changes (None for a new one), and whether the
    two-person rule holds the writer's announcements (then the bypass field shows)."""

    path: str
    revision: int | None = None
    held: bool = False


def described(name: str, hint: bool, invalid: bool) -> str:
    ids = ([f"{name}-hint"] if hint else []) + ([ERROR_ID] if invalid else [])
    text = ' aria-invalid="true"' if invalid else ""
    return text + (f' aria-describedby="{" ".join(ids)}"' if ids else "")


def field_block(name: str, label: str, control: str, hint: str = "") -> str:
    hint_html = f'\n        <p class="hint" id="{name}-hint">{escape(hint)}</p>' if hint else ""
    return (
        f'      <div class="field">\n        <label for="{name}">{escape(label)}</label>'
        f"{hint_html}\n        {control}\n      </div>"
    )


def checkbox(name: str, value: str, label: str, checked: bool, extra: str = "") -> str:
    ticked = " checked" if checked else ""
    return (
        f'          <li><label class="topic"><input type="checkbox" name="{name}" '
        f'value="{attr(value)}"{ticked}{extra}> <span class="topic-text">'
        f'<span class="topic-label">{escape(label)}</span></span></label></li>'
    )


def areas_field(draft: Draft, places: Mapping[str, str], invalid: str | None) -> list[str]:
    """The areas the announcement is for (PLACES: the town's, by key), when it has some."""
    if not places:
        return []
    wrong = invalid == "secteurs"
    boxes = "\n".join(
        checkbox("secteurs", key, name, key in draft.areas, INVALID_BOX if wrong else "")
        for key, name in places.items()
    )
    described = "secteurs-hint" + (f" {ERROR_ID}" if wrong else "")
    return [
        f'      <fieldset class="topics" aria-describedby="{described}">\n'
        "        <legend>Secteurs (facultatif)</legend>\n"
        f'        <p class="hint" id="secteurs-hint">{escape(AREAS_HINT)}</p>\n'
        f'        <ul class="topic-list">\n{boxes}\n        </ul>\n'
        "      </fieldset>"
    ]


def compose_fields(
    draft: Draft, labels: Mapping[str, str], invalid: str | None, places: Mapping[str, str]
) -> list[str]:
    """The form's fields; INVALID names the one the error is about."""
    title = (
        f'<input id="titre" name="titre" type="text" required maxlength="200" '
        f'value="{attr(draft.title)}"{described("titre", False, invalid == "titre")}>'
    )
    body = (
        f'<textarea id="texte" name="texte" rows="8" cols="30" maxlength="2000"'
        f"{described('texte', True, invalid == 'texte')}>{escape(draft.body)}</textarea>"
    )
    link = (
        f'<input id="lien" name="lien" type="url" inputmode="url" '
        f'value="{attr(draft.link)}"{described("lien", True, invalid == "lien")}>'
    )
    # A fieldset takes no aria-invalid: its boxes do, and it points at the error.
    wrong = invalid == "themes"
    topics_invalid = f' aria-describedby="{ERROR_ID}"' if wrong else ""
    box_invalid = INVALID_BOX if wrong else ""
    topics = "\n".join(
        checkbox("themes", key, label, key in draft.topics, box_invalid)
        for key, label in labels.items()
    )
    urgent = checkbox(
        "urgent", "oui", "Alerte urgente", draft.urgent, ' aria-describedby="urgent-hint"'
    )
    later_invalid = described("date", True, invalid == "date")
    now_checked = "" if draft.scheduled else " checked"
    later_checked = " checked" if draft.scheduled else ""
    return [
        field_block("titre", "Titre", title),
        field_block("texte", "Texte (facultatif)", body, "2 000 caractères au plus."),
        field_block("lien", "Lien (facultatif)", link, "Une adresse qui commence par https://"),
        f'      <fieldset class="topics"{topics_invalid}>\n'
        "        <legend>Thèmes (au moins un)</legend>\n"
        f'        <ul class="topic-list">\n{topics}\n        </ul>\n'
        "      </fieldset>",
        *areas_field(draft, places, invalid),
        '      <fieldset class="topics">\n        <legend>Urgence</legend>\n'
        f'        <p class="hint" id="urgent-hint">{escape(URGENT_HINT)}</p>\n'
        f'        <ul class="topic-list">\n{urgent}\n        </ul>\n'
        "      </fieldset>",
        '      <fieldset class="topics">\n        <legend>Envoi</legend>\n'
        '        <ul class="topic-list">\n'
        f'          <li><label class="topic"><input type="radio" name="quand" value="{NOW}"'
        f"{now_checked}> Dès maintenant</label></li>\n"
        f'          <li><label class="topic"><input type="radio" name="quand" value="{LATER}"'
        f"{later_checked}> À la date et à l'heure suivantes</label></li>\n"
        "        </ul>\n"
        f'        <p class="hint" id="date-hint">{escape(WHEN_HINT)}</p>\n'
        f'        <label for="date">Date</label>\n'
        f'        <input id="date" name="date" type="date" value="{attr(draft.date)}"'
        f"{later_invalid}>\n"
        f'        <label for="heure">Heure</label>\n'
        f'        <input id="heure" name="heure" type="time" value="{attr(draft.time)}"'
        f"{later_invalid}>\n"
        "      </fieldset>",
    ]


def bypass_field(draft: Draft, invalid: str | None) -> str:
    """The reason an urgent announcement goes without approval (the two-person rule)."""
    control = (
        f'<textarea id="motif" name="motif" rows="3" cols="30" maxlength="500"'
        f"{described('motif', True, invalid == 'motif')}>{escape(draft.bypass)}</textarea>"
    )
    label = "Motif d'un envoi urgent sans validation (facultatif)"
    return field_block("motif", label, control, BYPASS_HINT)


def buttons(draft: Draft, previewed: bool) -> str:
    """« Aperçu », « Enregistrer le brouillon », and after a preview « Publier »
    (« Programmer » for a date)."""
    parts = [
        f'<button type="submit" name="action" value="{PREVIEW}" class="action'
        + (' secondary">' if previewed else '">')
        + ("Mettre à jour l'aperçu" if previewed else "Aperçu")
        + "</button>",
        f'<button type="submit" name="action" value="{DRAFT}" class="action secondary">'
        "Enregistrer le brouillon</button>",
    ]
    if previewed:
        label = "Programmer" if draft.scheduled else "Publier"
        parts.append(
            f'<button type="submit" name="action" value="{PUBLISH}" class="action">{label}</button>'
        )
    return '      <div class="actions">\n        ' + "\n        ".join(parts) + "\n      </div>"


def compose_form(
    csrf: str,
    draft: Draft,
    choices: tuple[Mapping[str, str], Mapping[str, str]],
    place: FormPlace,
    invalid: str | None,
    previewed: bool,
) -> str:
    """The form; CHOICES: the town's topics and areas, each by key with its label."""
    fields = compose_fields(draft, choices[0], invalid, choices[1])
    if place.held:
        fields.append(bypass_field(draft, invalid))
    inner = "\n".join([*fields, buttons(draft, previewed)])
    hidden = f'      <input type="hidden" name="{CSRF_FIELD}" value="{attr(csrf)}">\n'
    if place.revision is not None:
        hidden += f'      <input type="hidden" name="revision" value="{place.revision}">\n'
    action = relative(place.path, place.path)
    return (
        f'    <form method="post" action="{attr(action)}" class="ask staff-form compose" '
        "novalidate>\n"
        f"{hidden}{inner}\n    </form>"
    )


def compose_body(
    nav: str,
    csrf: str,
    draft: Draft,
    choices: tuple[Mapping[str, str], Mapping[str, str]],
    place: FormPlace,
    *,
    error: str | None = None,
    invalid: str | None = None,
    preview: Preview | None = None,
) -> str:
    parts = [nav, message(error, error=True)]
    if preview is None:
        parts.append(
            paragraphs(
                "Avant de publier, l'aperçu vous montre le texte exact envoyé sur chaque canal "
                "et le nombre de destinataires. Un brouillon enregistré ne part pas : vous le "
                "retrouvez dans la liste des annonces."
            )
        )
    parts.append(compose_form(csrf, draft, choices, place, invalid, preview is not None))
    if preview is not None:
        parts.append(live_preview(preview_block(preview), place.path))
    return "\n".join(part for part in parts if part)


def live_preview(block: str, here: str) -> str:
    """The preview, in the container static/console-preview.js keeps current as the form
    changes (the state line says when it could not: the text as typed is refused)."""
    answers, script = relative(here, PREVIEW_PATH), relative(here, PREVIEW_SCRIPT)
    return (
        f'    <div id="apercu-direct" data-apercu="{attr(answers)}">\n'
        '    <p class="hint" id="apercu-etat" role="status"></p>\n'
        f'    <div id="apercu-contenu">\n{block}\n    </div>\n    </div>\n'
        f'    <script src="{attr(script)}" defer></script>'
    )
