"""Settings of the db_worker and commands the crash test starts: Kaigong's own, with a short heartbeat lease so
the test sees a dead worker's import go stale in seconds rather than minutes."""

from kaigong.settings import *  # noqa: F403

KAIGONG_IMPORT_STALE_SECONDS = 2
KAIGONG_IMPORT_WRITE_SECONDS_PER_ROW = 0.0001
