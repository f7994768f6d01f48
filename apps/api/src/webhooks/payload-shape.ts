/** The payload does not have the shape GitHub documents for its event (or a value does not fit where it is written). */
export class PayloadShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadShapeError';
  }
}
