"""The composition root: Litestar app, settings, CLI and telemetry wiring."""
