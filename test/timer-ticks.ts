/**
 * Whether the caller's event loop stays free during an async call, as
 * linalg-async.test.ts checks it: a 10 ms interval runs while the call is
 * pending and its ticks are counted. A call that blocked the loop would let
 * at most one tick through; how late the ticks come depends on the machine's
 * load, not on whether the loop is free, so the lateness is only reported.
 */
export async function ticksDuring(work: () => Promise<unknown>): Promise<{ ticks: number; worstLateMs: number }> {
  let last = performance.now();
  let worstLateMs = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worstLateMs = Math.max(worstLateMs, now - last - 10);
    last = now;
    ticks++;
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { ticks, worstLateMs };
}
