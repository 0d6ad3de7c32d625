import { defineParam, type ParamKind } from '../metadata/controller-metadata';

/*
 * Parameter decorators exist only under `experimentalDecorators`: TC39 standard decorators have
 * none, so TypeScript without the flag and esbuild refuse them at compile time. A runtime that
 * calls one with another shape (a Babel plugin, a hand call) gets this error instead of a
 * silently wrong injection.
 */
function paramDecorator(decorator: string, kind: ParamKind, name?: string): ParameterDecorator {
  return (target, propertyKey, index) => {
    if (typeof index !== 'number') {
      throw new TypeError(
        `@${decorator}() is a parameter decorator, which needs "experimentalDecorators": true ` +
          '(TC39 standard decorators have no parameter decorators); without the flag, take ' +
          'the WebSocketContext parameter and read ctx.body(), ctx.query(), ctx.header(), ' +
          'ctx.claims or ctx.connectionId',
      );
    }
    if (typeof propertyKey !== 'string') {
      throw new TypeError(
        `@${decorator}() can only decorate parameters of a method with a string name`,
      );
    }
    defineParam(target.constructor, propertyKey, { index, kind, name });
  };
}

/**
 * Injects the JSON body, or one field of it by dotted path: `@Body('room') room: string`.
 * Like every parameter decorator, it needs `experimentalDecorators`.
 */
export function Body(path?: string): ParameterDecorator {
  return paramDecorator('Body', 'body', path);
}

/** Injects a query-string parameter of the `$connect` URL. */
export function Query(name: string): ParameterDecorator {
  return paramDecorator('Query', 'query', name);
}

/** Injects a request header (case-insensitive). */
export function Header(name: string): ParameterDecorator {
  return paramDecorator('Header', 'header', name);
}

/** Injects the verified claims (`ctx.claims`). */
export function Claims(): ParameterDecorator {
  return paramDecorator('Claims', 'claims');
}

/** Injects the caller's connection id. */
export function ConnectionId(): ParameterDecorator {
  return paramDecorator('ConnectionId', 'connectionId');
}

/** Injects the `WebSocketContext` explicitly (undecorated parameters get it anyway). */
export function Ctx(): ParameterDecorator {
  return paramDecorator('Ctx', 'context');
}
