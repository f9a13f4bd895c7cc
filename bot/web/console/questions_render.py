"""The HTML of the console's Questions section: the groups of questions to review with their
actions, the form of a staff-written answer, and the list of those answers. Links are
relative to their page; residents' texts are shown masked, as they are kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo

from arobase.hours_text import capitalize, counted
from arobase.town import Town
from bot.web.console.announcement_form import described, field_block
from bot.web.console.auth import CSRF_FIELD, relative
from bot.web.console.render import (
    QUESTIONS_PATH,
    attr,
    data_table,
    escape,
    message,
    when,
)
from bot.web.frame import paragraphs
from notifications import OUTCOME_WORDS, AnswerEdit, QuestionGroup, ReviewState

EXPORT_PATH = QUESTIONS_PATH + "/entrainement.yml"
ANSWERS_PATH = QUESTIONS_PATH + "/reponses"
FORM = "ask staff-form"  # the CSS classes of the section's forms
GROUPS_SHOWN = 50  # groups on the page, the biggest first
WORDINGS_SHOWN = 5  # other wordings under a group's representative
# The domain's intents in the staff's words (an intent the list lacks shows its own name).
INTENT_WORDS = {
    "greet": "Salutation",
    "goodbye": "Au revoir",
    "thank": "Remerciement",
    "affirm": "Oui",
    "deny": "Non",
    "bot_challenge": "« Êtes-vous un robot ? »",
    "help": "Ce que sait faire l'assistant",
    "ask_opening_hours": "Horaires d'ouverture",
    "ask_contact": "Coordonnées d'un service",
    "subscribe": "S'abonner aux alertes",
    "unsubscribe": "Se désabonner des alertes",
    "ask_news": "Actualités et agenda",
    "human_handoff": "Parler à une personne",
    "report_problem": "Signaler un problème",
    "waste_collection": "Collecte des déchets",
    "school_holidays": "Vacances scolaires",
    "mention_service": "Un service nommé seul",
    "procedure_detail": "Détail de la dernière démarche",
    "out_of_scope": "Hors du domaine de l'assistant",
}
INTRO = (
    "Les questions que l'assistant n'a pas comprises, celles où il n'était pas sûr de sa "
    "réponse, celles hors de son domaine et celles dont la réponse a reçu un 👎, regroupées "
    "quand elles se ressemblent. Les numéros de téléphone, les adresses e-mail et les longs "
    "numéros y sont masqués ; on ne sait jamais qui les a posées."
)


def group_path(question_id: str, action: str) -> str:
    """A group's action: entrainement, ignorer or reponse."""
    return f"{QUESTIONS_PATH}/{question_id}/{action}"


def remove_path(key: str) -> str:
    return f"{ANSWERS_PATH}/{key}/supprimer"


def label_text(label: str, town: Town) -> str:
    """A training label as staff read it: « Horaires d'ouverture (ask_opening_hours) »."""
    _, _, procedure = label.partition("/")
    if procedure in town.procedures:
        return f"Démarche : {town.procedures[procedure].title} ({label})"
    return f"{INTENT_WORDS[label]} ({label})" if label in INTENT_WORDS else label


def hidden_name(text: str) -> str:
    """Words said to screen readers only: which group a button acts on."""
    return f'<span class="visually-hidden"> {escape(text)}</span>'


def csrf_field(csrf: str) -> str:
    return f'      <input type="hidden" name="{CSRF_FIELD}" value="{attr(csrf)}">'


# --- The review --------------------------------------------------------------------------------


def group_facts(group: QuestionGroup, zone: tzinfo) -> str:
    """How many, when, what the assistant did, and the 👎."""
    count = counted(len(group.questions), "question")
    if len(group.questions) == 1:
        dates = f"le {when(group.last, zone)}"
    else:
        dates = f"du {when(group.first, zone)} au {when(group.last, zone)}"
    outcomes = [f"{OUTCOME_WORDS[outcome]} : {number}" for outcome, number in group.outcomes]
    if group.thumbs_down:
        outcomes.append(f"réponse jugée inutile (👎) : {group.thumbs_down}")
    return (
        f"      <p>{escape(count)}, {dates}.</p>\n"
        f"      <p>{escape(capitalize(' ; '.join(outcomes)))}.</p>"
    )


def label_form(
    group: QuestionGroup, labels: Sequence[str], town: Town, csrf: str, invalid: bool
) -> str:
    """The « À ajouter à l'entraînement » form, its label chosen in a list."""
    ident = f"label-{group.id}"
    options = ['<option value="">Choisissez…</option>'] + [
        f'<option value="{attr(label)}">{escape(label_text(label, town))}</option>'
        for label in labels
    ]
    select = (
        f'<select id="{attr(ident)}" name="label" required{described(ident, False, invalid)}>'
        + "".join(options)
        + "</select>"
    )
    action = relative(QUESTIONS_PATH, group_path(group.id, "entrainement"))
    return (
        f'    <form method="post" action="{attr(action)}" class="{FORM}">\n'
        f"{csrf_field(csrf)}\n"
        f"{field_block(ident, 'Intention ou démarche à apprendre', select)}\n"
        '      <button type="submit" class="action">À ajouter à l\'entraînement'
        f"{hidden_name(group.representative)}</button>\n"
        "    </form>"
    )


def group_block(
    group: QuestionGroup,
    labels: Sequence[str],
    town: Town,
    csrf: str,
    zone: tzinfo,
    invalid: str | None,
) -> str:
    """One group: its representative, its facts, other wordings and the three actions."""
    heading = f"group-{group.id}"
    others = [wording for wording in group.wordings if wording != group.representative]
    parts = [
        f'  <section aria-labelledby="{attr(heading)}">',
        f'    <h3 id="{attr(heading)}">« {escape(group.representative)} »</h3>',
        group_facts(group, zone),
    ]
    if others:
        items = "".join(f"<li>{escape(text)}</li>" for text in others[:WORDINGS_SHOWN])
        parts.append(f"    <p>Autres formulations :</p>\n    <ul>{items}</ul>")
    parts.append(label_form(group, labels, town, csrf, invalid == group.id))
    write = relative(QUESTIONS_PATH, group_path(group.id, "reponse"))
    parts.append(
        f'    <p><a class="action secondary" href="{attr(write)}">Écrire une réponse'
        f"{hidden_name(group.representative)}</a></p>"
    )
    dismiss = relative(QUESTIONS_PATH, group_path(group.id, "ignorer"))
    parts.append(
        f'    <form method="post" action="{attr(dismiss)}" class="{FORM}">\n'
        f"{csrf_field(csrf)}\n"
        '      <button type="submit" class="action secondary">Ignorer'
        f"{hidden_name(group.representative)}</button>\n"
        "    </form>\n  </section>"
    )
    return "\n".join(parts)


def review_body(
    nav: str,
    state: ReviewState,
    labels: Sequence[str],
    town: Town,
    csrf: str,
    zone: tzinfo,
    notice: str,
    invalid: str | None = None,
) -> str:
    """The page /console/questions; INVALID: the group whose label was refused."""
    export = relative(QUESTIONS_PATH, EXPORT_PATH)
    answers = relative(QUESTIONS_PATH, ANSWERS_PATH)
    parts = [
        nav,
        notice,
        paragraphs(INTRO),
        f'    <p><a href="{attr(answers)}">Réponses écrites par la mairie</a></p>',
        f'    <p><a href="{attr(export)}" download>Exporter pour l\'entraînement</a> (fichier '
        "YAML des questions marquées « à ajouter à l'entraînement »)</p>",
        "    <h2>Questions à revoir</h2>",
    ]
    if not state.groups:
        parts.append(paragraphs("Aucune question à revoir pour le moment."))
        return "\n".join(parts)
    shown = state.groups[:GROUPS_SHOWN]
    summary = (
        f"{counted(state.total, 'question')} à revoir, en {counted(len(state.groups), 'groupe')}"
    )
    if len(shown) < len(state.groups):
        summary += f" ; les {len(shown)} plus grands sont affichés"
    parts.append(paragraphs(summary + "."))
    parts += [group_block(group, labels, town, csrf, zone, invalid) for group in shown]
    return "\n".join(parts)


# --- A staff-written answer --------------------------------------------------------------------


def answer_body(
    nav: str,
    group: QuestionGroup,
    csrf: str,
    typed: tuple[str, str],
    zone: tzinfo,
    error: tuple[str, str | None] | None = None,
) -> str:
    """The form of an answer to GROUP: its text, and the questions it answers (one a line)."""
    here = group_path(group.id, "reponse")
    answer, questions = typed
    refused, invalid = error if error else (None, None)
    text = (
        f'<textarea id="answer" name="answer" rows="8" cols="30" maxlength="3000" required'
        f"{described('answer', True, invalid == 'answer')}>{escape(answer)}</textarea>"
    )
    asked = (
        f'<textarea id="questions" name="questions" rows="6" cols="30" required'
        f"{described('questions', True, invalid == 'questions')}>{escape(questions)}</textarea>"
    )
    fields = [
        field_block("answer", "Réponse de l'assistant", text,
                    "3 000 caractères au plus. L'assistant la donne telle quelle."),
        field_block("questions", "Questions auxquelles elle répond", asked,
                    "Une question par ligne : l'assistant donne cette réponse à un message "
                    "qui contient tous les mots importants de l'une d'elles. Ajoutez aussi "
                    "les formulations courtes (« déchets verts ? »)."),
    ]  # fmt: skip
    back = relative(here, QUESTIONS_PATH)
    return "\n".join(
        [
            nav,
            message(refused, error=True),
            paragraphs(f"Pour le groupe « {group.representative} »."),
            group_facts(group, zone),
            f'    <form method="post" action="{attr(relative(here, here))}" class="{FORM}">',
            csrf_field(csrf),
            *fields,
            '      <button type="submit" class="action">Enregistrer la réponse</button>',
            "    </form>",
            f'    <p><a href="{attr(back)}">Revenir aux questions</a></p>',
        ]
    )


def answers_body(nav: str, answers: Mapping[str, AnswerEdit], csrf: str, zone: tzinfo) -> str:
    """The page /console/questions/reponses: the answers written in the console."""
    back = relative(ANSWERS_PATH, QUESTIONS_PATH)
    parts = [nav]
    if not answers:
        parts.append(paragraphs("Aucune réponse n'a été écrite dans la console."))
    else:
        rows = "\n".join(answer_row(edit, csrf, zone) for edit in answers.values())
        heads = ["Questions", "Réponse", "Écrite par", "Le", "Action"]
        caption = "Réponses écrites dans la console, données sans nouvel entraînement"
        parts.append(data_table("reponses", caption, heads, rows))
    parts.append(f'    <p><a href="{attr(back)}">Revenir aux questions</a></p>')
    return "\n".join(parts)


def answer_row(edit: AnswerEdit, csrf: str, zone: tzinfo) -> str:
    questions = "<br>".join(escape(question) for question in edit.questions)
    action = relative(ANSWERS_PATH, remove_path(edit.key))
    remove = (
        f'<form method="post" action="{attr(action)}" class="inline">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{attr(csrf)}">'
        '<button type="submit" class="action secondary">Supprimer'
        f"{hidden_name('la réponse à « ' + edit.questions[0] + ' »')}</button></form>"
    )
    cells = [
        questions,
        escape(edit.answer),
        escape(edit.edited_by),
        when(edit.edited_at, zone),
        remove,
    ]
    return "          <tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"
