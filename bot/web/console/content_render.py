"""The HTML of the console's town content: the overview of closures and procedures, the
closure form and the procedure form with its preview. Links are relative to their page."""

from __future__ import annotations

from datetime import date

from arobase.town import Closure, Procedure, Town
from bot.web.console.announcement_form import checkbox, described, field_block
from bot.web.console.auth import relative
from bot.web.console.render import (
    CONTENT_PATH,
    ERROR_ID,
    attr,
    data_table,
    escape,
    form,
    message,
)
from bot.web.frame import paragraphs
from notifications import ClosureEdit, ClosureInput, ProcedureEdit, TownEdits

NEW_CLOSURE_PATH = CONTENT_PATH + "/fermetures/nouvelle"
ALL_SERVICES = "tous"  # the « tous les services » box's value (name "services")
PREVIEW = "apercu"  # the procedure form's preview button (name "action"; else: save)
FROM_FILE = "Défini dans le fichier de la commune"
HOURS_HINT = (
    "ex. 08:30-12:00, ou 08:30-12:00, 14:00-17:00. "
    "Laissez vide si le service est fermé toute la journée."
)
UNTIL_HINT = "Laissez vide pour un seul jour."
REASON_HINT = "L'assistant le dit aux habitants, ex. « Inventaire annuel »."
CHECKED_HINT = "Le jour où vous avez vérifié ce texte auprès du service concerné."
PAST_SHOWN = 5  # past closures listed, the latest first


def closure_path(closure_id: int) -> str:
    return f"{CONTENT_PATH}/fermetures/{closure_id}"


def remove_path(closure_id: int) -> str:
    return closure_path(closure_id) + "/supprimer"


def procedure_path(key: str) -> str:
    return f"{CONTENT_PATH}/demarches/{key}"


def revert_path(key: str) -> str:
    return procedure_path(key) + "/retablir"


def day(value: date) -> str:
    return f'<time datetime="{value.isoformat()}">{value:%d/%m/%Y}</time>'


# --- The overview ------------------------------------------------------------------------------


def closure_cells(town: Town, closure: Closure) -> list[str]:
    """Dates, services, hours and reason of CLOSURE, escaped."""
    days = day(closure.start) + (f" au {day(closure.end)}" if closure.end else "")
    if closure.services is None:
        services = "Tous les services"
    else:
        services = ", ".join(town.services[key].name for key in closure.services)
    hours = f"Ouvert {closure.hours}" if closure.hours else "Fermé toute la journée"
    return [days, escape(services), escape(hours), escape(closure.reason)]


def closure_row(town: Town, closure: Closure, edit: ClosureEdit | None) -> str:
    """One closure; the console's own with who changed it last and a link to change it."""
    if edit is None:
        origin, action = escape(FROM_FILE), ""
    else:
        origin = f"Ajouté dans la console (modifié par {escape(edit.updated_by)})"
        href = relative(CONTENT_PATH, closure_path(edit.id))
        action = f'<a href="{attr(href)}">Modifier<span class="visually-hidden"> la fermeture '
        action += f"du {closure.start:%d/%m/%Y}</span></a>"
    cells = [*closure_cells(town, closure), origin, action]
    return "          <tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def closures_tables(town: Town, edits: TownEdits, today: date) -> list[str]:
    """The closures to come (all), then the latest past ones, the file's and the console's."""
    every = [(c, None) for c in town.closures] + [(e.closure, e) for e in edits.closures]
    every.sort(key=lambda pair: (pair[0].start, pair[0].last_day))
    coming = [pair for pair in every if pair[0].last_day >= today]
    past = [pair for pair in every if pair[0].last_day < today][-PAST_SHOWN:][::-1]
    heads = ["Dates", "Services", "Horaires", "Motif", "Origine", "Action"]
    parts = []
    for ident, caption, pairs in (
        ("a-venir", "Fermetures et horaires exceptionnels à venir", coming),
        (
            "passees",
            f"Les {PAST_SHOWN} dernières fermetures passées, la plus récente d'abord",
            past,
        ),
    ):
        if pairs:
            rows = "\n".join(closure_row(town, c, e) for c, e in pairs)
            parts.append(data_table(ident, caption, heads, rows))
        elif ident == "a-venir":
            parts.append(paragraphs("Aucune fermeture exceptionnelle à venir."))
    return parts


def procedure_row(procedure: Procedure, edit: ProcedureEdit | None) -> str:
    origin = escape(FROM_FILE) if edit is None else (
        f"Modifié dans la console par {escape(edit.edited_by)}"
    )  # fmt: skip
    href = relative(CONTENT_PATH, procedure_path(procedure.key))
    action = f'<a href="{attr(href)}">Modifier<span class="visually-hidden"> la démarche '
    action += f"{escape(procedure.title)}</span></a>"
    cells = [escape(procedure.title), day(procedure.checked), origin, action]
    return "          <tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def overview_body(
    nav: str, town: Town, effective: Town, edits: TownEdits, today: date, notice: str
) -> str:
    """The page /console/contenu: closures (to come, latest past) and procedures."""
    add = relative(CONTENT_PATH, NEW_CLOSURE_PATH)
    procedures = "\n".join(
        procedure_row(procedure, edits.procedures.get(key))
        for key, procedure in effective.procedures.items()
    )
    return "\n".join(
        [
            nav,
            notice,
            "    <h2>Fermetures exceptionnelles</h2>",
            paragraphs(
                "Un jour férié ferme déjà les services : inutile de l'ajouter. Ajoutez ici une "
                "fermeture exceptionnelle ou des horaires réduits ; l'assistant les donne "
                "aux habitants dans les secondes qui suivent."
            ),
            f'    <p><a class="action" href="{attr(add)}">Ajouter une fermeture</a></p>',
            *closures_tables(town, edits, today),
            "    <h2>Démarches</h2>",
            data_table(
                "demarches",
                "Les démarches expliquées par l'assistant, et la date de leur vérification",
                ["Démarche", "Vérifié le", "Origine du texte", "Action"],
                procedures,
            ),
        ]
    )


# --- The closure form --------------------------------------------------------------------------


def closure_fields(town: Town, typed: ClosureInput, invalid: str | None) -> list[str]:
    """The closure form's fields, filled with TYPED; INVALID names the one the error is about."""

    def date_input(name: str, value: str, required: bool, hint: bool) -> str:
        need = " required" if required else ""
        wrong = described(name, hint, invalid == name)
        return f'<input id="{name}" name="{name}" type="date" value="{attr(value)}"{need}{wrong}>'

    wrong = invalid == "services"
    boxes = ' aria-invalid="true"' if wrong else ""
    every = typed.services is None
    services = [checkbox("services", ALL_SERVICES, "Tous les services", every, boxes)] + [
        checkbox("services", key, service.name, key in (typed.services or ()), boxes)
        for key, service in town.services.items()
    ]
    hours = (
        f'<input id="hours" name="hours" type="text" maxlength="100" autocomplete="off" '
        f'value="{attr(typed.hours)}"{described("hours", True, invalid == "hours")}>'
    )
    reason = (
        f'<input id="reason" name="reason" type="text" maxlength="300" required '
        f'value="{attr(typed.reason)}"{described("reason", True, invalid == "reason")}>'
    )
    group = f' aria-describedby="{ERROR_ID}"' if wrong else ""
    return [
        field_block("date", "Date (premier jour)", date_input("date", typed.date, True, False)),
        field_block(
            "until", "Jusqu'au (inclus, facultatif)",
            date_input("until", typed.until, False, True), UNTIL_HINT,
        ),
        f'      <fieldset class="topics"{group}>\n        <legend>Services concernés</legend>\n'
        '        <p class="hint">Cochez « Tous les services », ou ceux qui sont concernés.</p>\n'
        f'        <ul class="topic-list">\n' + "\n".join(services) + "\n        </ul>\n"
        "      </fieldset>",
        field_block("hours", "Horaires d'ouverture ce jour-là (facultatif)", hours, HOURS_HINT),
        field_block("reason", "Motif", reason, REASON_HINT),
    ]  # fmt: skip


def closure_body(
    nav: str,
    town: Town,
    csrf: str,
    here: str,
    typed: ClosureInput,
    error: tuple[str, str | None] | None = None,
    closure_id: int | None = None,
) -> str:
    """The form that adds (or, with CLOSURE_ID, changes) a closure, and the removal button."""
    text, invalid = error if error else (None, None)
    parts = [nav, message(text, error=True)]
    fields = closure_fields(town, typed, invalid)
    parts.append(form(relative(here, here), csrf, fields, "Enregistrer la fermeture"))
    if closure_id is not None:
        parts.append("    <h2>Supprimer cette fermeture</h2>")
        parts.append(paragraphs("L'assistant ne la donnera plus aux habitants."))
        action = relative(here, remove_path(closure_id))
        parts.append(form(action, csrf, [], "Supprimer la fermeture", "staff-form danger"))
    back = relative(here, CONTENT_PATH)
    parts.append(f'    <p><a href="{attr(back)}">Revenir au contenu de la commune</a></p>')
    return "\n".join(parts)


# --- The procedure form ------------------------------------------------------------------------


def procedure_body(
    nav: str,
    csrf: str,
    procedure: Procedure,
    typed: tuple[str, str],
    edit: ProcedureEdit | None,
    outcome: tuple[str, str | None] | None = None,
    preview: str | None = None,
) -> str:
    """A procedure's form (answer, « vérifié le »), the assistant's whole answer when
    previewed, and the way back to the file's text when the console changed it."""
    here = procedure_path(procedure.key)
    answer, checked = typed
    refused, invalid = outcome if outcome else (None, None)
    origin = FROM_FILE + "." if edit is None else (
        f"Texte modifié dans la console par {edit.edited_by}, le {edit.edited_at:%d/%m/%Y}."
    )  # fmt: skip
    parts = [nav, paragraphs(origin), message(refused, error=True)]
    text = (
        f'<textarea id="answer" name="answer" rows="10" cols="30" maxlength="3000" required'
        f"{described('answer', True, invalid == 'answer')}>{escape(answer)}</textarea>"
    )
    when = (
        f'<input id="checked" name="checked" type="date" required value="{attr(checked)}"'
        f"{described('checked', True, invalid == 'checked')}>"
    )
    fields = [
        field_block("answer", "Réponse de l'assistant", text, "3 000 caractères au plus. "
                    "Les documents, le coût et les liens restent ceux du fichier."),
        field_block("checked", "Vérifié le", when, CHECKED_HINT),
    ]  # fmt: skip
    # The first button is the one Enter presses in a field: a preview, which stores nothing.
    look = (
        f'      <button type="submit" name="action" value="{PREVIEW}" class="action">'
        "Aperçu de la réponse</button>"
    )
    parts.append(form(relative(here, here), csrf, [*fields, look], "Enregistrer"))
    if preview is not None:
        parts.append(preview_block(preview))
    if edit is not None:
        parts.append("    <h2>Revenir au texte du fichier</h2>")
        parts.append(paragraphs("Le texte et la date du fichier de la commune seront utilisés."))
        action = relative(here, revert_path(procedure.key))
        parts.append(form(action, csrf, [], "Revenir au texte du fichier", "staff-form"))
    back = relative(here, CONTENT_PATH)
    parts.append(f'    <p><a href="{attr(back)}">Revenir au contenu de la commune</a></p>')
    return "\n".join(parts)


def preview_block(text: str) -> str:
    """What the assistant will answer, as residents read it."""
    return (
        '    <section aria-labelledby="apercu-titre">\n'
        '      <h2 id="apercu-titre">Aperçu de la réponse de l\'assistant</h2>\n'
        '      <div class="content-preview" role="region" tabindex="0" aria-label="Réponse de '
        f"l'assistant\"><pre>{escape(text)}</pre></div>\n"
        "    </section>"
    )
