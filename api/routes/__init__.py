"""HTTP routes, one module per area; `api.app` composes them."""
