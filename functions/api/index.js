'use strict';
// Fuel Flow API: the Lambda handler behind the REST API (API Gateway proxy integration).
//
//   GET /health            200 {"status":"ok"}; with ?deep=1 also whether the database settings
//                          can be read from Secrets Manager (never the password)
//   GET /items/{id}        the JSON stored at s3://$DATA_BUCKET/items/<id>.json, 404 when missing
//   PUT /items/{id}        stores the JSON body there (400 on an invalid id or invalid JSON)
//
// No package dependencies: the AWS SDK v3 clients the nodejs22.x runtime ships are loaded lazily,
// on first use, and every AWS access goes through `deps`, so tests pass fakes and need no install.

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
  if (path === '/health') return { resource: '/health' };
  const match = /^\/items\/([^/]+)$/.exec(path);
  if (match) {
    let id;
    try {
      id = decodeURIComponent(match[1]);
    } catch {
      id = match[1];
    }
    return { resource: '/items/{id}', id };
  }
  if (path === '/items') return { resource: '/items' };
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
 *   log:        (record) => void, one structured line per request
 */
function createHandler(deps = {}) {
  const env = deps.env || process.env;
  const log = deps.log || ((record) => console.log(JSON.stringify(record)));
  let store = deps.store;
  let readSecret = deps.readSecret;
  let dbSettings; // the promise of the settings, read once per container

  const getStore = () => {
    if (!store) {
      if (!env.DATA_BUCKET) throw new ConfigError('DATA_BUCKET is not set');
      store = s3Store(env.DATA_BUCKET);
    }
    return store;
  };

  /** The database settings: host and port from the environment, credentials from the secret. */
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
        return {
          host: env.DB_HOST || secret.host,
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

  async function health(event) {
    const query = event.queryStringParameters || {};
    if (!isTruthy(query.deep)) return response(200, { status: 'ok' });
    try {
      const db = await databaseSettings();
      // Only what is safe to show: never the user's password (nor the user name).
      return response(200, {
        status: 'ok',
        database: { configured: true, host: db.host || null, port: db.port, name: db.database },
      });
    } catch (err) {
      log({ level: 'error', message: 'database settings unavailable', error: errorName(err) });
      return response(503, {
        status: 'degraded',
        database: { configured: false, error: 'database settings unavailable' },
      });
    }
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

  return async function handler(event = {}) {
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
  };
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
  return (err && (err.name || err.code)) || 'Error';
}

module.exports = { createHandler, handler: createHandler(), s3Store, secretsReader, ID_PATTERN };
