'use strict';
// What a valid delivery and a valid page request are, and that invalid ones are answered 400
// before any database is asked. Storing and reading deliveries runs against a real PostgreSQL in
// e2e/postgres.e2e.js (tests/integration/api_postgres.rs), never against a fake.
const test = require('node:test');
const assert = require('node:assert/strict');
const { createHandler } = require('../index.js');
const {
  FUEL_TYPES,
  parseDelivery,
  parsePage,
  isDeliveryId,
  encodeCursor,
  decodeCursor,
} = require('../deliveries.js');

const NOW = Date.parse('2026-03-01T12:00:00Z');
const VALID = {
  station_id: 'st-042',
  fuel_type: 'diesel',
  litres: 12500.5,
  delivered_at: '2026-03-01T09:30:00+01:00',
};
const ID = '0b7f2c1e-4d5a-4f6b-9c8d-7e6f5a4b3c2d';

test('a valid delivery is normalised to UTC', () => {
  assert.deepEqual(parseDelivery(VALID, NOW), {
    delivery: { ...VALID, delivered_at: '2026-03-01T08:30:00.000Z' },
  });
  assert.deepEqual(FUEL_TYPES, ['diesel', 'petrol', 'lpg', 'adblue']);
  for (const fuel_type of FUEL_TYPES) {
    assert.ok(parseDelivery({ ...VALID, fuel_type }, NOW).delivery, fuel_type);
  }
  const micro = parseDelivery({ ...VALID, delivered_at: '2026-02-28T23:59:59.123456Z' }, NOW);
  assert.equal(micro.delivery.delivered_at, '2026-02-28T23:59:59.123Z');
});

test('each invalid field has its own message, all at once', () => {
  const { errors } = parseDelivery(
    { station_id: '-x', fuel_type: 'kerosene', litres: '10', delivered_at: '2026-03-01 09:30', extra: 1 },
    NOW,
  );
  assert.deepEqual(errors, [
    'unknown field(s): extra',
    'station_id must be 1-64 letters, digits, "-" or "_", starting with a letter or digit',
    'fuel_type must be one of diesel, petrol, lpg, adblue',
    'litres must be a number greater than 0 and at most 100000',
    'delivered_at must be an ISO 8601 time with a zone, e.g. 2026-01-31T14:05:00Z',
  ]);
});

test('litres: positive, bounded, at most 3 decimals', () => {
  for (const litres of [0, -1, 100000.5, Infinity, NaN, null, true]) {
    assert.ok(parseDelivery({ ...VALID, litres }, NOW).errors, String(litres));
  }
  assert.deepEqual(parseDelivery({ ...VALID, litres: 1.2345 }, NOW).errors, [
    'litres must have at most 3 decimal places',
  ]);
  for (const litres of [0.001, 0.1, 1, 100000]) {
    assert.ok(parseDelivery({ ...VALID, litres }, NOW).delivery, String(litres));
  }
});

test('delivered_at: a real calendar time with a zone, not in the future', () => {
  for (const at of [
    '2026-03-01T09:30:00',
    '2026-02-30T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-03-01T24:00:00Z',
    '2026-03-01T10:60:00Z',
    '1772350000',
    '',
    1772350000000,
  ]) {
    assert.ok(parseDelivery({ ...VALID, delivered_at: at }, NOW).errors, String(at));
  }
  assert.deepEqual(parseDelivery({ ...VALID, delivered_at: '2026-03-01T12:10:00Z' }, NOW).errors, [
    'delivered_at must not be in the future',
  ]);
  assert.ok(parseDelivery({ ...VALID, delivered_at: '2026-03-01T12:04:00Z' }, NOW).delivery, 'clock skew');
  assert.ok(parseDelivery({ ...VALID, delivered_at: '2024-02-29T00:00Z' }, NOW).delivery, 'leap day');
});

test('a body that is not an object is refused', () => {
  for (const body of [null, [], 'diesel', 42]) {
    assert.deepEqual(parseDelivery(body, NOW).errors, [
      'the body must be a JSON object with station_id, fuel_type, litres, delivered_at',
    ]);
  }
});

test('pages: limit 1..100 (20 by default) and cursors that round-trip', () => {
  assert.deepEqual(parsePage({}), { limit: 20, after: null });
  assert.deepEqual(parsePage({ limit: '100' }), { limit: 100, after: null });
  for (const limit of ['0', '101', '-1', '1.5', 'ten', '0x10']) {
    assert.equal(parsePage({ limit }).error, 'limit must be an integer from 1 to 100', limit);
  }
  const cursor = encodeCursor('2026-03-01T08:30:00.123456Z', ID);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/, 'safe in a query string');
  assert.deepEqual(parsePage({ cursor, limit: '5' }), {
    limit: 5,
    after: { at: '2026-03-01T08:30:00.123456Z', id: ID },
  });
  for (const bad of ['x', '!!', encodeCursor('yesterday', ID), encodeCursor(ID, ID), 'W10']) {
    assert.equal(decodeCursor(bad), null, bad);
    assert.match(parsePage({ cursor: bad }).error, /invalid cursor/);
  }
  assert.equal(isDeliveryId(ID), true);
  assert.equal(isDeliveryId(ID.toUpperCase()), true);
  for (const id of ['', '42', `${ID}0`, ID.replace(/-/g, '')]) assert.equal(isDeliveryId(id), false, id);
});

/** A handler with no database settings at all: any query would fail with a 500. */
function noDatabase() {
  const logs = [];
  const handler = createHandler({ env: {}, log: (r) => logs.push(r), now: () => NOW });
  return { handler, logs };
}

const post = (body) => ({
  httpMethod: 'POST',
  path: '/deliveries',
  resource: '/deliveries',
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const json = (res) => JSON.parse(res.body);

test('invalid requests are 400 before any database is asked', async () => {
  const { handler, logs } = noDatabase();
  let res = await handler(post({ ...VALID, litres: -5 }));
  assert.equal(res.statusCode, 400);
  assert.deepEqual(json(res), {
    error: 'invalid delivery',
    details: ['litres must be a number greater than 0 and at most 100000'],
  });
  res = await handler(post('{"station_id":'));
  assert.deepEqual([res.statusCode, json(res).error], [400, 'body must be valid JSON']);
  res = await handler(post('x'.repeat(300 * 1024)));
  assert.equal(res.statusCode, 413);
  res = await handler({ httpMethod: 'GET', path: '/deliveries/not-a-uuid', resource: '/{proxy+}' });
  assert.deepEqual([res.statusCode, json(res).error], [400, 'invalid id: a delivery id is a UUID']);
  res = await handler({ httpMethod: 'GET', resource: '/deliveries', queryStringParameters: { limit: '0' } });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(logs.filter((r) => r.level === 'error'), [], 'nothing failed');
});

test('a valid request without database settings fails closed with a 500', async () => {
  const { handler, logs } = noDatabase();
  const res = await handler(post(VALID));
  assert.deepEqual([res.statusCode, json(res)], [500, { error: 'internal error' }]);
  assert.deepEqual(
    logs.filter((r) => r.level === 'error').map((r) => r.error),
    ['ConfigError: DB_SECRET_ARN is not set'],
  );
});

test('delivery routes: methods other than GET/POST are 405', async () => {
  const { handler } = noDatabase();
  let res = await handler({ httpMethod: 'DELETE', resource: '/deliveries' });
  assert.deepEqual([res.statusCode, res.headers.allow], [405, 'GET, POST']);
  res = await handler({ httpMethod: 'PUT', path: `/deliveries/${ID}`, resource: '/{proxy+}' });
  assert.deepEqual([res.statusCode, res.headers.allow], [405, 'GET']);
});
