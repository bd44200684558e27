'use strict';
// The SDK adapters, against fake SDK modules shaped like AWS SDK v3 (Client.send(Command)).
const test = require('node:test');
const assert = require('node:assert/strict');
const { s3Store, secretsReader } = require('../index.js');

function fakeS3(objects) {
  const sent = [];
  class Command {
    constructor(input) {
      this.input = input;
    }
  }
  class GetObjectCommand extends Command {}
  class PutObjectCommand extends Command {}
  class S3Client {
    async send(command) {
      sent.push(command);
      const { Bucket, Key } = command.input;
      const key = `${Bucket}/${Key}`;
      if (command instanceof PutObjectCommand) {
        objects.set(key, command.input.Body);
        return {};
      }
      if (!objects.has(key)) {
        const err = new Error('The specified key does not exist.');
        err.name = 'NoSuchKey';
        err.$metadata = { httpStatusCode: 404 };
        throw err;
      }
      const text = objects.get(key);
      return { Body: { transformToString: async () => text } };
    }
  }
  return { sdk: { S3Client, GetObjectCommand, PutObjectCommand }, sent };
}

test('s3Store puts JSON and gets it back; a missing key is null', async () => {
  const objects = new Map();
  const { sdk, sent } = fakeS3(objects);
  let loads = 0;
  const store = s3Store('bucket-1', () => {
    loads += 1;
    return sdk;
  });
  assert.equal(loads, 0, 'the SDK is loaded on first use only');
  await store.put('items/a.json', '{"a":1}');
  assert.equal(await store.get('items/a.json'), '{"a":1}');
  assert.equal(await store.get('items/none.json'), null);
  assert.equal(loads, 1);
  assert.deepEqual(sent[0].input, {
    Bucket: 'bucket-1',
    Key: 'items/a.json',
    Body: '{"a":1}',
    ContentType: 'application/json',
  });
});

test('s3Store passes on errors other than not-found', async () => {
  class S3Client {
    async send() {
      const err = new Error('denied');
      err.name = 'AccessDenied';
      err.$metadata = { httpStatusCode: 403 };
      throw err;
    }
  }
  const store = s3Store('b', () => ({ S3Client, GetObjectCommand: class {}, PutObjectCommand: class {} }));
  await assert.rejects(store.get('items/x.json'), { name: 'AccessDenied' });
});

test('secretsReader returns SecretString for the id asked', async () => {
  const asked = [];
  class GetSecretValueCommand {
    constructor(input) {
      this.input = input;
    }
  }
  class SecretsManagerClient {
    async send(command) {
      asked.push(command.input.SecretId);
      return { SecretString: '{"username":"u","password":"p"}' };
    }
  }
  const read = secretsReader(() => ({ SecretsManagerClient, GetSecretValueCommand }));
  assert.equal(await read('arn:secret'), '{"username":"u","password":"p"}');
  assert.deepEqual(asked, ['arn:secret']);
});
