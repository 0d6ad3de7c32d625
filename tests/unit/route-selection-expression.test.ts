import { RouteSelectionExpression } from '../../src/routing/route-selection-expression';

const evaluate = (expression: string, body: unknown) =>
  RouteSelectionExpression.parse(expression).evaluate(body);

describe('RouteSelectionExpression', () => {
  it('evaluates $request.body.<path>, unbraced and braced', () => {
    const body = { action: 'join', meta: { type: 'chat.send' } };
    expect(evaluate('$request.body.action', body)).toBe('join');
    expect(evaluate('${request.body.action}', body)).toBe('join');
    expect(evaluate('$request.body.meta.type', body)).toBe('chat.send');
    expect(evaluate('${request.body.meta.type}', body)).toBe('chat.send');
  });

  it('evaluates the multi-variable form with literal text between variables', () => {
    const body = { service: 'chat', action: 'join', version: 2 };
    expect(evaluate('${request.body.service}/${request.body.action}', body)).toBe('chat/join');
    expect(evaluate('$request.body.service/$request.body.action', body)).toBe('chat/join');
    expect(evaluate('${request.body.version}-beta', body)).toBe('2-beta');
    expect(evaluate('v:${request.body.version}:end', body)).toBe('v:2:end');
    expect(evaluate('\\$default', body)).toBe('$default');
  });

  it('reads a plain dotted path as $request.body.<path> (the actionField form)', () => {
    expect(evaluate('action', { action: 'join' })).toBe('join');
    expect(evaluate('meta.type', { meta: { type: 'x' } })).toBe('x');
    expect(evaluate('  action ', { action: 'join' })).toBe('join');
  });

  it('stringifies non-string values as AWS documents: {"action":1} selects "1"', () => {
    expect(evaluate('$request.body.action', JSON.parse('{"action":1}'))).toBe('1');
    expect(evaluate('$request.body.action', { action: 2.5 })).toBe('2.5');
    expect(evaluate('$request.body.action', { action: true })).toBe('true');
    expect(evaluate('$request.body.action', { action: ['item1', 'item2'] })).toBe('[item1, item2]');
    expect(evaluate('$request.body.action', { action: [] })).toBe('[]');
  });

  it('selects nothing for a missing field, null, an object, or a body that is not an object', () => {
    for (const body of [
      {},
      { action: null },
      { action: { a: 1 } },
      { action: [{ a: 1 }] },
      [1],
      'action',
      7,
      null,
      undefined,
    ]) {
      expect(evaluate('$request.body.action', body)).toBeUndefined();
    }
    expect(evaluate('$request.body.meta.type', { meta: 'flat' })).toBeUndefined();
    expect(evaluate('$request.body.items.0', { items: ['a'] })).toBeUndefined();
    expect(evaluate('${request.body.a}/${request.body.b}', { a: 'x' })).toBeUndefined();
  });

  it('never reaches Object.prototype through __proto__, constructor or toString', () => {
    for (const field of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(evaluate(`$request.body.${field}`, {})).toBeUndefined();
      expect(evaluate(`$request.body.${field}.name`, {})).toBeUndefined();
    }
    expect(evaluate('$request.body.constructor.name', {})).toBeUndefined();
    // JSON.parse makes "__proto__" an own data property: it is a field like any other.
    expect(evaluate('$request.body.__proto__', JSON.parse('{"__proto__":"join"}'))).toBe('join');
    expect(
      evaluate('$request.body.__proto__.polluted', JSON.parse('{"__proto__":{"polluted":"x"}}')),
    ).toBe('x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const nullPrototype = Object.assign(Object.create(null) as Record<string, unknown>, {
      action: 'join',
    });
    expect(evaluate('$request.body.action', nullPrototype)).toBe('join');
  });

  it('does not evaluate a selected value again (no recursive evaluation)', () => {
    expect(evaluate('$request.body.action', { action: '${request.body.other}', other: 'x' })).toBe(
      '${request.body.other}',
    );
  });

  it('throws a TypeError naming the expression for what API Gateway would not evaluate', () => {
    for (const expression of [
      '',
      '   ',
      '$request.header.x',
      '${context.connectionId}',
      '$request.body.',
      '$request.body',
      '${request.body.a',
      '$',
      'a..b',
      '.action',
      '${request.body.a b}',
    ]) {
      expect(() => RouteSelectionExpression.parse(expression)).toThrow(TypeError);
      expect(() => RouteSelectionExpression.parse(expression)).toThrow(
        `Unsupported route selection expression ${JSON.stringify(expression)}`,
      );
    }
    expect(() => RouteSelectionExpression.parse(7 as unknown as string)).toThrow(TypeError);
    expect(() => RouteSelectionExpression.parse('$request.header.x')).toThrow(
      /only \$request\.body/,
    );
  });

  it('keeps the expression it was parsed from', () => {
    expect(String(RouteSelectionExpression.parse(' $request.body.action '))).toBe(
      '$request.body.action',
    );
  });
});
