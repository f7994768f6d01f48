import type { CliIo } from './cli-io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Progress {
  /** Shows (or changes) the waiting line. */
  show(text: string): void;
  /** Clears it; the next output starts on a clean line. */
  clear(): void;
}

/** A spinner line on stderr while waiting — on a terminal only; elsewhere it does nothing. */
export function createProgress(io: CliIo): Progress {
  if (!io.stderrIsTty) return { show: () => undefined, clear: () => undefined };
  let text: string | undefined;
  let frame = 0;
  let stop: (() => void) | undefined;
  const draw = (): void => {
    if (text !== undefined) io.err(`\r\u001b[K${FRAMES[frame++ % FRAMES.length]} ${text}`);
  };
  return {
    show(next) {
      text = next;
      draw();
      stop ??= io.every(100, draw);
    },
    clear() {
      if (text === undefined) return;
      stop?.();
      stop = undefined;
      text = undefined;
      io.err('\r\u001b[K');
    },
  };
}
