#!/usr/bin/env python
import sys


def main() -> None:
    try:
        # No default settings (config/entry.py): importing ``config`` already refuses without them.
        from config.entry import require_settings_module

        require_settings_module()
    except RuntimeError as missing:
        sys.exit(f"manage.py: {missing}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
