/** Shared bits of the fake-kube test files. */
export async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    return (e as { code: number }).code;
  }
  return 200;
}

/** The metav1.Status body of a failed client call. */
export async function statusOf(p: Promise<unknown>): Promise<{ code: number; reason: string; message: string; details?: { causes?: { field?: string; reason: string; message: string }[] } }> {
  try {
    await p;
  } catch (e) {
    const body = (e as { body: unknown }).body;
    return typeof body === 'string' ? JSON.parse(body) : (body as never);
  }
  throw new Error('the call succeeded');
}

/** Polls `cond` every 5 ms for up to `ms` (bounded; no fixed sleeps in tests). */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not met in time');
}
