/** Runs async jobs one after another (one socket's events keep their order). */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (err: unknown) => void) {}

  run(job: () => Promise<void>): Promise<void> {
    this.tail = this.tail.then(job).catch(this.onError);
    return this.tail;
  }

  idle(): Promise<void> {
    return this.tail;
  }
}
