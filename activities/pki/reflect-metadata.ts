/**
 * The three Reflect metadata functions @peculiar/x509 needs: its dependency tsyringe
 * refuses to load without them (x509 README, "Reflect Polyfill Required"), and only
 * reads constructor parameter types through them. A stand-in for the reflect-metadata
 * package; a real polyfill loaded first is left alone.
 */
type Target = object;
type MetadataReflect = typeof Reflect & {
  getMetadata?(key: unknown, target: Target): unknown;
  getOwnMetadata?(key: unknown, target: Target): unknown;
  defineMetadata?(key: unknown, value: unknown, target: Target): void;
};

const reflect = Reflect as MetadataReflect;
if (!reflect.getMetadata) {
  const store = new WeakMap<Target, Map<unknown, unknown>>();
  reflect.defineMetadata = (key, value, target) => {
    let own = store.get(target);
    if (!own) store.set(target, (own = new Map()));
    own.set(key, value);
  };
  reflect.getOwnMetadata = (key, target) => store.get(target)?.get(key);
  // Inherited, as reflect-metadata does: a subclass sees its base class's metadata.
  reflect.getMetadata = (key, target) => {
    for (let at: Target | null = target; at; at = Object.getPrototypeOf(at) as Target | null) {
      const own = store.get(at);
      if (own?.has(key)) return own.get(key);
    }
    return undefined;
  };
}
