'use strict';
// Fuel Flow API: the Lambda handler behind the REST API (API Gateway proxy integration).
//
//   GET  /health             200 {"status":"ok"}; with ?deep=1 also reads the database settings
//                            from Secrets Manager and runs SELECT 1 (never shows the password)
//   POST /deliveries         stores a fuel delivery in PostgreSQL: 201 with the record and its id
//   GET  /deliveries         newest first, keyset pages: ?limit=1..100&cursor=<next_cursor>
//   GET  /deliveries/{id}    one delivery, 404 when missing
//   GET  /items/{id}         documents: the JSON at s3://$DATA_BUCKET/items/<id>.json, 404 if missing
//   PUT  /items/{id}         stores the JSON body there (400 on an invalid id or invalid JSON)
//
// The AWS SDK v3 clients come with the nodejs22.x runtime and are loaded lazily, on first use;
// `pg` is vendored in node_modules (see package-lock.json). Every dependency goes through `deps`,
// so the unit tests need no install and the end-to-end test runs the real ones.

const { createDatabase } = require('./db.js');
const deliveries = require('./deliveries.js');

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const MAX_BODY_BYTES = 256 * 1024;

/**
 * Storage of items in the app-data bucket through the AWS SDK, `@aws-sdk/client-s3` unless
 * `loadSdk` gives another module (tests); loaded on first use.
 */
function s3Store(bucket, loadSdk = () => require('@aws-sdk/client-s3')) {
  let sdk;
  let client;
  const s3 = () => {
    sdk = sdk || loadSdk();
    client = client || new sdk.S3Client({});
    return { sdk, client };
  };
  return {
    async get(key) {
      const { sdk, client } = s3();
      try {
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
        return await out.Body.transformToString('utf8');
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },
    async put(key, body) {
      const { sdk, client } = s3();
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
        }),
      );
    },
  };
}

/** Reads a secret's string through the AWS SDK (`@aws-sdk/client-secrets-manager`, loaded on first use). */
function secretsReader(loadSdk = () => require('@aws-sdk/client-secrets-manager')) {
  let sdk;
  let client;
  return async (secretId) => {
    sdk = sdk || loadSdk();
    client = client || new sdk.SecretsManagerClient({});
    const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
    return out.SecretString;
  };
}

function isNotFound(err) {
  return (
    err != null &&
    (err.name === 'NoSuchKey' ||
      err.name === 'NotFound' ||
      (err.$metadata && err.$metadata.httpStatusCode === 404))
  );
}

function response(statusCode, body) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

/** The route of a proxy event: the API Gateway resource when known, else the path. */
function route(event) {
  if (event.resource && event.resource !== '/{proxy+}') {
    return { resource: event.resource, id: event.pathParameters && event.pathParameters.id };
  }
  const path = (event.path || '/').replace(/\/+$/, '') || '/';
  const match = /^\/(items|deliveries)\/([^/]+)$/.exec(path);
  if (match) {
    let id;
    try {
      id = decodeURIComponent(match[2]);
    } catch {
      id = match[2];
    }
    return { resource: `/${match[1]}/{id}`, id };
  }
  return { resource: path };
}

function bodyText(event) {
  if (event.body == null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : String(event.body);
}

function isTruthy(value) {
  return value === '1' || value === 'true' || value === 'yes';
}

/**
 * Builds a handler. `deps` (all optional) replace the defaults:
 *   env:        variables (default process.env): DATA_BUCKET, DB_SECRET_ARN, DB_HOST, DB_PORT, DB_NAME
 *   store:      { get(key) -> string | null, put(key, body) }
 *   readSecret: async (secretId) -> the secret's string
 *   loadPg:     () => the `pg` module
 *   now:        () => milliseconds since the epoch
 *   log:        (record) => void, one structured line per request
 */
function createHandler(deps = {}) {
  const env = deps.env || process.env;
  const log = deps.log || ((record) => console.log(JSON.stringify(record)));
  const now = deps.now || Date.now;
  let store = deps.store;
  let readSecret = deps.readSecret;
  let dbSettings; // the promise of the settings, read once per container
  let database; // the pool over those settings, once per container

  const getStore = () => {
    if (!store) {
      if (!env.DATA_BUCKET) throw new ConfigError('DATA_BUCKET is not set');
      store = s3Store(env.DATA_BUCKET);
    }
    return store;
  };

  /**
   * The database settings: host, port and name from the environment the stack sets, the user and
   * password from the secret Secrets Manager generated ({"username":…,"password":…}).
   */
  const databaseSettings = () => {
    if (!dbSettings) {
      dbSettings = (async () => {
        if (!env.DB_SECRET_ARN) throw new ConfigError('DB_SECRET_ARN is not set');
        readSecret = readSecret || secretsReader();
        const text = await readSecret(env.DB_SECRET_ARN);
        let secret;
        try {
          secret = JSON.parse(text);
        } catch {
          throw new ConfigError('the database secret is not JSON');
        }
        if (!secret || typeof secret.username !== 'string' || typeof secret.password !== 'string') {
          throw new ConfigError('the database secret lacks username or password');
        }
        const host = env.DB_HOST || secret.host;
        if (!host) throw new ConfigError('DB_HOST is not set');
        return {
          host,
          port: Number(env.DB_PORT || secret.port || 5432),
          database: env.DB_NAME || secret.dbname || 'fuelflow',
          user: secret.username,
          password: secret.password,
        };
      })();
      // A failure is not cached: the next request tries again.
      dbSettings.catch(() => {
        dbSettings = undefined;
      });
    }
    return dbSettings;
  };

  const getDatabase = async () => {
    if (!database) {
      const settings = await databaseSettings();
      database =
        database ||
        createDatabase(settings, { migrations: deliveries.MIGRATIONS, loadPg: deps.loadPg, log });
    }
    return database;
  };

  const deliveryStore = deliveries.deliveryStore(async (text, values) =>
    (await getDatabase()).query(text, values),
  );

  async function health(event) {
    const query = event.queryStringParameters || {};
    if (!isTruthy(query.deep)) return response(200, { status: 'ok' });
    let db;
    try {
      db = await databaseSettings();
    } catch (err) {
      log({ level: 'error', message: 'database settings unavailable', error: errorName(err) });
      return response(503, {
        status: 'degraded',
        database: { configured: false, error: 'database settings unavailable' },
      });
    }
    // Only what is safe to show: never the user's password (nor the user name).
    const shown = { configured: true, host: db.host, port: db.port, name: db.database };
    try {
      await (await getDatabase()).ping();
      return response(200, { status: 'ok', database: { ...shown, reachable: true } });
    } catch (err) {
      log({ level: 'error', message: 'database unreachable', error: errorName(err) });
      return response(503, {
        status: 'degraded',
        database: { ...shown, reachable: false, error: 'database unreachable' },
      });
    }
  }

  async function createDelivery(event) {
    const text = bodyText(event);
    if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
      return response(413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
    }
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return response(400, { error: 'body must be valid JSON' });
    }
    const { delivery, errors } = deliveries.parseDelivery(body, now());
    if (errors) return response(400, { error: 'invalid delivery', details: errors });
    const stored = await deliveryStore.insert(delivery);
    const res = response(201, stored);
    res.headers.location = `/deliveries/${stored.id}`;
    return res;
  }

  async function getDelivery(id) {
    if (!deliveries.isDeliveryId(id)) {
      return response(400, { error: 'invalid id: a delivery id is a UUID' });
    }
    const found = await deliveryStore.get(id.toLowerCase());
    return found ? response(200, found) : response(404, { error: 'not found', id });
  }

  async function listDeliveries(event) {
    const page = deliveries.parsePage(event.queryStringParameters || {});
    if (page.error) return response(400, { error: page.error });
    return response(200, await deliveryStore.list(page));
  }

  async function getItem(id) {
    const text = await getStore().get(`items/${id}.json`);
    if (text == null) return response(404, { error: 'not found', id });
    try {
      return response(200, JSON.parse(text));
    } catch {
      return response(500, { error: 'stored item is not valid JSON', id });
    }
  }

  async function putItem(id, event) {
    const text = bodyText(event);
    if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
      return response(413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
    }
    let item;
    try {
      item = JSON.parse(text);
    } catch {
      return response(400, { error: 'body must be valid JSON' });
    }
    await getStore().put(`items/${id}.json`, JSON.stringify(item));
    return response(200, { id, stored: true });
  }

  async function dispatch(event) {
    const method = (event.httpMethod || '').toUpperCase();
    const { resource, id } = route(event);
    if (resource === '/health') {
      return method === 'GET' ? health(event) : methodNotAllowed(['GET']);
    }
    if (resource === '/deliveries') {
      if (method === 'GET') return listDeliveries(event);
      return method === 'POST' ? createDelivery(event) : methodNotAllowed(['GET', 'POST']);
    }
    if (resource === '/deliveries/{id}') {
      return method === 'GET' ? getDelivery(id) : methodNotAllowed(['GET']);
    }
    if (resource === '/items/{id}') {
      if (method !== 'GET' && method !== 'PUT') return methodNotAllowed(['GET', 'PUT']);
      if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
        return response(400, {
          error: 'invalid id: 1-128 letters, digits, "-" or "_", starting with a letter or digit',
        });
      }
      return method === 'GET' ? getItem(id) : putItem(id, event);
    }
    return response(404, { error: 'no such route' });
  }

  async function handler(event = {}) {
    const started = Date.now();
    let result;
    try {
      result = await dispatch(event);
    } catch (err) {
      log({ level: 'error', message: 'request failed', error: errorName(err) });
      result = response(500, { error: 'internal error' });
    }
    log({
      level: 'info',
      method: event.httpMethod,
      path: event.path,
      status: result.statusCode,
      ms: Date.now() - started,
      requestId: event.requestContext && event.requestContext.requestId,
    });
    return result;
  }

  /** Ends the pool (tests; Lambda simply freezes the container). */
  handler.close = async () => {
    if (database) await database.close();
    database = undefined;
  };
  return handler;
}

function methodNotAllowed(allowed) {
  const res = response(405, { error: 'method not allowed', allowed });
  res.headers.allow = allowed.join(', ');
  return res;
}

class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Error names only in logs: messages of SDK errors may quote request data. */
function errorName(err) {
  if (err instanceof ConfigError) return `${err.name}: ${err.message}`;
  if (!err) return 'Error';
  // Codes (ECONNREFUSED, PostgreSQL's SQLSTATE) say what failed and never carry data.
  const name = err.name || 'Error';
  return typeof err.code === 'string' ? `${name} ${err.code}` : name;
}

module.exports = { createHandler, handler: createHandler(), s3Store, secretsReader, ID_PATTERN };
