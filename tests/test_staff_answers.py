"""Staff-written answers (arobase/staff_answers.py and the town file's `answers`): a resident's
question close enough to one of an answer's questions gets it; a near miss gets nothing."""

from __future__ import annotations

import pytest

from arobase.errors import TownContentError
from arobase.staff_answers import content_words, matching_answer, normalized
from arobase.town import Town, parse_town
from tests.hub_support import TOWN_FILE

ANSWERS = """
answers:
  dechets_verts:
    questions:
      - Où jeter mes déchets verts ?
      - Que faire de mes tontes de gazon ?
      - Que faire de mes déchets verts ?
    answer: Les déchets verts vont à la déchetterie, ou dans le bac marron d'avril à novembre.
    checked: 2026-11-20
  salle_des_fetes:
    questions: ["Puis-je louer la salle des fêtes ?"]
    answer: La salle des fêtes se loue à la mairie, au moins deux mois à l'avance.
    checked: 2026-11-20
  piscine:
    questions: ["Y a-t-il une piscine à Trilport ?"]
    answer: Il n'y a pas de piscine à Trilport ; la plus proche est à Meaux.
    checked: 2026-11-20
  composteur:
    questions: ["Comment avoir un composteur ?"]
    answer: "La communauté d'agglomération prête des composteurs : demandez-le à la mairie."
    checked: 2026-11-20
  loisirs_avril:
    questions: ["Le centre de loisirs est-il ouvert en avril ?"]
    answer: Le centre de loisirs est ouvert pendant les vacances de printemps, de 7 h 30 à 18 h 30.
    checked: 2026-11-20
  marche_noel:
    questions: ["Quel jour a lieu le marché de Noël ?"]
    answer: Le marché de Noël a lieu le deuxième dimanche de décembre, place de l'église.
    checked: 2026-11-20
"""


@pytest.fixture(scope="module")
def town() -> Town:
    return parse_town(TOWN_FILE.read_text(encoding="utf-8") + ANSWERS, "test")


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Où jeter mes déchets verts ?", "dechets_verts"),
        ("OU JETER LES DECHETS VERTS", "dechets_verts"),
        ("ou jeter mes dechet vert", "dechets_verts"),
        ("où je jette mes déchets verts ?", "dechets_verts"),  # another form of the verb
        ("déchets verts ?", "dechets_verts"),
        ("que faire des tontes de gazon", "dechets_verts"),
        ("comment louer la salle des fetes ?", "salle_des_fetes"),
        ("je voudrais louer la salle des fêtes svp", "salle_des_fetes"),
        ("est-ce qu'il y a une piscine a trilport", "piscine"),
        ("je voudrais un composteur", "composteur"),
        ("le centre de loisirs sera ouvert en avril ?", "loisirs_avril"),
        ("c'est quand le marché de noel, quel jour ?", "marche_noel"),
        # Near misses: another subject with the same words around it.
        ("Où jeter mes encombrants ?", None),
        ("Puis-je louer un vélo ?", None),
        ("Y a-t-il un cinéma à Trilport ?", None),
        ("combien coûte la piscine ?", None),
        ("je voudrais un ordinateur", None),
        ("la mairie est ouverte samedi ?", None),
        ("gare", None),
        # The staff question's words, but one changed or missing: another question.
        ("le centre de loisirs est ouvert en août ?", None),
        ("le marché a lieu quel jour", None),
        ("verts", None),
        ("bonjour", None),
        ("", None),
    ],
)
def test_a_question_gets_the_staff_answer_it_is_close_to_and_a_near_miss_none(
    town: Town, typed: str, key: str | None
):
    found = matching_answer(town, typed)

    assert (found.key if found else None) == key


def test_a_town_without_staff_answers_matches_nothing():
    plain = parse_town(TOWN_FILE.read_text(encoding="utf-8"), "test")

    assert plain.answers == {}
    assert matching_answer(plain, "Où jeter mes déchets verts ?") is None


def test_normalising_drops_case_accents_punctuation_and_filler_words():
    assert (
        normalized("  Où est l'ÉGLISE, s'il-vous-plaît ?!  ") == "ou est l eglise s il vous plait"
    )
    assert content_words("Où jeter mes déchets verts ?") == ("jet", "dechet", "vert")
    assert content_words("Bonjour ?") == ("bonjour",)  # nothing else: kept whole


@pytest.mark.parametrize(
    ("entry", "key", "reason"),
    [
        ("questions: []", "answers.vide.questions", "liste vide : au moins un élément attendu"),
        ("questions: ['  ']", "answers.vide.questions.0", "texte vide"),
        ("questions: [a]\n    answer: ''", "answers.vide.answer", "texte vide"),
    ],
)
def test_a_wrong_answer_in_the_town_file_is_named_with_its_reason(
    entry: str, key: str, reason: str
):
    text = TOWN_FILE.read_text(encoding="utf-8")
    if "answer:" not in entry:
        entry += "\n    answer: Une réponse."
    broken = f"{text}\nanswers:\n  vide:\n    {entry}\n    checked: 2026-11-20\n"

    with pytest.raises(TownContentError) as refused:
        parse_town(broken, "trilport.yml")

    assert (refused.value.key, refused.value.reason) == (key, reason)
