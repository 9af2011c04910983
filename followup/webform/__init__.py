"""The patient web form: ODI, VAS and, for email patients, every question of a check."""
