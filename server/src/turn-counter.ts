/**
 * Test support: counts event-loop turns until `stop()`. Background work that yields between its
 * steps lets many turns pass; work done in one stretch lets one or two.
 */
export const countTurns = (): { stop: () => number } => {
  let turns = 0;
  let counting = true;
  const tick = () => {
    turns++;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      counting = false;
      return turns;
    },
  };
};
