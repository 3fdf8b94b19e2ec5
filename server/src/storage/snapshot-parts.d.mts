/** The bytes stored for a snapshot's ordered parts (one part: its own bytes). */
export declare const packSnapshotParts: (parts: readonly Uint8Array[]) => Uint8Array;
/** The parts of a stored snapshot, given its bytes and the `parts` column. */
export declare const unpackSnapshotParts: (data: Uint8Array, count: number) => Uint8Array[];
