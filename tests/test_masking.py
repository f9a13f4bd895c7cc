"""What a kept question hides (arobase/masking.py): e-mail addresses, phone numbers and other
long runs of digits; the short numbers a question needs stay."""

from __future__ import annotations

import pytest

from arobase.masking import EMAIL_MASK, NUMBER_MASK, mask

N, E = NUMBER_MASK, EMAIL_MASK


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("rappelez-moi au 06 12 34 56 78 svp", f"rappelez-moi au {N} svp"),
        ("mon numéro : +33 6 12 34 56 78.", f"mon numéro : {N}."),
        ("0033612345678", N),
        ("tel 06.12.34.56.78 ou 06-12-34-56-78", f"tel {N} ou {N}"),
        ("+33 (0)6 12 34 56 78", N),
        ("0612345678, merci", f"{N}, merci"),
        ("écrivez à jean.dupont@mail.fr pour moi", f"écrivez à {E} pour moi"),
        ("Jean.Dupont+mairie@sous.domaine.example", E),
        ("mon mail jean.dupont @ orange.fr merci", f"mon mail {E} merci"),
        ("06\u201312\u201334\u201356\u201378 ou 06\u200912\u200934\u200956\u200978", f"{N} ou {N}"),
        ("mon numéro de sécu 1 85 05 78 006 084 36", f"mon numéro de sécu {N}"),
        ("185057800608436", N),
        ("IBAN FR76 3000 6000 0112 3456 7890 189", f"IBAN FR{N}"),
        # Ordinary numbers stay: a question needs them.
        ("j'ai 3 enfants", "j'ai 3 enfants"),
        ("la mairie est ouverte le 24/12 ?", "la mairie est ouverte le 24/12 ?"),
        ("le 24/12/2026 à 8 h 30", "le 24/12/2026 à 8 h 30"),
        ("12 rue de la Gare, 77470 Trilport", "12 rue de la Gare, 77470 Trilport"),
        ("de 2025 à 2026", "de 2025 à 2026"),
        ("ça coûte 86 euros ?", "ça coûte 86 euros ?"),
        ("un @ tout seul, ou mairie@", "un @ tout seul, ou mairie@"),
        ("", ""),
    ],
)  # fmt: skip
def test_personal_numbers_and_addresses_are_masked_ordinary_numbers_kept(typed: str, kept: str):
    assert mask(typed) == kept


def test_a_hostile_text_is_masked():
    """A message at the chat's limit made of separators and digits (its time is measured by
    `make bench`: bench/assistant_bench.py, mask_hostile_message)."""
    hostile = ("1 " * 499 + "a") * 2 + "@" * 1000 + "-" * 1000

    masked = mask(hostile)

    assert masked.count(N) == 2
    assert masked.endswith("@" * 1000 + "-" * 1000)
