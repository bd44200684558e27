'use strict';
// PostgreSQL for the handler: a small pool per container over TLS with the server's certificate
// checked, and the schema migrated once per container before the first query.
//
// TLS has no off switch. The server's certificate must chain to a trusted CA: on Lambda the
// stack sets NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem (the runtime's bundle, RDS CAs
// included, which Node.js 20+ runtimes no longer load by default); the end-to-end test points it
// at its own server's self-signed certificate. No `ca` option is passed, since it would replace
// both the well-known and the extra CAs.

// One key for every container of every environment: migrations of one database take turns.
const MIGRATION_LOCK_KEY = 46402016;

/**
 * A database over `settings` ({ host, port, database, user, password }) with the pg module from
 * `loadPg` (loaded on first use). `migrations` are [{ version, statements }] applied in order.
 */
function createDatabase(settings, { migrations = [], loadPg = () => require('pg'), log } = {}) {
  let pool;
  let migrated; // the promise of the migration, once per container while it succeeds

  const getPool = () => {
    if (!pool) {
      const pg = loadPg();
      pool = new pg.Pool({
        ...settings,
        ssl: { rejectUnauthorized: true },
        // Lambda runs one request at a time per container: the migration and a query at most.
        max: 2,
        connectionTimeoutMillis: 5000,
        idleTimeoutMillis: 60000,
        // A script or test using the handler may exit while connections are idle.
        allowExitOnIdle: true,
        statement_timeout: 5000,
        application_name: 'fuel-flow-api',
      });
      // An idle connection the server closed (a frozen container, a failover) must not crash
      // the process; the pool drops it and opens another on the next query.
      pool.on('error', (err) => {
        if (log) log({ level: 'warn', message: 'idle database connection lost', error: err.code || err.name });
      });
    }
    return pool;
  };

  const migrate = () => {
    if (!migrated) {
      migrated = applyMigrations(getPool(), migrations);
      migrated.catch(() => {
        migrated = undefined; // not cached: the next request tries again
      });
    }
    return migrated;
  };

  return {
    /** Runs one statement after the migration. */
    async query(text, values) {
      await migrate();
      return getPool().query(text, values);
    },
    /** `SELECT 1` without waiting for the migration: is the database reachable and ours. */
    async ping() {
      const { rows } = await getPool().query('SELECT 1 AS ok');
      return rows[0].ok === 1;
    },
    async close() {
      if (pool) await pool.end();
      pool = undefined;
      migrated = undefined;
    },
  };
}

/**
 * Applies the versions not yet recorded in `schema_migrations`, in one transaction under a
 * transaction-scoped advisory lock: containers starting together would otherwise race on
 * CREATE TABLE IF NOT EXISTS (which is not safe concurrently in PostgreSQL) and on the versions.
 */
async function applyMigrations(pool, migrations) {
  const client = await pool.connect();
  let failure;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      for (const statement of m.statements) await client.query(statement);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
    }
    await client.query('COMMIT');
  } catch (err) {
    failure = err;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release(failure); // a connection that failed mid-transaction is not reused
  }
}

module.exports = { createDatabase, applyMigrations, MIGRATION_LOCK_KEY };
