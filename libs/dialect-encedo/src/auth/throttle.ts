/**
 * The device's brute-force delay on login (notes §2.2): a failed login is answered no sooner than
 * 500 ms after it arrived, 1500 ms once three failures came in a row; a success answers at once
 * and resets the run. The wait is a timer, so other requests are served meanwhile.
 */
export class LoginThrottle {
  private consecutiveFailures = 0;

  constructor(
    private readonly baseMs = 500,
    private readonly afterThreeMs = 1500,
  ) {}

  succeeded(): void {
    this.consecutiveFailures = 0;
  }

  /** Waits out the failure delay, counted from `startedAt`. */
  async failed(startedAt: number): Promise<void> {
    this.consecutiveFailures++;
    const floor = this.consecutiveFailures > 3 ? this.afterThreeMs : this.baseMs;
    const wait = startedAt + floor - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
