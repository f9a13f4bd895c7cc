"""Rasa custom actions: thin wrappers that read the tracker and utter replies built by arobase."""
