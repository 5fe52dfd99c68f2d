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
