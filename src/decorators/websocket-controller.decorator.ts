import { defineController, type ControllerOptions } from '../metadata/controller-metadata';

/**
 * Marks a class as a WebSocket controller. `bootstrap([...])` refuses classes without it.
 *
 * @example
 * @WebSocketController()
 * class ChatController { ... }
 */
export function WebSocketController(options: ControllerOptions = {}): ClassDecorator {
  return (target) => {
    defineController(target, options);
  };
}
