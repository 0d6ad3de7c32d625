import { defineController, type ControllerOptions } from '../metadata/controller-metadata';
import { isStandardContext, standardTarget } from './decorator-call';

/** A class decorator under `experimentalDecorators` and under TC39 standard decorators. */
export interface ControllerDecorator {
  (target: abstract new (...args: never[]) => unknown): void;
  (value: abstract new (...args: never[]) => unknown, context: ClassDecoratorContext): void;
}

/**
 * Marks a class as a WebSocket controller. `bootstrap([...])` refuses classes without it.
 * Works with `experimentalDecorators` and with TC39 standard decorators.
 *
 * @example
 * @WebSocketController()
 * class ChatController { ... }
 */
export function WebSocketController(options: ControllerOptions = {}): ControllerDecorator {
  return (target: object, context?: unknown): void => {
    if (isStandardContext(context)) {
      defineController(standardTarget('WebSocketController', context), options);
      return;
    }
    defineController(target, options);
  };
}
