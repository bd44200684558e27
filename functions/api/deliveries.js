'use strict';
// Fuel deliveries: what a valid one is, how a page of them is addressed (keyset cursors), and the
// SQL that stores and reads them. Everything here but `deliveryStore` is pure, so it is tested
// without a database; `deliveryStore` runs against a real PostgreSQL (e2e/postgres.e2e.js).

const FUEL_TYPES = Object.freeze(['diesel', 'petrol', 'lpg', 'adblue']);
const STATION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A date, a time and an explicit offset: a delivery time without a zone is ambiguous.
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_LITRES = 100000; // more than any road tanker carries
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000; // clock skew between the sender and us
const FIELDS = ['station_id', 'fuel_type', 'litres', 'delivered_at'];
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/** The first schema version: the table and the index the list's keyset order walks. */
const MIGRATIONS = Object.freeze([
  {
    version: 1,
    statements: [
      `CREATE TABLE IF NOT EXISTS deliveries (
         id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         station_id text NOT NULL CHECK (station_id ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
         fuel_type text NOT NULL CHECK (fuel_type IN (${FUEL_TYPES.map((t) => `'${t}'`).join(', ')})),
         litres numeric(12, 3) NOT NULL CHECK (litres > 0 AND litres <= ${MAX_LITRES}),
         delivered_at timestamptz NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now()
       )`,
      'CREATE INDEX IF NOT EXISTS deliveries_by_time ON deliveries (delivered_at, id)',
    ],
  },
]);

/**
 * Checks a parsed JSON body. Returns `{ delivery }` (delivered_at normalised to UTC with
 * millisecond precision) or `{ errors }`, one readable sentence per problem.
 */
function parseDelivery(body, now = Date.now()) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { errors: [`the body must be a JSON object with ${FIELDS.join(', ')}`] };
  }
  const errors = [];
  const unknown = Object.keys(body).filter((k) => !FIELDS.includes(k));
  if (unknown.length) errors.push(`unknown field(s): ${unknown.join(', ')}`);

  const { station_id: station, fuel_type: fuel, litres, delivered_at: at } = body;
  if (typeof station !== 'string' || !STATION_PATTERN.test(station)) {
    errors.push('station_id must be 1-64 letters, digits, "-" or "_", starting with a letter or digit');
  }
  if (!FUEL_TYPES.includes(fuel)) {
    errors.push(`fuel_type must be one of ${FUEL_TYPES.join(', ')}`);
  }
  if (typeof litres !== 'number' || !Number.isFinite(litres) || litres <= 0 || litres > MAX_LITRES) {
    errors.push(`litres must be a number greater than 0 and at most ${MAX_LITRES}`);
  } else if (Math.round(litres * 1000) / 1000 !== litres) {
    errors.push('litres must have at most 3 decimal places');
  }
  const time = parseTime(at);
  if (time === null) {
    errors.push('delivered_at must be an ISO 8601 time with a zone, e.g. 2026-01-31T14:05:00Z');
  } else if (time.getTime() > now + FUTURE_TOLERANCE_MS) {
    errors.push('delivered_at must not be in the future');
  }
  if (errors.length) return { errors };
  return {
    delivery: { station_id: station, fuel_type: fuel, litres, delivered_at: time.toISOString() },
  };
}

/** A Date for an ISO 8601 time with a zone whose calendar date exists, else null. */
function parseTime(text) {
  if (typeof text !== 'string') return null;
  const m = ISO_TIME.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second = '0'] = m.slice(1, 7).map((v) => v && Number(v));
  const calendar = new Date(Date.UTC(year, month - 1, day));
  const sameDay =
    calendar.getUTCFullYear() === year &&
    calendar.getUTCMonth() === month - 1 &&
    calendar.getUTCDate() === day;
  if (!sameDay || hour > 23 || minute > 59 || Number(second) > 59) return null;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) ? null : time;
}

function isDeliveryId(id) {
  return typeof id === 'string' && UUID_PATTERN.test(id);
}

/** `limit` and `cursor` of the list's query string: `{ limit, after }` or `{ error }`. */
function parsePage(query = {}) {
  let limit = DEFAULT_LIMIT;
  if (query.limit != null && query.limit !== '') {
    if (!/^\d{1,3}$/.test(query.limit) || Number(query.limit) < 1 || Number(query.limit) > MAX_LIMIT) {
      return { error: `limit must be an integer from 1 to ${MAX_LIMIT}` };
    }
    limit = Number(query.limit);
  }
  if (query.cursor == null || query.cursor === '') return { limit, after: null };
  const after = decodeCursor(query.cursor);
  return after ? { limit, after } : { error: 'invalid cursor: pass next_cursor of the previous page' };
}

/** A cursor names the last row of a page: its delivered_at (microseconds, UTC) and id. */
function encodeCursor(at, id) {
  return Buffer.from(JSON.stringify([at, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor) {
  if (typeof cursor !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  let value;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [at, id] = value;
  if (parseTime(at) === null || !isDeliveryId(id)) return null;
  return { at, id };
}

const COLUMNS = `id, station_id, fuel_type, litres, delivered_at, created_at,
  to_char(delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`;

/** A row as the API shows it (`numeric` comes back from pg as a string, times as Dates). */
function fromRow(row) {
  return {
    id: row.id,
    station_id: row.station_id,
    fuel_type: row.fuel_type,
    litres: Number(row.litres),
    delivered_at: row.delivered_at.toISOString(),
    created_at: row.created_at.toISOString(),
  };
}

/** Deliveries in PostgreSQL through `query(text, values) -> { rows }`. */
function deliveryStore(query) {
  return {
    async insert(d) {
      const { rows } = await query(
        `INSERT INTO deliveries (station_id, fuel_type, litres, delivered_at)
         VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [d.station_id, d.fuel_type, d.litres, d.delivered_at],
      );
      return fromRow(rows[0]);
    },
    async get(id) {
      const { rows } = await query(`SELECT ${COLUMNS} FROM deliveries WHERE id = $1`, [id]);
      return rows.length ? fromRow(rows[0]) : null;
    },
    /** Newest delivery first; ties on delivered_at ordered by id, so the order is total. */
    async list({ limit, after }) {
      const page = after
        ? await query(
            `SELECT ${COLUMNS} FROM deliveries
             WHERE (delivered_at, id) < ($1::timestamptz, $2::uuid)
             ORDER BY delivered_at DESC, id DESC LIMIT $3`,
            [after.at, after.id, limit + 1],
          )
        : await query(
            `SELECT ${COLUMNS} FROM deliveries ORDER BY delivered_at DESC, id DESC LIMIT $1`,
            [limit + 1],
          );
      const rows = page.rows.slice(0, limit);
      const last = rows[rows.length - 1];
      const more = page.rows.length > limit;
      return {
        items: rows.map(fromRow),
        next_cursor: more ? encodeCursor(last.cursor_at, last.id) : null,
      };
    },
  };
}

module.exports = {
  FUEL_TYPES,
  MIGRATIONS,
  parseDelivery,
  parsePage,
  isDeliveryId,
  encodeCursor,
  decodeCursor,
  deliveryStore,
};
