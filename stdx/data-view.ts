/**
 * A DataView of the last buffer asked for. Big-endian stores through a DataView compile to single
 * instructions where Buffer's writers check and store byte by byte; encoders that write into one
 * long-lived mapping keep its view instead of making one per call. Each encoder keeps its own cache
 * (two encoders sharing one would replace each other's view on every call). The cache keeps the
 * last buffer's memory alive while its view may still be used.
 */
export class DataViewCache {
  private target: Uint8Array | undefined;
  private view: DataView | undefined;

  of(target: Uint8Array): DataView {
    if (target !== this.target || this.view === undefined) {
      this.view = new DataView(target.buffer, target.byteOffset, target.byteLength);
      this.target = target;
    }
    return this.view;
  }
}
