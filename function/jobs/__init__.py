"""Asynchronous jobs: what POST /jobs stores and sends, what the worker records, what GET reads."""
