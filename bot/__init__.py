"""Conversational front-ends: the Rasa client, the web chat and the terminal chat."""
