"""The HTTP layer's own parts: request guards (limits, authentication before the body) and the
strict JSON route. The FastAPI app itself is ``docgen.api``."""
