"""Persistence commands: SAVE, BGSAVE, LASTSAVE, DUMP, RESTORE (filled in by the RDB issue)."""
