"""Relief diaries: timed pain prompts after a diagnostic block, and the SCS trial daily diary."""
