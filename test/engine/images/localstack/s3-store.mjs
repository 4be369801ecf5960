// The buckets and objects of the LocalStack stand-in, in memory only: like LocalStack community
// (persistence is a Pro feature), everything is gone when the container stops.
import { createHash, randomUUID } from 'node:crypto';

/** An S3 error answer: HTTP status, S3 error code, message. */
export class S3Error extends Error {
  constructor(status, code, message, resource = '') {
    super(message);
    this.status = status;
    this.code = code;
    this.resource = resource;
  }
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Headers S3 stores with an object and gives back on GET/HEAD. */
export const STORED_HEADERS = ['content-type', 'content-encoding', 'content-disposition', 'content-language', 'cache-control', 'expires'];

const md5 = (buffer) => createHash('md5').update(buffer).digest('hex');

export class S3Store {
  buckets = new Map();
  uploads = new Map();

  listBuckets() {
    return [...this.buckets.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  createBucket(name, region) {
    if (!BUCKET_NAME.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
      throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.', name);
    }
    if (this.buckets.has(name)) {
      // AWS answers 200 in its default region and BucketAlreadyOwnedByYou elsewhere.
      if (region === 'us-east-1') return this.buckets.get(name);
      throw new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', name);
    }
    const bucket = { name, region, created: new Date(), cors: null, objects: new Map() };
    this.buckets.set(name, bucket);
    return bucket;
  }

  bucket(name) {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', name);
    return bucket;
  }

  deleteBucket(name) {
    const bucket = this.bucket(name);
    if (bucket.objects.size > 0) throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', name);
    this.buckets.delete(name);
  }

  /** `headers`: the STORED_HEADERS that were sent; `metadata`: the x-amz-meta-* pairs without prefix. */
  putObject(bucketName, key, body, headers, metadata, etag = `"${md5(body)}"`) {
    const bucket = this.bucket(bucketName);
    if (key === '' || Buffer.byteLength(key) > 1024) throw new S3Error(400, 'KeyTooLongError', 'Your key is too long', key);
    const object = { key, body, etag, lastModified: new Date(), headers: { 'content-type': 'binary/octet-stream', ...headers }, metadata };
    bucket.objects.set(key, object);
    return object;
  }

  getObject(bucketName, key) {
    const object = this.bucket(bucketName).objects.get(key);
    if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', key);
    return object;
  }

  deleteObject(bucketName, key) {
    this.bucket(bucketName).objects.delete(key);
  }

  /** ListObjects (v1 and v2): keys after `after`, grouped by `delimiter` under `prefix`. */
  listObjects(bucketName, { prefix = '', delimiter = '', maxKeys = 1000, after = '' }) {
    const keys = [...this.bucket(bucketName).objects.keys()].filter((key) => key.startsWith(prefix) && key > after).sort();
    const contents = [];
    const commonPrefixes = [];
    let last = '';
    for (const key of keys) {
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      const common = cut >= 0 ? key.slice(0, cut + delimiter.length) : undefined;
      // Keys sharing a prefix are contiguous once sorted: they fold into the entry just made.
      if (common === undefined || commonPrefixes.at(-1) !== common) {
        if (contents.length + commonPrefixes.length >= maxKeys) return { contents, commonPrefixes, truncated: true, last };
        if (common === undefined) contents.push(this.getObject(bucketName, key));
        else commonPrefixes.push(common);
      }
      last = key;
    }
    return { contents, commonPrefixes, truncated: false, last };
  }

  createUpload(bucketName, key, headers, metadata) {
    this.bucket(bucketName);
    const id = randomUUID().replace(/-/g, '');
    this.uploads.set(id, { bucket: bucketName, key, headers, metadata, parts: new Map() });
    return id;
  }

  uploadPart(id, number, body) {
    const upload = this.upload(id);
    const etag = `"${md5(body)}"`;
    upload.parts.set(number, { body, etag });
    return etag;
  }

  /** `parts`: the part numbers the client lists, in order; every one must have been uploaded. */
  completeUpload(id, parts) {
    const upload = this.upload(id);
    const chosen = parts.map((number) => {
      const part = upload.parts.get(number);
      if (!part) throw new S3Error(400, 'InvalidPart', 'One or more of the specified parts could not be found.');
      return part;
    });
    const digest = createHash('md5');
    for (const part of chosen) digest.update(Buffer.from(part.etag.replace(/"/g, ''), 'hex'));
    const etag = `"${digest.digest('hex')}-${chosen.length}"`;
    const body = Buffer.concat(chosen.map((part) => part.body));
    this.uploads.delete(id);
    return this.putObject(upload.bucket, upload.key, body, upload.headers, upload.metadata, etag);
  }

  abortUpload(id) {
    this.upload(id);
    this.uploads.delete(id);
  }

  upload(id) {
    const upload = this.uploads.get(id);
    if (!upload) throw new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist.', id);
    return upload;
  }
}
