"""Training-data importer for the Rasa engine (runs in .venv-rasa, Python 3.10).

Rasa 3.6 re-adds every retrieval intent found in the NLU data to the domain, and then warns
that the same intent listed in domain.yml is "duplicated across multiple domain files". So
domain.yml leaves the retrieval intent (`procedure`) out, and this importer adds it back to
the domain used to read stories and rules, which would otherwise report it as unknown.
"""

from __future__ import annotations

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers import utils
from rasa.shared.importers.rasa import RasaFileImporter


class RetrievalIntentImporter(RasaFileImporter):
    def _story_domain(self) -> Domain:
        retrieval_intents = sorted(self.get_nlu_data().retrieval_intents)
        return self.get_domain().merge(Domain.from_dict({"intents": retrieval_intents}))

    def get_stories(self, exclusion_percentage: int | None = None) -> StoryGraph:
        return utils.story_graph_from_paths(
            self._story_files, self._story_domain(), exclusion_percentage
        )

    def get_conversation_tests(self) -> StoryGraph:
        return utils.story_graph_from_paths(self._conversation_test_files, self._story_domain())
