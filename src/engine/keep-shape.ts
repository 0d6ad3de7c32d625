/**
 * Instances kept for the life of the process, one per hot shape (see `keepShape`).
 * Never read: holding them is the point.
 */
const anchors: object[] = [];

/**
 * Keeps one instance of a per-event class alive for the life of the process, and with it the
 * object layout (V8's hidden class, or map) that every instance of that class ends up with.
 *
 * V8's optimized code checks the maps of the objects it handles and holds those maps weakly. A
 * map is reachable from its class only through a chain of transitions (one per field a
 * constructor defines), and transitions are weak too, so once no instance is alive the map is
 * garbage. Between two events lift-ws holds no context, no onion run and no call options: every
 * full garbage collection then collected their maps and threw away the optimized code of the
 * whole per-event path ("marking dependent code for deoptimization, reason: weak objects" in
 * `node --trace-deopt`), and the events after it ran unoptimized until V8 had compiled it
 * again (bench/dispatch.bench.ts, the table after a full GC). An instance built like the real
 * ones, with values of the same kinds, ends up with the same map and keeps it.
 *
 * Object literals need none of this: their maps are held by the literal's boilerplate.
 * @internal
 */
export function keepShape<T extends object>(instance: T): T {
  anchors.push(instance);
  return instance;
}
