import { defineParam, type ParamKind } from '../metadata/controller-metadata';

function paramDecorator(decorator: string, kind: ParamKind, name?: string): ParameterDecorator {
  return (target, propertyKey, index) => {
    if (typeof propertyKey !== 'string') {
      throw new TypeError(
        `@${decorator}() can only decorate parameters of a method with a string name`,
      );
    }
    defineParam(target.constructor, propertyKey, { index, kind, name });
  };
}

/** Injects the JSON body, or one field of it by dotted path: `@Body('room') room: string`. */
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
