/** Wire copy in the agency layout (see BRIEF.md), small enough to read in a failure. */
export const STORM_WIRE = `Storm closes Lisbon port as winds reach 120 km/h
Synopsis
Key Takeaways
- The port of Lisbon is closed until Friday.
- Winds reached 120 km/h on the coast.
- Thousands of homes are without power.
Lisbon, Dec 3 (NationPress) A storm closed the port of Lisbon on Wednesday, officials said.
Ferries were cancelled and schools along the coast sent pupils home early.`;
