// The order in which a benchmark runs its contenders each round, shared by the page
// (page/bench.mjs) and tests/bench/ab.mjs.

/**
 * The orders of a round-robin of `n` contenders in which, over the returned rounds, each one
 * immediately follows every other one equally often (a Williams design: `n` rounds for an even
 * `n`, `2n` for an odd one, the second half the first half reversed). Round 0 is
 * 0, 1, n-1, 2, n-2, …; round r adds r to each (mod n).
 *
 * Why: in one Chromium, what ran just before a client changes its time (eventsource-parser took
 * 48.2 ms after the native EventSource and 39.3 ms after a plain fetch; findings.md 1.), and a
 * rotation by one gives every contender the same predecessor in every round.
 *
 * @param {number} n
 * @returns {number[][]}
 */
export function balancedOrders(n) {
  const first = [0];
  for (let low = 1, high = n - 1; first.length < n; ) {
    first.push(low++);
    if (first.length < n) first.push(high--);
  }
  const orders = [];
  for (let r = 0; r < n; r++) orders.push(first.map((k) => (k + r) % n));
  if (n % 2 === 1) for (let r = 0; r < n; r++) orders.push([...orders[r]].reverse());
  return orders;
}
