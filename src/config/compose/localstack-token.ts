/** The community release the hint points to: the last one that starts without an auth token. */
export const LOCALSTACK_COMMUNITY_RELEASE = 'localstack/localstack:4.12';

/**
 * LocalStack's `:latest` exits with code 55 without LOCALSTACK_AUTH_TOKEN in the container's own
 * environment. The fork's compose file passes no such variable to the container, so setting it
 * in .env changes nothing there; what works is a community release under the name the file uses.
 * `passesToken`: the compose file does hand LOCALSTACK_AUTH_TOKEN to the container.
 */
export function localstackTokenHint(image: string, passesToken: boolean): string {
  const community =
    `run a community release under the name the compose file uses: \`docker pull ${LOCALSTACK_COMMUNITY_RELEASE} && docker tag ${LOCALSTACK_COMMUNITY_RELEASE} ${image}\`, then \`datalayer up\` again`;
  const native = 'or run without Docker: `datalayer down`, then `datalayer up --runtime native`.';
  if (passesToken) return `LocalStack exits with code 55 when its auth token is missing or refused: check LOCALSTACK_AUTH_TOKEN in .env, ${community}, ${native}`;
  return `LocalStack exits with code 55 when it needs an auth token. The compose file passes none to the container, so LOCALSTACK_AUTH_TOKEN in .env cannot help. ${community.charAt(0).toUpperCase()}${community.slice(1)}; ${native}`;
}
