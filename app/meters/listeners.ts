/** A set of callbacks for one kind of meter event: subscribe (returns the unsubscribe) and emit. */
export class Listeners<T> {
  private readonly cbs = new Set<(value: T) => void>();

  add(cb: (value: T) => void): () => void {
    this.cbs.add(cb);
    return () => this.cbs.delete(cb);
  }

  emit(value: T): void {
    for (const cb of this.cbs) cb(value);
  }
}
