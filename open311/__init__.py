"""Open311 GeoReport v2: its types, a client (JSON and XML, tokens) and an embedded backend.

A leaf package: it imports nothing of ours. Service types are handed to the backend
at construction; whoever mounts it decides where they come from.
"""
