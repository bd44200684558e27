'use strict';
// The handler end to end: a real PostgreSQL over TLS and moto for Secrets Manager and S3, with
// the environment of the deployed function. Started by tests/integration/api_postgres.rs, which
// applies the platform with fuelflow, starts both servers and sets:
//   the function's variables as the stack set them (DB_HOST/DB_PORT pointed at the local server),
//   AWS_ENDPOINT_URL (moto), NODE_PATH (the SDK clients the Lambda runtime would provide),
//   NODE_EXTRA_CA_CERTS (the local server's self-signed certificate).
// Not matched by `node --test`'s default patterns: it needs those servers.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createHandler } = require('../index.js');
const pg = require('pg');

const env = process.env;
for (const name of ['DB_SECRET_ARN', 'DB_HOST', 'DB_PORT', 'DB_NAME', 'DATA_BUCKET', 'AWS_ENDPOINT_URL']) {
  if (!env[name]) throw new Error(`${name} is not set: run this through cargo test --test integration api_postgres`);
}

const handlers = [];
/** A new container: nothing cached, its own pool. */
function container() {
  const handler = createHandler({ log: () => {} });
  handlers.push(handler);
  return handler;
}
test.after(() => Promise.all(handlers.map((h) => h.close())));

const call = (handler, method, path, extra = {}) => handler({ httpMethod: method, path, resource: '/{proxy+}', ...extra });
const json = (res) => JSON.parse(res.body);

/** A direct connection with the secret's credentials, to look at what the handler wrote. */
async function direct(ssl = { rejectUnauthorized: true }) {
  const { SecretsManagerClient, GetSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
  const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: env.DB_SECRET_ARN }));
  const secret = JSON.parse(out.SecretString);
  const client = new pg.Client({
    host: env.DB_HOST,
    port: Number(env.DB_PORT),
    database: env.DB_NAME,
    user: secret.username,
    password: secret.password,
    ssl,
  });
  await client.connect();
  return client;
}

const api = container();

test('deep health reads the generated secret and runs SELECT 1 over TLS', async () => {
  const res = await call(api, 'GET', '/health', { queryStringParameters: { deep: '1' } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(json(res), {
    status: 'ok',
    database: { configured: true, host: env.DB_HOST, port: Number(env.DB_PORT), name: env.DB_NAME, reachable: true },
  });
});

test('POST /deliveries stores a delivery; GET /deliveries/{id} reads it back; 404 when missing', async () => {
  const body = { station_id: 'st-e2e', fuel_type: 'adblue', litres: 1234.567, delivered_at: '2026-01-15T07:45:30.25+02:00' };
  const created = await call(api, 'POST', '/deliveries', { body: JSON.stringify(body) });
  assert.equal(created.statusCode, 201, created.body);
  const record = json(created);
  assert.match(record.id, /^[0-9a-f-]{36}$/);
  assert.equal(created.headers.location, `/deliveries/${record.id}`);
  assert.deepEqual(
    { ...record, id: undefined, created_at: undefined },
    { ...body, delivered_at: '2026-01-15T05:45:30.250Z', id: undefined, created_at: undefined },
  );
  assert.ok(Math.abs(Date.parse(record.created_at) - Date.now()) < 60000, record.created_at);

  const read = await call(api, 'GET', `/deliveries/${record.id.toUpperCase()}`);
  assert.deepEqual([read.statusCode, json(read)], [200, record]);
  const missing = await call(api, 'GET', '/deliveries/00000000-0000-4000-8000-000000000000');
  assert.equal(missing.statusCode, 404);

  const invalid = await call(api, 'POST', '/deliveries', { body: JSON.stringify({ ...body, fuel_type: 'coal' }) });
  assert.equal(invalid.statusCode, 400);

  const db = await direct();
  try {
    const { rows } = await db.query('SELECT litres::text, delivered_at FROM deliveries WHERE id = $1', [record.id]);
    assert.deepEqual(rows, [{ litres: '1234.567', delivered_at: new Date('2026-01-15T05:45:30.250Z') }]);
  } finally {
    await db.end();
  }
});

test('the migration is applied once, even by containers starting together', async () => {
  const cold = [container(), container(), container()];
  const answers = await Promise.all(cold.map((h) => call(h, 'GET', '/deliveries', { queryStringParameters: { limit: '1' } })));
  assert.deepEqual(answers.map((r) => r.statusCode), [200, 200, 200]);
  const db = await direct();
  try {
    const { rows } = await db.query('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows, [{ version: 1 }]);
    const tables = await db.query(
      "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    assert.deepEqual(tables.rows.map((r) => r.tablename), ['deliveries', 'schema_migrations']);
  } finally {
    await db.end();
  }
});

test('GET /deliveries pages newest first with keyset cursors: every row once, in a total order', async () => {
  // Three deliveries share one time: the id breaks the tie, so no page boundary loses one.
  const times = ['2026-02-01T10:00:00Z', '2026-02-01T10:00:00Z', '2026-02-01T10:00:00Z', '2026-02-02T08:00:00Z', '2025-12-31T23:59:59.999Z'];
  for (const [i, delivered_at] of times.entries()) {
    const res = await call(api, 'POST', '/deliveries', {
      body: JSON.stringify({ station_id: `st-${i}`, fuel_type: 'diesel', litres: 1000 + i, delivered_at }),
    });
    assert.equal(res.statusCode, 201, res.body);
  }
  const db = await direct();
  let expected;
  try {
    const { rows } = await db.query('SELECT id FROM deliveries ORDER BY delivered_at DESC, id DESC');
    expected = rows.map((r) => r.id);
  } finally {
    await db.end();
  }
  assert.ok(expected.length >= 6);

  const seen = [];
  let cursor;
  let pages = 0;
  do {
    const query = cursor ? { limit: '2', cursor } : { limit: '2' };
    const res = await call(api, 'GET', '/deliveries', { queryStringParameters: query });
    assert.equal(res.statusCode, 200, res.body);
    const page = json(res);
    assert.ok(page.items.length <= 2);
    seen.push(...page.items.map((d) => d.id));
    cursor = page.next_cursor;
    pages += 1;
    if (pages === 1) {
      // A delivery newer than every row, stored between two page reads, does not shift the pages.
      const late = await call(api, 'POST', '/deliveries', {
        body: JSON.stringify({ station_id: 'st-late', fuel_type: 'lpg', litres: 1, delivered_at: '2026-02-03T00:00:00Z' }),
      });
      assert.equal(late.statusCode, 201);
    }
  } while (cursor && pages < 50);
  assert.deepEqual(seen, expected);
  assert.equal(pages, Math.ceil(expected.length / 2));

  const whole = json(await call(api, 'GET', '/deliveries', { queryStringParameters: { limit: '100' } }));
  assert.equal(whole.items[0].station_id, 'st-late');
  assert.equal(whole.next_cursor, null);
  const bad = await call(api, 'GET', '/deliveries', { queryStringParameters: { cursor: 'not-a-cursor' } });
  assert.equal(bad.statusCode, 400);
});

test('documents stay in S3: PUT then GET /items/{id} through moto', async () => {
  const put = await call(api, 'PUT', '/items/delivery-note-1', { body: '{"supplier":"acme","pages":2}' });
  assert.equal(put.statusCode, 200, put.body);
  const got = await call(api, 'GET', '/items/delivery-note-1');
  assert.deepEqual([got.statusCode, json(got)], [200, { supplier: 'acme', pages: 2 }]);
  const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');
  const out = await new S3Client({}).send(new GetObjectCommand({ Bucket: env.DATA_BUCKET, Key: 'items/delivery-note-1.json' }));
  assert.equal(await out.Body.transformToString(), '{"supplier":"acme","pages":2}');
});

test('the server refuses a connection without TLS, so the handler used TLS', async () => {
  await assert.rejects(direct(false), (err) => {
    assert.match(err.message, /no encryption/);
    return true;
  });
});
