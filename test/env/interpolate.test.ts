import { describe, expect, it } from 'vitest';
import { interpolate, MAX_INTERPOLATION_NESTING, referencedVariables, type Lookup } from '../../src/config/env/interpolate.js';

// The mapping of compose-go's template_test.go: FOO set, BAR set but empty, JSON set.
const defaults: Record<string, string> = { FOO: 'first', BAR: '', JSON: '{"json":2}' };
const lookup: Lookup = (name) => (Object.prototype.hasOwnProperty.call(defaults, name) ? defaults[name] : undefined);

interface InterpolationCase {
  template: string;
  expected: string;
  source: string;
}

const cases: InterpolationCase[] = [
  { template: '$${foo}', expected: '${foo}', source: 'TestEscaped' },
  { template: 'foo', expected: 'foo', source: 'TestSubstituteNoMatch' },
  { template: 'a $ string', expected: 'a $ string', source: 'TestUnescaped' },
  { template: '^REGEX$', expected: '^REGEX$', source: 'TestUnescaped' },
  { template: '$}', expected: '$}', source: 'TestUnescaped' },
  { template: '$', expected: '$', source: 'TestUnescaped' },
  { template: '$1 and $-', expected: '$1 and $-', source: 'template.go pattern: a $ not followed by a name, { or $ is literal' },
  { template: '$FOO-bar', expected: 'first-bar', source: 'TestNonBraced' },
  { template: 'This ${missing} var', expected: 'This  var', source: 'TestNoValueNoDefault' },
  { template: 'This ${BAR} var', expected: 'This  var', source: 'TestNoValueNoDefault' },
  { template: 'This $FOO var', expected: 'This first var', source: 'TestValueNoDefault' },
  { template: 'ok ${missing:-def}', expected: 'ok def', source: 'TestNoValueWithDefault' },
  { template: 'ok ${missing-def}', expected: 'ok def', source: 'TestNoValueWithDefault' },
  { template: '${A:+${A},}B', expected: 'B', source: 'TestLazyDefaultDoesNotWarn' },
  { template: 'ok ${BAR:-def}', expected: 'ok def', source: 'TestEmptyValueWithSoftDefault' },
  { template: 'ok ${FOO:-def}', expected: 'ok first', source: 'TestValueWithSoftDefault' },
  { template: 'ok ${BAR-def}', expected: 'ok ', source: 'TestEmptyValueWithHardDefault' },
  { template: 'ok ${UNSET_VAR:+presence_value}', expected: 'ok ', source: 'TestPresentValueWithUnset' },
  { template: 'ok ${UNSET_VAR+presence_value}', expected: 'ok ', source: 'TestPresentValueWithUnset2' },
  { template: 'ok ${FOO:+presence_value}', expected: 'ok presence_value', source: 'TestPresentValueWithNonEmpty' },
  { template: 'ok ${BAR+presence_value}', expected: 'ok presence_value', source: 'TestPresentValueWithSet' },
  { template: 'ok ${BAR:+presence_value}', expected: 'ok ', source: 'TestPresentValueAndNotEmptyWithSet' },
  { template: 'ok ${BAR:-/non:-alphanumeric}', expected: 'ok /non:-alphanumeric', source: 'TestNonAlphanumericDefault' },
  { template: '+ok ${UNSET:-${BAR-defaultValue}}', expected: '+ok ', source: 'TestInterpolationExternalInterference' },
  { template: ':?ok ${BAR:-defaultValue}', expected: ':?ok defaultValue', source: 'TestInterpolationExternalInterference' },
  { template: 'ok ${UNSET_VAR-${FOO} ${FOO}}', expected: 'ok first first', source: 'TestDefaultsWithNestedExpansion' },
  { template: 'ok ${BAR+$FOO ${FOO:+second}}', expected: 'ok first second', source: 'TestDefaultsWithNestedExpansion' },
  { template: 'ok ${FOO:?err}', expected: 'ok first', source: 'TestDefaultsForMandatoryVariables' },
  { template: 'ok ${BAR?err}', expected: 'ok ', source: 'TestDefaultsForMandatoryVariables: ? only fails when unset' },
  { template: '${UNSET_VAR-myerror?msg}', expected: 'myerror?msg', source: 'template_test: first operator after the name decides' },
  { template: '${FOO?bar-baz}', expected: 'first', source: 'template_test: ? with a - inside the message' },
  { template: '${A:-x}${B:-y}', expected: 'xy', source: 'template.go: greedy match cut at the closing brace, the rest substituted' },
  { template: '${A:-x} and ${FOO}!', expected: 'x and first!', source: 'template.go: text after a defaulted reference on the same line' },
  { template: '${A:-{}', expected: '{', source: 'template.go getFirstBraceClosingIndex: no closing found, default runs to the last }' },
  { template: '${A:-a}b}', expected: 'ab}', source: 'template.go: the default stops at its closing brace' },
  { template: '$JSON', expected: '{"json":2}', source: 'template_test mapping: values are not re-interpolated' },
  { template: '${foo:-lower}', expected: 'lower', source: 'template.go pattern (?i): lower-case names are names' },
  { template: 'http://localstack:${LOCALSTACK_PORT:-4566}', expected: 'http://localstack:4566', source: 'seed DEV_AWS_ENDPOINT' },
];

describe('interpolate', () => {
  it.each(cases)('$source: $template', ({ template, expected }) => {
    const result = interpolate(template, lookup);
    expect(result.issues).toEqual([]);
    expect(result.value).toBe(expected);
  });

  it('lists every referenced name and the unset ones Compose warns about', () => {
    const result = interpolate('$FOO ${MISSING} ${A:-${B}} ${C:?need}', (name) => (name === 'FOO' || name === 'C' ? 'v' : undefined));
    expect(result.variables).toEqual(['FOO', 'MISSING', 'A', 'B', 'C']);
    expect(result.unset).toEqual(['MISSING', 'B']);
  });
});

describe('interpolation errors', () => {
  it.each([
    { template: 'not ok ${UNSET_VAR:?Mandatory Variable Unset}', variable: 'UNSET_VAR', message: 'required variable UNSET_VAR is missing a value: Mandatory Variable Unset' },
    { template: 'not ok ${BAR:?Mandatory Variable Empty}', variable: 'BAR', message: 'required variable BAR is missing a value: Mandatory Variable Empty' },
    { template: 'not ok ${UNSET_VAR:?}', variable: 'UNSET_VAR', message: 'required variable UNSET_VAR is missing a value' },
    { template: 'not ok ${UNSET_VAR?Mandatory Variable Unset}', variable: 'UNSET_VAR', message: 'required variable UNSET_VAR is missing a value: Mandatory Variable Unset' },
    { template: 'not ok ${UNSET_VAR?}', variable: 'UNSET_VAR', message: 'required variable UNSET_VAR is missing a value' },
    { template: 'not ok ${UNSET_VAR:?Mandatory ${FOO}}', variable: 'UNSET_VAR', message: 'required variable UNSET_VAR is missing a value: Mandatory first' },
  ])('TestMandatoryVariableErrors: $template', ({ template, variable, message }) => {
    expect(interpolate(template, lookup).issues).toEqual([{ kind: 'required', variable, message }]);
  });

  it.each(['${', '${}', '${ }', '${ foo}', '${foo }', '${foo!}', '${A:x}', '${A:-no closing brace', '${A:-x\n}'])(
    'TestInvalid: %j is a syntax error',
    (template) => {
      const issues = interpolate(template, lookup).issues;
      expect(issues.map((issue) => issue.kind)).toEqual(['syntax']);
    },
  );

  it('does not evaluate a default it does not need (TestLazyRequiredMessageDoesNotWarn)', () => {
    expect(interpolate('${FOO?${B}}', lookup)).toMatchObject({ value: 'first', issues: [], unset: [] });
    expect(interpolate('${FOO:-${}', lookup).issues).toEqual([]);
  });

  it('reports nesting beyond the limit instead of recursing', () => {
    const depth = MAX_INTERPOLATION_NESTING + 5;
    const template = '${A:-'.repeat(depth) + 'x' + '}'.repeat(depth);
    const result = interpolate(template, () => undefined);
    expect(result.issues.map((issue) => issue.kind)).toEqual(['syntax']);
    const shallow = '${A:-'.repeat(3) + 'x' + '}'.repeat(3);
    expect(interpolate(shallow, () => undefined)).toMatchObject({ value: 'x', issues: [] });
  });
});

describe('referencedVariables', () => {
  it.each([
    { template: '$FOO', expected: [{ name: 'FOO', hasDefault: false, required: false }] },
    { template: '${FOO}', expected: [{ name: 'FOO', hasDefault: false, required: false }] },
    { template: '${FOO:-x}', expected: [{ name: 'FOO', hasDefault: true, required: false, operator: ':-' }] },
    { template: '${FOO-x}', expected: [{ name: 'FOO', hasDefault: true, required: false, operator: '-' }] },
    { template: '${FOO:?msg}', expected: [{ name: 'FOO', hasDefault: false, required: true, operator: ':?' }] },
    { template: '${FOO?msg}', expected: [{ name: 'FOO', hasDefault: false, required: true, operator: '?' }] },
    { template: '${FOO:+x}', expected: [{ name: 'FOO', hasDefault: false, required: false, operator: ':+' }] },
    {
      template: '${A:-${B:-x}}',
      expected: [
        { name: 'A', hasDefault: true, required: false, operator: ':-' },
        { name: 'B', hasDefault: true, required: false, operator: ':-' },
      ],
    },
    {
      template: '${A:-$B}/${C}',
      expected: [
        { name: 'A', hasDefault: true, required: false, operator: ':-' },
        { name: 'B', hasDefault: false, required: false },
        { name: 'C', hasDefault: false, required: false },
      ],
    },
    { template: '$$FOO ${', expected: [] },
    { template: '${A:?${B}}', expected: [{ name: 'A', hasDefault: false, required: true, operator: ':?' }] },
    { template: '$A $A', expected: [{ name: 'A', hasDefault: false, required: false }] },
  ])('$template', ({ template, expected }) => {
    expect(referencedVariables(template)).toEqual(expected);
  });

  it('reads the variables of a compose file string like ExtractVariables', () => {
    const names = referencedVariables('${POSTGRES_USER:-root}:${POSTGRES_PASSWORD:?set it}@${HOST}').map((variable) => [variable.name, variable.hasDefault, variable.required]);
    expect(names).toEqual([
      ['POSTGRES_USER', true, false],
      ['POSTGRES_PASSWORD', false, true],
      ['HOST', false, false],
    ]);
  });
});
