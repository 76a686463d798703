import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debianMirror, PrerequisiteError, run, slim, streamed, unmountUnder } from './oci-base';

/**
 * A stand-in for the `postgres` service's image where Docker Hub is out of reach (compose-e2e.ts):
 * Debian bookworm `minbase` with Debian's postgresql-15 (debootstrap from this machine's apt mirror),
 * and an entrypoint that does what docker/compose.yml and init-databases.sql rely on from the official
 * image. It is named for what it is, never `postgres:16`; compose.yml takes it through
 * PRISM_POSTGRES_IMAGE. How it differs from the official image: docker/README.md ("Compose e2e").
 */
export const POSTGRES_STAND_IN = 'localhost/prism-standin-postgres:15';
export const POSTGRES_STAND_IN_LABEL = 'org.prism.stand-in';
const PG_BIN = '/usr/lib/postgresql/15/bin';
const PGDATA = '/var/lib/postgresql/data';

type Output = (line: string) => void;

/**
 * The official image's contract, as far as this project uses it: POSTGRES_USER (superuser, default
 * postgres), POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (created
 * when it is not `postgres`; default POSTGRES_USER), POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD
 * (default scram-sha-256); on an empty PGDATA: initdb, `host all all all <method>` in pg_hba.conf,
 * `listen_addresses = '*'`, then /docker-entrypoint-initdb.d/*.sql and *.sh run (in name order) on a
 * server listening on the Unix socket only, which is then stopped; last, postgres is exec'd as PID 1
 * as the `postgres` user (STOPSIGNAL SIGINT: a fast shutdown, as the official image's).
 */
export const ENTRYPOINT = `#!/bin/bash
# Stand-in for the official postgres image's docker-entrypoint.sh (the parts this project uses).
set -Eeo pipefail

if [ "\${1#-}" != "$1" ]; then set -- postgres "$@"; fi

if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 2777 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

if [ "$1" = 'postgres' ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "\${POSTGRES_USER:=postgres}"
  : "\${POSTGRES_DB:=$POSTGRES_USER}"
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
    echo >&2 'error: the database is uninitialized and POSTGRES_PASSWORD is not set (or set POSTGRES_HOST_AUTH_METHOD=trust)'
    exit 1
  fi
  : "\${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
  pwfile="$(mktemp)"
  printf '%s\\n' "$POSTGRES_PASSWORD" > "$pwfile"
  # shellcheck disable=SC2086
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" -D "$PGDATA" $POSTGRES_INITDB_ARGS
  rm -f "$pwfile"
  printf '\\nhost all all all %s\\n' "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"
  printf "\\nlisten_addresses = '*'\\n" >> "$PGDATA/postgresql.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
  export PGPASSWORD="$POSTGRES_PASSWORD"
  psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  if [ "$POSTGRES_DB" != 'postgres' ]; then
    "\${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sql) echo "$0: running $f"; "\${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sh) echo "$0: running $f"; . "$f" ;;
      *) [ -e "$f" ] && echo "$0: ignoring $f" ;;
    esac
  done
  unset PGPASSWORD
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
`;

/** The stand-in in podman's storage, built once (`podman rmi ${POSTGRES_STAND_IN}` drops it). */
export async function ensurePostgresStandIn(output: Output): Promise<void> {
  if (run('podman', ['image', 'exists', POSTGRES_STAND_IN], { ok: true }) === 0) {
    output(`postgres: reusing the stand-in ${POSTGRES_STAND_IN} (drop it with: podman rmi ${POSTGRES_STAND_IN})`);
    return;
  }
  if (!existsSync('/usr/sbin/debootstrap') && !existsSync('/usr/bin/debootstrap')) {
    throw new PrerequisiteError(`debootstrap not found (needed once, to build ${POSTGRES_STAND_IN}): apt-get install debootstrap`);
  }
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'prism-pg-base-'));
  const rootfs = join(work, 'rootfs');
  try {
    const mirror = debianMirror();
    output(`postgres: building the stand-in ${POSTGRES_STAND_IN} (debootstrap bookworm minbase + postgresql-15 from ${mirror}; postgres:16 cannot be pulled here)`);
    await streamed(['debootstrap', '--variant=minbase', '--include=postgresql-15', 'bookworm', rootfs, mirror], (line) => /^[EW]:/.test(line) && output(line), '   debootstrap: ');
    unmountUnder(rootfs, output);
    // The package's own cluster (pg_createcluster in its postinst) is not the image's: PGDATA is.
    rmSync(join(rootfs, 'etc/postgresql/15/main'), { recursive: true, force: true });
    rmSync(join(rootfs, 'var/lib/postgresql/15/main'), { recursive: true, force: true });
    slim(rootfs);
    const entrypoint = join(rootfs, 'usr/local/bin/docker-entrypoint.sh');
    writeFileSync(entrypoint, ENTRYPOINT);
    chmodSync(entrypoint, 0o755);
    const changes = [
      `ENV PATH=${PG_BIN}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      `ENV PGDATA=${PGDATA}`,
      'ENV LANG=C.UTF-8',
      `VOLUME ${PGDATA}`,
      'EXPOSE 5432',
      'STOPSIGNAL SIGINT',
      'ENTRYPOINT ["docker-entrypoint.sh"]',
      'CMD ["postgres"]',
      `LABEL ${POSTGRES_STAND_IN_LABEL}="debootstrap bookworm minbase + Debian postgresql-15, entrypoint of scripts/docker/postgres-stand-in.ts"`,
    ];
    const script = `tar --numeric-owner -C "$1" -cf - . | podman import ${changes.map((c) => `--change '${c}'`).join(' ')} --message 'stand-in for the postgres image' - ${POSTGRES_STAND_IN}`;
    await streamed(['/bin/sh', '-c', script, 'import', rootfs], (line) => /rror/.test(line) && output(line), '   import: ');
    output(`postgres: stand-in ${POSTGRES_STAND_IN} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    unmountUnder(rootfs, output);
    rmSync(work, { recursive: true, force: true });
  }
}
