"""Environments (dev → staging → prod): promote a model version between registries or by alias."""
