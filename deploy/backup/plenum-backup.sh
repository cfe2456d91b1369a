#!/usr/bin/env bash
# Nightly backup of a Plenum installation: the database (pg_dump, custom
# format) and the data directory's documents and recordings, kept for
# KEEP_DAYS days. Run as the plenum user from a systemd timer or cron:
#   DATABASE_URL=... PLENUM_DATA_DIR=/var/lib/plenum BACKUP_DIR=/srv/backup/plenum \
#     /usr/local/lib/plenum/plenum-backup.sh
# Restore: see deploy/backup/README.md.
set -euo pipefail

: "${DATABASE_URL:?set DATABASE_URL}"
data_dir=${PLENUM_DATA_DIR:-/var/lib/plenum}
backup_dir=${BACKUP_DIR:-/srv/backup/plenum}
keep_days=${KEEP_DAYS:-30}
stamp=$(date -u +%Y%m%dT%H%M%SZ)

umask 077
mkdir -p "$backup_dir"

# The database first: a consistent snapshot; documents uploaded after it
# are still on disk below (a row never exists without its file).
pg_dump --format=custom --compress=6 --no-owner --file="$backup_dir/plenum-$stamp.dump.part" \
  "$DATABASE_URL"
mv "$backup_dir/plenum-$stamp.dump.part" "$backup_dir/plenum-$stamp.dump"

# Documents and recordings: files never change once written, so a
# hard-linked incremental copy costs only what is new.
latest="$backup_dir/files-latest"
target="$backup_dir/files-$stamp"
if [ -d "$latest" ]; then
  rsync -a --delete --link-dest="$latest" "$data_dir/" "$target/"
else
  rsync -a "$data_dir/" "$target/"
fi
# rsync -a gave the copy the data directory's own (old) modification time;
# the rotation below goes by when the copy was made.
touch "$target"
ln -sfn "$target" "$latest"

# Rotation.
find "$backup_dir" -maxdepth 1 -name 'plenum-*.dump' -mtime +"$keep_days" -delete
find "$backup_dir" -maxdepth 1 -type d -name 'files-2*' -mtime +"$keep_days" \
  -exec rm -rf {} +
echo "backup $stamp written to $backup_dir"
