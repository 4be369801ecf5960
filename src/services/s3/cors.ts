/** One CORS rule of a bucket, as S3 stores it. */
export interface CorsRule {
  allowedHeaders: string[];
  allowedMethods: string[];
  allowedOrigins: string[];
  exposeHeaders: string[];
}

/**
 * The rules the submodule's LocalStack init script sets: browsers may upload and download
 * from any origin, and see the ETag of what they uploaded.
 */
export const chainlitCorsRules: readonly CorsRule[] = [
  { allowedHeaders: ['*'], allowedMethods: ['GET', 'POST', 'PUT'], allowedOrigins: ['*'], exposeHeaders: ['ETag'] },
];

export function corsToXml(rules: readonly CorsRule[]): string {
  const ruleXml = rules.map((rule) =>
    [
      '<CORSRule>',
      ...rule.allowedHeaders.map((value) => element('AllowedHeader', value)),
      ...rule.allowedMethods.map((value) => element('AllowedMethod', value)),
      ...rule.allowedOrigins.map((value) => element('AllowedOrigin', value)),
      ...rule.exposeHeaders.map((value) => element('ExposeHeader', value)),
      '</CORSRule>',
    ].join(''),
  );
  return `<?xml version="1.0" encoding="UTF-8"?><CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${ruleXml.join('')}</CORSConfiguration>`;
}

/** Reads the rules out of a GetBucketCors answer (a fixed, flat shape: a regex is enough). */
export function parseCorsXml(xml: string): CorsRule[] {
  const rules: CorsRule[] = [];
  for (const match of xml.matchAll(/<CORSRule>([\s\S]*?)<\/CORSRule>/g)) {
    const body = match[1] ?? '';
    rules.push({
      allowedHeaders: values(body, 'AllowedHeader'),
      allowedMethods: values(body, 'AllowedMethod'),
      allowedOrigins: values(body, 'AllowedOrigin'),
      exposeHeaders: values(body, 'ExposeHeader'),
    });
  }
  return rules;
}

function values(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => unescapeXml((match[1] ?? '').trim()));
}

function element(tag: string, value: string): string {
  return `<${tag}>${escapeXml(value)}</${tag}>`;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
