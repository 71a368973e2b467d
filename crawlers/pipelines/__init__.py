"""Item pipelines, one small class per module, chained in settings.ITEM_PIPELINES."""
