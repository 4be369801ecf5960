/**
 * How the native runtime hands the S3 key pair to its server process: through the environment,
 * never argv (argv is visible to every user in `ps` and echoed by --verbose).
 */
export const S3_ACCESS_KEY_VARIABLE = 'DATALAYER_S3_ACCESS_KEY_ID';
export const S3_SECRET_KEY_VARIABLE = 'DATALAYER_S3_SECRET_ACCESS_KEY';
