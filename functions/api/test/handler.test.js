'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { createHandler, handler: defaultHandler } = require('../index.js');

const SECRET = { username: 'fuelflow', password: 'p4ss-w0rd-NEVER-SHOWN' };

// Nothing listens on the discard port of the loopback address: the deep health check's
// SELECT 1 is refused at once. Its answered path runs against a real PostgreSQL in
// e2e/postgres.e2e.js (tests/integration/api_postgres.rs).
const CLOSED_HOST = '127.0.0.1';
const CLOSED_PORT = '9';

/** A handler over an in-memory bucket and a fake secret reader; returns the fakes too. */
function setup(overrides = {}) {
  const objects = new Map();
  const calls = { get: [], put: [], secret: [] };
  const logs = [];
  const store = {
    async get(key) {
      calls.get.push(key);
      return objects.has(key) ? objects.get(key) : null;
    },
    async put(key, body) {
      calls.put.push(key);
      objects.set(key, body);
    },
  };
  const readSecret = async (id) => {
    calls.secret.push(id);
    return JSON.stringify(SECRET);
  };
  const handler = createHandler({
    env: {
      DATA_BUCKET: 'fuel-flow-dev-app-data-123456789012',
      DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:fuel-flow-dev-db-AbCdEf',
      DB_HOST: CLOSED_HOST,
      DB_PORT: CLOSED_PORT,
      DB_NAME: 'fuelflow',
    },
    store,
    readSecret,
    log: (record) => logs.push(record),
    ...overrides,
  });
  return { handler, objects, calls, logs };
}

function event(method, path, extra = {}) {
  const items = /^\/items\/([^/]+)$/.exec(path);
  return {
    httpMethod: method,
    path,
    resource: items ? '/items/{id}' : path,
    pathParameters: items ? { id: decodeURIComponent(items[1]) } : null,
    queryStringParameters: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1' },
    ...extra,
  };
}

const json = (res) => JSON.parse(res.body);

test('GET /health answers ok without touching AWS', async () => {
  const { handler, calls } = setup();
  const res = await handler(event('GET', '/health'));
  assert.equal(res.statusCode, 200);
  assert.deepEqual(json(res), { status: 'ok' });
  assert.equal(res.headers['content-type'], 'application/json');
  assert.deepEqual(calls, { get: [], put: [], secret: [] });
});

test('GET /health?deep=1 reports the database settings without credentials, and SELECT 1 failing', async () => {
  const { handler, calls, logs } = setup();
  const res = await handler(event('GET', '/health', { queryStringParameters: { deep: '1' } }));
  assert.equal(res.statusCode, 503);
  assert.deepEqual(json(res), {
    status: 'degraded',
    database: {
      configured: true,
      host: CLOSED_HOST,
      port: 9,
      name: 'fuelflow',
      reachable: false,
      error: 'database unreachable',
    },
  });
  assert.ok(!res.body.includes(SECRET.password), 'the password is never returned');
  assert.ok(!res.body.includes('password'));
  assert.ok(!JSON.stringify(logs).includes(SECRET.password));
  assert.deepEqual(
    logs.filter((r) => r.level === 'error').map((r) => [r.message, r.error]),
    [['database unreachable', 'Error ECONNREFUSED']],
  );
  assert.deepEqual(calls.secret, [
    'arn:aws:secretsmanager:us-east-1:123456789012:secret:fuel-flow-dev-db-AbCdEf',
  ]);
  await handler.close();
});

test('the secret is read lazily and once per container', async () => {
  const { handler, calls } = setup();
  await handler(event('GET', '/health'));
  assert.equal(calls.secret.length, 0, 'a shallow health check does not read the secret');
  await handler(event('GET', '/health', { queryStringParameters: { deep: 'true' } }));
  await handler(event('GET', '/health', { queryStringParameters: { deep: '1' } }));
  assert.equal(calls.secret.length, 1);
});

test('deep health is 503 when the secret cannot be read, and retries later', async () => {
  let fail = true;
  const logs = [];
  const { handler } = setup({
    readSecret: async () => {
      if (fail) {
        const err = new Error(`AccessDenied for ${SECRET.password}`);
        err.name = 'AccessDeniedException';
        throw err;
      }
      return JSON.stringify(SECRET);
    },
    log: (r) => logs.push(r),
  });
  const down = await handler(event('GET', '/health', { queryStringParameters: { deep: '1' } }));
  assert.equal(down.statusCode, 503);
  assert.equal(json(down).status, 'degraded');
  assert.equal(json(down).database.configured, false);
  assert.ok(!down.body.includes(SECRET.password));
  assert.ok(!JSON.stringify(logs).includes(SECRET.password), 'error messages are not logged');
  fail = false;
  const up = await handler(event('GET', '/health', { queryStringParameters: { deep: '1' } }));
  assert.equal(json(up).database.configured, true, 'the secret is read again after a failure');
  await handler.close();
});

test('deep health is 503 for a malformed secret or a missing DB_SECRET_ARN', async () => {
  const notJson = setup({ readSecret: async () => 'not json' }).handler;
  let res = await notJson(event('GET', '/health', { queryStringParameters: { deep: '1' } }));
  assert.equal(res.statusCode, 503);
  const noPassword = setup({ readSecret: async () => '{"username":"fuelflow"}' }).handler;
  res = await noPassword(event('GET', '/health', { queryStringParameters: { deep: '1' } }));
  assert.equal(res.statusCode, 503);
  const unset = setup({ env: { DATA_BUCKET: 'b' } }).handler;
  res = await unset(event('GET', '/health', { queryStringParameters: { deep: '1' } }));
  assert.equal(res.statusCode, 503);
});

test('PUT then GET /items/{id} round-trips the JSON through items/<id>.json', async () => {
  const { handler, objects, calls } = setup();
  const item = { name: 'diesel', litres: 42, tags: ['a', 'b'] };
  const put = await handler(event('PUT', '/items/abc-123', { body: JSON.stringify(item) }));
  assert.equal(put.statusCode, 200);
  assert.deepEqual(json(put), { id: 'abc-123', stored: true });
  assert.deepEqual(calls.put, ['items/abc-123.json']);
  assert.deepEqual(JSON.parse(objects.get('items/abc-123.json')), item);

  const get = await handler(event('GET', '/items/abc-123'));
  assert.equal(get.statusCode, 200);
  assert.deepEqual(json(get), item);
  assert.deepEqual(calls.get, ['items/abc-123.json']);
});

test('PUT accepts a base64-encoded body', async () => {
  const { handler, objects } = setup();
  const body = Buffer.from('{"ok":true}').toString('base64');
  const res = await handler(event('PUT', '/items/b64', { body, isBase64Encoded: true }));
  assert.equal(res.statusCode, 200);
  assert.equal(objects.get('items/b64.json'), '{"ok":true}');
});

test('GET /items/{id} of a missing item is 404', async () => {
  const { handler } = setup();
  const res = await handler(event('GET', '/items/missing'));
  assert.equal(res.statusCode, 404);
  assert.deepEqual(json(res), { error: 'not found', id: 'missing' });
});

test('PUT with invalid JSON or no body is 400 and stores nothing', async () => {
  const { handler, calls } = setup();
  for (const body of ['{not json', '', null]) {
    const res = await handler(event('PUT', '/items/x1', { body }));
    assert.equal(res.statusCode, 400, `body ${JSON.stringify(body)}`);
    assert.equal(json(res).error, 'body must be valid JSON');
  }
  assert.deepEqual(calls.put, []);
});

test('PUT of a body over 256 KiB is 413', async () => {
  const { handler, calls } = setup();
  const body = JSON.stringify({ blob: 'x'.repeat(300 * 1024) });
  const res = await handler(event('PUT', '/items/big', { body }));
  assert.equal(res.statusCode, 413);
  assert.deepEqual(calls.put, []);
});

test('invalid ids are 400 and never reach the bucket', async () => {
  const { handler, calls } = setup();
  const bad = ['..', '../secret', 'a/b', '-leading', 'a b', 'é', 'x'.repeat(129), ''];
  for (const id of bad) {
    for (const method of ['GET', 'PUT']) {
      const e = event(method, '/items/x', { pathParameters: { id }, body: '{}' });
      const res = await handler(e);
      assert.equal(res.statusCode, 400, `${method} id ${JSON.stringify(id)}`);
      assert.match(json(res).error, /invalid id/);
    }
  }
  const missing = await handler(event('GET', '/items/x', { pathParameters: null }));
  assert.equal(missing.statusCode, 400);
  assert.deepEqual(calls.get, []);
  assert.deepEqual(calls.put, []);
});

test('valid ids: letters, digits, "-" and "_" up to 128 characters', async () => {
  const { handler } = setup();
  for (const id of ['a', 'A9', 'item_1-x', 'x'.repeat(128)]) {
    const res = await handler(event('PUT', `/items/${id}`, { body: '1' }));
    assert.equal(res.statusCode, 200, id);
  }
});

test('other methods are 405 with an Allow header; unknown routes are 404', async () => {
  const { handler } = setup();
  let res = await handler(event('DELETE', '/items/a'));
  assert.equal(res.statusCode, 405);
  assert.equal(res.headers.allow, 'GET, PUT');
  res = await handler(event('POST', '/health'));
  assert.equal(res.statusCode, 405);
  assert.equal(res.headers.allow, 'GET');
  res = await handler(event('GET', '/nothing'));
  assert.equal(res.statusCode, 404);
  res = await handler(event('GET', '/items'));
  assert.equal(res.statusCode, 404);
});

test('routes from the path when the resource is a greedy proxy', async () => {
  const { handler } = setup();
  const put = await handler({ httpMethod: 'PUT', path: '/items/p1/', resource: '/{proxy+}', body: '{"v":1}' });
  assert.equal(put.statusCode, 200);
  const get = await handler({ httpMethod: 'GET', path: '/items/p1', resource: '/{proxy+}' });
  assert.deepEqual(json(get), { v: 1 });
  const health = await handler({ httpMethod: 'GET', path: '/health' });
  assert.equal(health.statusCode, 200);
});

test('storage errors are 500 without details, and logged by name only', async () => {
  const logs = [];
  const { handler } = setup({
    store: {
      async get() {
        const err = new Error('socket hang up with secret data');
        err.name = 'TimeoutError';
        throw err;
      },
      async put() {
        throw new Error('boom');
      },
    },
    log: (r) => logs.push(r),
  });
  const get = await handler(event('GET', '/items/a'));
  assert.equal(get.statusCode, 500);
  assert.deepEqual(json(get), { error: 'internal error' });
  const put = await handler(event('PUT', '/items/a', { body: '{}' }));
  assert.equal(put.statusCode, 500);
  const errors = logs.filter((r) => r.level === 'error');
  assert.deepEqual(errors.map((r) => r.error), ['TimeoutError', 'Error']);
  assert.ok(!JSON.stringify(logs).includes('secret data'));
});

test('a stored object that is not JSON is a 500, not a crash', async () => {
  const { handler, objects } = setup();
  objects.set('items/bad.json', '<xml/>');
  const res = await handler(event('GET', '/items/bad'));
  assert.equal(res.statusCode, 500);
});

test('one structured log line per request, without bodies', async () => {
  const { handler, logs } = setup();
  await handler(event('PUT', '/items/logme', { body: '{"private":"value"}' }));
  assert.equal(logs.length, 1);
  assert.deepEqual(
    { method: logs[0].method, path: logs[0].path, status: logs[0].status, requestId: logs[0].requestId },
    { method: 'PUT', path: '/items/logme', status: 200, requestId: 'req-1' },
  );
  assert.ok(!JSON.stringify(logs).includes('private'));
});

test('the module loads without the AWS SDK; /health needs no SDK', async () => {
  assert.equal(typeof defaultHandler, 'function');
  const original = console.log;
  console.log = () => {};
  try {
    const res = await defaultHandler({ httpMethod: 'GET', resource: '/health', path: '/health' });
    assert.equal(res.statusCode, 200);
  } finally {
    console.log = original;
  }
});

test('without DATA_BUCKET item routes fail closed with a 500', async () => {
  const { handler } = setup({ env: {}, store: undefined });
  const res = await handler(event('GET', '/items/a'));
  assert.equal(res.statusCode, 500);
  assert.deepEqual(json(res), { error: 'internal error' });
});
