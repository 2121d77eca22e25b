/**
 * A local-mode channel's own pieces. A channel built from configured production credentials has no local server and
 * no emulator, so the types make them optional; a test that drives them checks they are there, and fails naming
 * the missing piece instead of a TypeError on `undefined` later.
 */
import { must } from '../../src/core/must.js';

export function localServerOf<S>(channel: { localServer?: S }): S {
  return must(channel.localServer, 'the channel runs in local mode, with its own local platform server');
}

export function emulatorOf<E>(channel: { emulator?: E }): E {
  return must(channel.emulator, 'the channel runs in local mode, with the emulator adapter for its local server');
}
