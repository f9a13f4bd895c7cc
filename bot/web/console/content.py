"""The town content edited in the console (admins and editors): exceptional closures and
procedures, stored in the hub's database and merged over the town file.

- `GET /console/contenu`: the closures to come and the latest past ones (the file's, read
  only, and the console's), the procedures with their « vérifié le » date;
- `GET|POST /console/contenu/fermetures/nouvelle`, `GET|POST /console/contenu/fermetures/{id}`,
  `POST /console/contenu/fermetures/{id}/supprimer`: add, change, remove a closure;
- `GET|POST /console/contenu/demarches/{key}`, `POST …/{key}/retablir`: a procedure's answer
  and date (with a preview of the assistant's answer), and the way back to the file's.

The use cases (notifications/town_content.py) check and audit every change; the assistant
picks it up within AROBASE_CONTENT_REFRESH seconds.
"""

from __future__ import annotations

from bot.web.console.auth import Endpoint
from bot.web.console.content_closures import (
    closure_action,
    closure_page,
    new_closure_action,
    new_closure_page,
    remove_action,
)
from bot.web.console.content_pages import content_page
from bot.web.console.content_procedures import procedure_action, procedure_page, revert_action
from bot.web.console.content_render import (
    NEW_CLOSURE_PATH,
    closure_path,
    procedure_path,
    remove_path,
    revert_path,
)
from bot.web.console.render import CONTENT_PATH


def handlers() -> dict[str, dict[str, Endpoint]]:
    """This section's pages, for the console's routes."""
    closure = closure_path(0).removesuffix("0") + "{closure_id:int}"
    procedure = procedure_path("{key}")
    return {
        CONTENT_PATH: {"GET": content_page},
        NEW_CLOSURE_PATH: {"GET": new_closure_page, "POST": new_closure_action},
        closure: {"GET": closure_page, "POST": closure_action},
        remove_path(0).replace("/0/", "/{closure_id:int}/"): {"POST": remove_action},
        procedure: {"GET": procedure_page, "POST": procedure_action},
        revert_path("{key}"): {"POST": revert_action},
    }
