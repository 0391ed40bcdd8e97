/**
 * Float64Arrays reused across the chunks and passes of one computation. A
 * fresh large array is zero pages that fault in as they are first written
 * (≈ 225 000 page faults, a third of a second, per Newton step at M = 1024,
 * N = 8192); a reused one is already mapped.
 */
export class Workspace {
  private readonly arrays = new Map<string, Float64Array>();

  /**
   * `length` entries of the array named `name`, grown when too short. Its
   * contents are whatever was left there: write before reading. A view stays
   * valid until the same name is asked for again.
   */
  array(name: string, length: number): Float64Array {
    let array = this.arrays.get(name);
    if (array === undefined || array.length < length) {
      array = new Float64Array(length);
      this.arrays.set(name, array);
    }
    return array.subarray(0, length);
  }
}
