from alembic import context

from academy.authoring import import_stash  # noqa: F401  (registers the tables)
from academy.authoring import models as authoring_models  # noqa: F401  (registers the tables)
from academy.learning import models as learning_models  # noqa: F401
from academy.org import models as org_models  # noqa: F401
from academy.platform.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
