"""Results written back to the EHR (outbox pattern): see ``service.py``."""
