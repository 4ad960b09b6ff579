"""The edge: HTTP service, Alexa and Google adapters, text console, CLI."""
