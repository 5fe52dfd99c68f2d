"""Every table of the schema, so that Alembic sees the whole metadata."""

from trucewatch.geo import models as geo_models
from trucewatch.incidents import models as incident_models
from trucewatch.ledger import models as ledger_models
from trucewatch.mechanism import models as mechanism_models
from trucewatch.registry import models as registry_models
from trucewatch.reports import models as report_models
from trucewatch.store.base import Base

MODULES = (ledger_models, registry_models, geo_models, report_models, incident_models, mechanism_models)
metadata = Base.metadata

SEARCH_OBJECTS = ("report_search", "ix_reports_search")
"""Full-text search structures the migrations make by hand (FTS5 tables, an expression index)."""


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:  # noqa: FBT001 - Alembic's hook signature
    """Alembic's filter: compare the models' tables, not the search structures beside them."""
    return not (name or "").startswith(SEARCH_OBJECTS)
