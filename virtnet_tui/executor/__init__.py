"""Applies plans: run directories, journal, backups, checkpoints, guard, rollback."""
