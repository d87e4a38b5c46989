/** Bytes `aFrom`–`aTo` of `a` are bytes `bFrom`–`bTo` of `b` (a loop: the runs compared are short). */
export function sameBytes(a: Uint8Array, aFrom: number, aTo: number, b: Uint8Array, bFrom: number, bTo: number): boolean {
  if (aTo - aFrom !== bTo - bFrom) return false;
  for (let k = 0; k < aTo - aFrom; k++) if (a[aFrom + k] !== b[bFrom + k]) return false;
  return true;
}
