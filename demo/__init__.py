"""Demo-only code: the patient-phone simulator (/demo/, 404 unless DEMO_MODE), ``seed_demo`` and
the follow-up histories it writes. It depends on the other apps; none of them imports it."""
