/**
 * A module a cloud loads on its first request rather than at start-up (issue #16: start-up to the
 * first answer). Concurrent first requests share the one load; a failed load is tried again.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load();
    loading.catch(() => (loading = undefined));
    return loading;
  };
}
