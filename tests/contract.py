"""The public keys of the NLU contract (shared/nlu-contract.md), relied upon by the web, the
analytics and the project's evaluation: the tests check the domain, training data and town
file against them."""

INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "help", "ask_opening_hours",
    "ask_contact", "procedure", "subscribe", "unsubscribe", "ask_news", "human_handoff",
    "report_problem", "waste_collection", "school_holidays", "out_of_scope",
}  # fmt: skip
SERVICES = {
    "mairie", "urbanisme", "ccas", "mediatheque", "police_municipale", "dechetterie",
    "cimetiere", "periscolaire", "services_techniques", "agence_postale",
}  # fmt: skip
TOPICS = {
    "actualites", "travaux", "ecoles", "conseil", "evenements", "alertes", "videos", "dechets",
}  # fmt: skip
PROBLEMS = {"voirie", "eclairage", "dechets_sauvages", "animal", "bruit", "autre"}
PROCEDURES = {
    "carte_identite", "passeport", "acte_naissance", "acte_mariage", "acte_deces",
    "declaration_naissance", "reconnaissance_enfant", "mariage", "pacs", "listes_electorales",
    "recensement_citoyen", "inscription_scolaire", "inscription_periscolaire",
    "paiement_en_ligne", "permis_construire", "declaration_prealable", "certificat_urbanisme",
    "attestation_accueil", "legalisation_signature", "nouvel_arrivant", "concession_cimetiere",
    "location_salle", "encombrants", "objets_trouves", "aide_sociale",
    "accompagnement_numerique", "carte_grise", "permis_conduire",
}  # fmt: skip
