/** Every metadata key lift-ws defines. One object per class lives under CONTROLLER_METADATA. */
export const CONTROLLER_METADATA = Symbol('lift-ws:controller');

/** TypeScript's own key, written when `emitDecoratorMetadata` is on (never by esbuild or tsx). */
export const DESIGN_PARAM_TYPES = 'design:paramtypes';
