"""Root conftest: scenarios/*.yaml become pytest items through the project's plugin."""
pytest_plugins = ["engine.plugin"]
